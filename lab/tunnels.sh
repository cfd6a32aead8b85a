#!/usr/bin/env bash
# Captures of a real Linux TCP exchange carried in a VXLAN tunnel, for test/lab/tunnels/.
#
#   sudo bash lab/tunnels.sh [out-dir]     # default test/lab/tunnels
#
# Two network namespaces joined by a veth pair (the underlay); a VXLAN device in each (VNI 42,
# UDP 4789) carries the inner network. In the client namespace tcpdump records the underlay
# (`vxlan<4|6>-underlay.pcap`: what a sniffer fed by VXLAN mirroring sees) and, in the same run,
# the VXLAN device itself (`vxlan<4|6>-inner.pcap`: the same traffic without the tunnel). The
# client fetches http://<server>/ twice (python http.server) and tries port 443 twice, where
# nothing listens (the server's kernel resets). Variant 4: IPv4 inside IPv4; variant 6: IPv6
# inside IPv6. No default route anywhere; every process is bounded by `timeout`; the namespaces
# are deleted on exit. The outer headers carry TTL / hop limit 17, the inner ones the stacks' 64.
set -euo pipefail
OUT=${1:-$(dirname "$0")/../test/lab/tunnels}
A=chtun-client
B=chtun-server
cleanup() {
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT

run() {
  local v=$1 ua ub ia ib prefix
  if [ "$v" = 4 ]; then
    ua=172.31.99.1 ub=172.31.99.2 ia=10.20.0.1 ib=198.51.100.80 prefix=24
  else
    ua=fd99::1 ub=fd99::2 ia=fd20::1 ib=2001:db8:80::80 prefix=64
  fi
  cleanup
  ip netns add "$A"
  ip netns add "$B"
  ip link add ua netns "$A" type veth peer name ub netns "$B"
  for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
  if [ "$v" = 4 ]; then
    ip -n "$A" addr add "$ua/30" dev ua
    ip -n "$B" addr add "$ub/30" dev ub
  else
    ip -n "$A" addr add "$ua/64" dev ua nodad
    ip -n "$B" addr add "$ub/64" dev ub nodad
  fi
  ip -n "$A" link set ua up
  ip -n "$B" link set ub up
  ip -n "$A" link add vx0 type vxlan id 42 dstport 4789 local "$ua" remote "$ub" ttl 17
  ip -n "$B" link add vx0 type vxlan id 42 dstport 4789 local "$ub" remote "$ua" ttl 17
  # Fixed MACs keep the captures alike from run to run.
  ip -n "$A" link set vx0 address 02:00:00:00:00:01
  ip -n "$B" link set vx0 address 02:00:00:00:00:02
  ip -n "$A" link set vx0 up
  ip -n "$B" link set vx0 up
  if [ "$v" = 4 ]; then
    ip -n "$A" addr add "$ia/$prefix" dev vx0
    ip -n "$B" addr add "$ib/$prefix" dev vx0
    ip -n "$A" route add "$ib/32" dev vx0
    ip -n "$B" route add "$ia/32" dev vx0
  else
    ip -n "$A" addr add "$ia/$prefix" dev vx0 nodad
    ip -n "$B" addr add "$ib/$prefix" dev vx0 nodad
    ip -n "$A" route add "$ib/128" dev vx0
    ip -n "$B" route add "$ia/128" dev vx0
  fi
  ip netns exec "$B" timeout 30 python3 -m http.server 80 --bind "$ib" >/dev/null 2>&1 &
  local server=$!
  ip netns exec "$A" timeout 30 tcpdump -n -s 0 -U -i ua -w "$OUT/vxlan$v-underlay.pcap" 2>/dev/null &
  local dump1=$!
  ip netns exec "$A" timeout 30 tcpdump -n -s 0 -U -i vx0 -w "$OUT/vxlan$v-inner.pcap" 'tcp' 2>/dev/null &
  local dump2=$!
  sleep 2
  local url=$ib
  [ "$v" = 6 ] && url="[$ib]"
  for i in 1 2; do
    ip netns exec "$A" timeout 5 python3 -c "import urllib.request; urllib.request.urlopen('http://$url/', timeout=3).read()" >/dev/null 2>&1 || true
    ip netns exec "$A" timeout 5 python3 -c "
import socket
s = socket.socket(socket.AF_INET6 if ':' in '$ib' else socket.AF_INET)
try: s.connect(('$ib', 443))
except OSError: pass
" || true
    sleep 1
  done
  sleep 1
  kill "$dump1" "$dump2" "$server" 2>/dev/null || true
  wait "$dump1" "$dump2" "$server" 2>/dev/null || true
}

# tshark's decode of every TCP packet of each underlay capture, innermost header last in each
# field: the reference the tests check callhome's decapsulation against.
reference() {
  local v=$1 f="$OUT/vxlan$1-underlay.pcap" src dst ttl
  if [ "$v" = 4 ]; then src=ip.src dst=ip.dst ttl=ip.ttl; else src=ipv6.src dst=ipv6.dst ttl=ipv6.hlim; fi
  timeout 60 tshark -n -r "$f" -Y tcp -T fields -E header=y -e frame.number -e "$src" -e "$dst" -e "$ttl" \
    -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw -e tcp.len >"$OUT/vxlan$v-underlay.tshark.tsv"
}

run 4
run 6
reference 4
reference 6
