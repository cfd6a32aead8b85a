#!/usr/bin/env bash
# npm run lab: build the namespace lab, run every scenario, write test/lab/. Linux, root.
# A hard limit bounds the whole run; the trap removes whatever is left on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != Linux ]; then echo "lab: needs Linux (network namespaces)" >&2; exit 2; fi
if [ "$(id -u)" != 0 ]; then echo "lab: needs root (network namespaces, iptables)" >&2; exit 2; fi
cleanup() { node lab/lab.mjs --cleanup || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
timeout -k 15 900 node lab/lab.mjs "$@"
