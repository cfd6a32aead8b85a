// A host that calls home over UDP, through the kernel's own sockets: a name looked up on a
// schedule (a new socket per lookup, as a stub resolver does), a DNS tunnel that keeps one socket
// and asks for hex-encoded names under one zone, and a UDP beacon to an outside address on port
// 443 (HTTP/3's port) that the firewall drops.
import dgram from 'node:dgram';
import { deadline, logger, now, parameters, random, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
deadline(p.maxSeconds ?? 600);
const rnd = random(p.seed ?? 1);

/** A standard query (RFC 1035 §4.1) for `name`, type A, recursion desired. */
function query(id, name) {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  const header = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');

function send(socket, bytes, port, address) {
  return new Promise((resolve) => socket.send(bytes, port, address, (e) => resolve(e ? e.message : 'sent')));
}

const start = now() + (p.startDelay ?? 0);

async function lookups() {
  for (let i = 0; i < p.lookups; i++) {
    await sleepUntil(start + i * p.lookupInterval);
    const socket = dgram.createSocket('udp4');
    await new Promise((r) => socket.bind(0, p.localAddress, r));
    const answered = new Promise((resolve) => {
      socket.once('message', () => resolve('answered'));
      setTimeout(() => resolve('timeout'), 2000);
    });
    await send(socket, query(1 + i, p.name), 53, p.dns);
    log({ event: 'lookup', index: i, mono: now(), result: await answered });
    socket.close();
  }
}

async function tunnel() {
  const socket = dgram.createSocket('udp4');
  await new Promise((r) => socket.bind(0, p.localAddress, r));
  let answers = 0;
  socket.on('message', () => answers++);
  for (let i = 0; i < p.tunnelQueries; i++) {
    await sleepUntil(start + 1 + i * p.tunnelSpacing);
    await send(socket, query(1000 + i, `${hex(40)}.${hex(24)}.${p.tunnelZone}`), 53, p.dns);
  }
  await sleepUntil(now() + 1);
  log({ event: 'tunnel', queries: p.tunnelQueries, answers });
  socket.close();
}

async function beacon() {
  const socket = dgram.createSocket('udp4');
  await new Promise((r) => socket.bind(0, p.localAddress, r));
  for (let i = 0; i < p.udpCount; i++) {
    await sleepUntil(start + 2 + i * p.udpInterval);
    // A QUIC client's first datagram is padded to 1,200 bytes (RFC 9000 §14.1): the long-header bit set.
    const datagram = Buffer.alloc(1200);
    datagram[0] = 0xc3;
    log({ event: 'beacon', index: i, mono: now(), result: await send(socket, datagram, p.udpPort, p.udpTarget) });
  }
  socket.close();
}

await Promise.all([lookups(), tunnel(), beacon()]);
process.exit(0);
