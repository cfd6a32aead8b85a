#!/bin/sh
# Record ufw.pcap (README.md): a capture of NFLOG group 5 in a network namespace of its own, whose
# rules log a blocked, an allowed and an audited connection with UFW's prefixes. Needs root,
# iptables, tcpdump, python3; bounded by `timeout`; removes the namespace on every exit.
# Usage: sudo sh test/lab/nflog/record.sh [out.pcap]
set -eu
OUT=$(realpath -m "${1:-$(dirname "$0")/ufw.pcap}")
NS=chnf-ufw
HOST=192.168.0.20
WWW=198.51.100.10
cleanup() {
  [ -n "${DUMP:-}" ] && kill "$DUMP" 2>/dev/null || true
  [ -n "${SERVE:-}" ] && kill "$SERVE" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
in_ns ip link set lo up
# Both machines' addresses on the namespace's loopback; no route beyond it.
in_ns ip addr add "$HOST/32" dev lo
in_ns ip addr add "$WWW/32" dev lo
[ -z "$(in_ns ip route show default)" ]

# UFW's words, NFLOG in place of LOG (as with ulogd): the blocked attempt's every SYN, the
# allowed connection's new packets only (what follows is ESTABLISHED), and an audit rule that
# logs every packet of port 8080 both ways and decides nothing.
in_ns iptables -A OUTPUT -p tcp -s "$HOST" -d "$WWW" --dport 443 -j NFLOG --nflog-group 5 --nflog-prefix "[UFW BLOCK] "
in_ns iptables -A OUTPUT -p tcp -s "$HOST" -d "$WWW" --dport 443 -j DROP
in_ns iptables -A OUTPUT -p tcp -s "$HOST" -d "$WWW" --dport 80 -m conntrack --ctstate NEW -j NFLOG --nflog-group 5 --nflog-prefix "[UFW ALLOW] "
in_ns iptables -A OUTPUT -p tcp -m multiport --ports 8080 -j NFLOG --nflog-group 5 --nflog-prefix "[UFW AUDIT] "

in_ns timeout 30 tcpdump -i nflog:5 -U -w "$OUT" 2>/dev/null &
DUMP=$!
in_ns timeout 30 python3 -c '
import socket, sys
socks = []
for port in (80, 8080):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port)); s.listen(4); socks.append(s)
for s in socks:
    c, _ = s.accept(); c.recv(1024)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"); c.close()
' "$WWW" &
SERVE=$!
sleep 2
client() {
  in_ns timeout 10 python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(float(sys.argv[4])); s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
    s.sendall(b"GET / HTTP/1.0\r\nHost: www.example\r\n\r\n"); print(s.recv(1024).split(b"\r\n")[0].decode())
except OSError as e:
    print("no connection:", e)
' "$HOST" "$WWW" "$1" "$2"
}
# Blocked: the SYN and the kernel's retries at 1 s and 3 s, until the client gives up at 5 s.
client 443 5
client 80 3
client 8080 3
sleep 1
kill -INT "$DUMP"
wait "$DUMP" || true
DUMP=
wait "$SERVE" || true
SERVE=
echo "wrote $OUT"
