// Writes a capture of SYNs that are never answered, each to an address of its own, for measuring
// memory on the worst inputs (npm run build first: it uses callhome's own frame builder and writer):
//   node scripts/make-syn-scan.mjs syn2m.pcap [syns=2000000] [shape=hosts]
// shape "hosts": 65,536 internal hosts (10.x.y.z) each sending about 30 SYNs to 203.x.y.z;
// shape "scanner": one host (10.1.2.3) sending every SYN to a /24 of its own. 0.5 ms apart,
// deterministic. 2,000,000 SYNs make 140 MB.
import { closeSync, openSync, writeSync } from 'node:fs';
import { PcapWriter } from '../dist/capture/writer.js';
import { tcpFrame } from '../dist/synth/frame.js';

const [path = 'syn-scan.pcap', synsArg = '2000000', shape = 'hosts'] = process.argv.slice(2);
if (shape !== 'hosts' && shape !== 'scanner') {
  console.error(`make-syn-scan: shape is "hosts" or "scanner", not ${JSON.stringify(shape)}`);
  process.exit(2);
}
const SYNS = Number(synsArg);
const T0 = 1_700_000_000;
const writer = new PcapWriter({ linktype: 1, nanosecond: false });
const fd = openSync(path, 'w');
for (let i = 0; i < SYNS; i++) {
  const scanner = shape === 'scanner';
  const src = scanner ? '10.1.2.3' : `10.${(i >> 20) & 15}.${(i >> 8) & 255}.${(i & 255) | 1}`;
  const dst = scanner ? `${20 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}.9` : `203.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const ts = T0 + i * 0.0005;
  writer.add(
    Math.floor(ts),
    Math.round((ts % 1) * 1e6) * 1000,
    tcpFrame({ src, dst, sport: 1024 + (i % 60000), dport: 80, seq: i, flags: 'S' }),
  );
  if (i % 100_000 === 99_999) writeSync(fd, writer.drain());
}
writeSync(fd, writer.drain());
closeSync(fd);
