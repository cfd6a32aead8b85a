#!/usr/bin/env python3
"""A WAN link with delay, for a kernel without the netem qdisc.

Joins a TUN device in one network namespace to a TUN device in another and carries every
IP packet across after a fixed one-way delay (plus a little jitter that never reorders).
One process holds both TUN file descriptors: it opens the first in its own namespace, then
setns(2)s into the second namespace and opens the second there; a TUN descriptor stays
bound to the namespace it was created in. TUN devices do not decrement the TTL, so the
link is invisible in hop counts: the routers on either side count, the relay does not.

Runs for at most --seconds and then exits; SIGTERM/SIGINT end it at once.
"""
import argparse
import ctypes
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def open_tun(name: str) -> int:
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def enter_netns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    ns = os.open(path, os.O_RDONLY)
    if libc.setns(ns, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f'setns({path}): {os.strerror(err)}')
    os.close(ns)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--a-netns', required=True)
    p.add_argument('--a-dev', required=True)
    p.add_argument('--b-netns', required=True)
    p.add_argument('--b-dev', required=True)
    p.add_argument('--delay-ms', type=float, default=20.0, help='one-way delay, each direction')
    p.add_argument('--jitter-ms', type=float, default=1.0, help='added uniformly, order kept')
    p.add_argument('--seconds', type=float, default=900.0, help='hard limit on the run')
    p.add_argument('--seed', type=int, default=12)
    args = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    rnd = random.Random(args.seed)

    enter_netns(args.a_netns)
    a = open_tun(args.a_dev)
    enter_netns(args.b_netns)
    b = open_tun(args.b_dev)
    print('ready', flush=True)

    peer = {a: b, b: a}
    last_due = {a: 0.0, b: 0.0}  # per output device: never deliver out of order
    queue: list = []
    seq = 0
    deadline = time.monotonic() + args.seconds
    delay = args.delay_ms / 1000.0
    jitter = args.jitter_ms / 1000.0
    while True:
        now = time.monotonic()
        if now >= deadline:
            return
        while queue and queue[0][0] <= now:
            _, _, out, packet = heapq.heappop(queue)
            try:
                os.write(out, packet)
            except OSError:
                pass  # device down or buffer full: a lost packet, as on a real link
        wait = min(deadline - now, (queue[0][0] - now) if queue else 0.5)
        readable, _, _ = select.select([a, b], [], [], max(wait, 0.0))
        now = time.monotonic()
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65535)
                except BlockingIOError:
                    break
                out = peer[fd]
                due = max(now + delay + rnd.random() * jitter, last_due[out])
                last_due[out] = due
                seq += 1
                heapq.heappush(queue, (due, seq, out, packet))


if __name__ == '__main__':
    main()
