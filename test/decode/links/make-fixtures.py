#!/usr/bin/env python3
"""Build pflog.pcap and pktap.pcap from the IP packets of nflog.pcap (see README.md).

Each IP packet of the NFLOG capture (its NFULA_PAYLOAD) is given the header a pf firewall
(FreeBSD / pfSense pflog0) or a macOS pktap capture puts in front of it, written as a hex dump
and turned into a capture by text2pcap with the packet's own time stamp.
"""
import struct, subprocess, sys
from datetime import datetime, timezone

here = sys.argv[1] if len(sys.argv) > 1 else '.'

def records(path):
    data = open(path, 'rb').read()
    endian = '<' if data[:4] == b'\xd4\xc3\xb2\xa1' else '>'
    p = 24
    while p < len(data):
        sec, usec, incl, orig = struct.unpack(endian + 'IIII', data[p:p + 16])
        yield sec + usec / 1e6, data[p + 16:p + 16 + incl]
        p += 16 + incl

def nflog_payload(frame):
    p = 4
    while p + 4 <= len(frame):
        length, kind = struct.unpack('<HH', frame[p:p + 4])
        if kind & 0x7fff == 9:
            return frame[0], frame[p + 4:p + length]
        p += (length + 3) & ~3
    raise ValueError('no payload')

def fixed(text, size):
    return text.encode().ljust(size, b'\0')

def pflog(family, ip, blocked):
    # FreeBSD pfloghdr: length 61 (PFLOG_REAL_HDRLEN), padded to 64; rulenr / subrulenr network order.
    af = 2 if family == 2 else 28
    header = struct.pack('BBBB', 61, af, 1 if blocked else 0, 0) + fixed('em0', 16) + fixed('', 16)
    header += struct.pack('>II', 5, 0xffffffff) + struct.pack('<IiIi', 0xffffffff, -1, 0, 0)
    header += struct.pack('B', 2) + b'\0\0\0'
    assert len(header) == 64
    return header + ip

def pktap(family, ip):
    # macOS pktap_header, little-endian, 108 bytes; Ethernet (DLT 1) on en0, BSD null (DLT 0) on utun3.
    if family == 2:
        dlt, ifname, pfamily, llhdr, iftype, unit = 1, 'en0', 2, 14, 6, 0
        frame = bytes.fromhex('3c22fb001122a483e7aabbcc0800') + ip
    else:
        dlt, ifname, pfamily, llhdr, iftype, unit = 0, 'utun3', 30, 4, 1, 3
        frame = struct.pack('<I', 30) + ip
    header = struct.pack('<III', 108, 1, dlt) + fixed(ifname, 24)
    header += struct.pack('<IIIII', 0, pfamily, llhdr, 0, 4242) + fixed('nc', 20)
    header += struct.pack('<IHHI', 0, iftype, unit, 4242) + fixed('nc', 20)
    assert len(header) == 108
    return header + frame

def write(name, linktype, frames):
    dump = []
    for ts, frame in frames:
        stamp = datetime.fromtimestamp(ts, timezone.utc).strftime('%Y-%m-%d %H:%M:%S.%f')
        dump.append(stamp)
        for off in range(0, len(frame), 16):
            dump.append('%06x  %s' % (off, ' '.join('%02x' % b for b in frame[off:off + 16])))
    subprocess.run(['text2pcap', '-q', '-F', 'pcap', '-l', str(linktype), '-t', '%Y-%m-%d %H:%M:%S.%f', '-', f'{here}/{name}'],
                   input='\n'.join(dump) + '\n', text=True, check=True)

packets = [(ts,) + nflog_payload(frame) for ts, frame in records(f'{here}/nflog.pcap')]
# pf blocks the attempt on port 443 (both its packets logged as blocked); the rest passes.
write('pflog.pcap', 117, [(ts, pflog(fam, ip, ip[0] >> 4 == 4 and 443 in struct.unpack('>HH', ip[20:24]))) for ts, fam, ip in packets])
write('pktap.pcap', 258, [(ts, pktap(fam, ip)) for ts, fam, ip in packets])
