#!/usr/bin/env bash
# npm run lab: build the namespace lab, run every scenario, write test/lab/. Linux, root.
# A hard limit bounds the whole run; the trap removes whatever is left on any exit.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != Linux ]; then echo "lab: needs Linux (network namespaces)" >&2; exit 2; fi
if [ "$(id -u)" != 0 ]; then echo "lab: needs root (network namespaces, iptables)" >&2; exit 2; fi

# `timeout` puts the lab in a process group of its own, out of reach of the terminal's Ctrl-C,
# and bash runs a trap only once a foreground command ends: so the lab runs in the background
# and a signal is passed on to it here, at once.
timeout -k 15 900 node lab/lab.mjs "$@" &
lab=$!
on_signal() {
  kill -TERM "$lab" 2>/dev/null
  wait "$lab"
  exit 130
}
trap on_signal INT TERM HUP
trap 'node lab/lab.mjs --cleanup' EXIT
wait "$lab"
