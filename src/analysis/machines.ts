/**
 * One machine, several addresses. A host on a dual-stack LAN opens its connections from its IPv4
 * address and from its IPv6 ones — a stable address and the temporary addresses it rotates for
 * privacy (RFC 8981), a new one a day — and reaching a name over either as Happy Eyeballs
 * (RFC 8305) picks: one agent's schedule is then split between two or more "hosts", none of which
 * has enough of it to be seen. The sniffer sees what ties them: the network card every one of
 * their packets comes from.
 *
 * A hardware address names the machine that sent the frame only on the sender's own link: a
 * router's frames carry the router's address for every machine it forwards for. So an address is
 * tied to a card only by packets that came to the sniffer unrouted — sent with the TTL (hop limit)
 * a stack starts with, 64, 128 or 255 — and a card is taken for one machine only when it sent from
 * one IPv4 address at most (a router, a firewall's inside, sends its own from several) and each of
 * its addresses came from it alone (two cards claiming one address — a failover pair's virtual
 * address, a spoofer — tie nothing). Link-local and unspecified addresses open nothing to the
 * Internet and are left out. A log without hardware addresses (a firewall's, Zeek's without
 * mac-logging) or without TTLs (Zeek's own conn.log) ties nothing.
 */
import { ipv4ToNumber } from '../decode/address.js';
import { anyMac, type ConnectionList } from '../flows/store.js';
import { keyAddress, origKey, type AddressKey } from './address-key.js';
import { subnet64, type CidrSet } from './cidr.js';
import { notUnicast } from './udp.js';

/** A machine of several addresses: the one it is named by, the others, and its card's address. */
export interface Machine {
  address: string;
  others: string[];
  mac: string;
}

/** TTLs (hop limits) stacks start with: a packet that still has one has crossed no router. */
const INITIAL_TTLS = new Set([64, 128, 255]);

/** IPv6 addresses at most one card may send from and be one machine (a week of daily temporary addresses, a few stable ones). */
const MAX_V6_PER_MACHINE = 32;

/** Cards followed at most: a busy LAN's, with room; past it, later cards are not followed. */
const MAX_CARDS = 65_536;

/** Every address of a machine of several, mapped to its machine; empty when none is seen. */
export type Machines = ReadonlyMap<string, Machine>;

/** No machine of several addresses (a log's rows, a capture without hardware addresses). */
export const NO_MACHINES: Machines = new Map();

/** Link-local (IPv4 169.254/16, IPv6 fe80::/10). */
function linkLocal(address: string): boolean {
  const n = ipv4ToNumber(address);
  if (n >= 0) return n >>> 16 === 0xa9fe;
  return /^fe[89ab]/i.test(address);
}

/** A card's address as group (multicast, broadcast) or all zeros: no one machine's. */
function notOneCard(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1 || mac === '00:00:00:00:00:00';
}

/**
 * Each network card's addresses, from the connections opened from the sniffer's own link: the
 * card → its addresses and how many connections each opened; the address → its card ('' when two
 * claim it, or it is never one machine's: link-local, multicast). Null when no connection names
 * its card.
 */
interface Cards {
  addresses: Map<string, Map<AddressKey, number>>;
  cardOf: Map<AddressKey, string>;
}

/** Each list's cards, worked out once for the passes that ask (the internal networks, then the machines). */
const cardsOfList = new WeakMap<ConnectionList, Cards | null>();

function cardsOf(connections: ConnectionList): Cards | null {
  const known = cardsOfList.get(connections);
  if (known !== undefined) return known;
  const cards = anyMac(connections) ? readCards(connections) : null;
  cardsOfList.set(connections, cards);
  return cards;
}

function readCards(connections: ConnectionList): Cards {
  const addresses = new Map<string, Map<AddressKey, number>>();
  const cardOf = new Map<AddressKey, string>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    const mac = c.origMac;
    if (mac === undefined || !INITIAL_TTLS.has(c.origTtl)) continue;
    const key = origKey(c);
    const owner = cardOf.get(key);
    if (owner === '') continue;
    if (owner !== undefined && owner !== mac) {
      cardOf.set(key, '');
      continue;
    }
    let mine = addresses.get(mac);
    if (mine === undefined) {
      if (addresses.size >= MAX_CARDS || notOneCard(mac)) continue;
      addresses.set(mac, (mine = new Map<AddressKey, number>()));
    }
    if (owner === undefined) {
      const text = keyAddress(key);
      // Never one machine's (and not looked at again).
      if (linkLocal(text) || notUnicast(text)) {
        cardOf.set(key, '');
        continue;
      }
      cardOf.set(key, mac);
    }
    mine.set(key, (mine.get(key) ?? 0) + 1);
  }
  return { addresses, cardOf };
}

/**
 * A card's addresses (texts, and each one's connections) when it is one machine's — none claimed
 * by another card, one IPv4 address at most — else null.
 */
function oneMachine(
  cards: Cards,
  mac: string,
  addresses: ReadonlyMap<AddressKey, number>,
): { v4: string | null; v6: string[]; opened: Map<string, number> } | null {
  let v4: string | null = null;
  const v6: string[] = [];
  const opened = new Map<string, number>();
  for (const [key, n] of addresses) {
    if (cards.cardOf.get(key) !== mac) return null;
    const text = keyAddress(key);
    opened.set(text, n);
    if (typeof key === 'string') v6.push(text);
    else if (v4 === null) v4 = text;
    else return null;
  }
  return v6.length > MAX_V6_PER_MACHINE ? null : { v4, v6, opened };
}

/**
 * The /64s a LAN's machines send from besides their internal IPv4 address, through the same card
 * on the sniffer's link, that `internal` does not hold: a dual-stack LAN's global IPv6 prefix
 * (callhome's defaults are the private ranges), sorted.
 */
export function linkNetworks(connections: ConnectionList, internal: CidrSet): string[] {
  const cards = cardsOf(connections);
  if (cards === null) return [];
  const found = new Set<string>();
  for (const [mac, addresses] of cards.addresses) {
    const machine = oneMachine(cards, mac, addresses);
    if (machine === null || machine.v4 === null || !internal.has(machine.v4)) continue;
    for (const address of machine.v6) {
      const prefix = internal.has(address) ? null : subnet64(address);
      if (prefix !== null) found.add(prefix);
    }
  }
  return [...found].sort();
}

/** The machines of several addresses, all of them internal, among the originators of `connections`. */
export function findMachines(connections: ConnectionList, internal: CidrSet): Machines {
  const cards = cardsOf(connections);
  if (cards === null) return NO_MACHINES;
  const machines = new Map<string, Machine>();
  for (const [mac, addresses] of cards.addresses) {
    if (addresses.size < 2) continue;
    const machine = oneMachine(cards, mac, addresses);
    if (machine === null) continue;
    const { opened } = machine;
    const all = [...opened.keys()];
    if (!all.every((a) => internal.has(a))) continue;
    // Named by its IPv4 address, else by the IPv6 address it opened most from.
    const ranked = all.sort((a, b) => opened.get(b)! - opened.get(a)! || (a < b ? -1 : 1));
    const address = machine.v4 ?? ranked[0]!;
    const named: Machine = { address, others: ranked.filter((a) => a !== address), mac };
    for (const a of all) machines.set(a, named);
  }
  return machines.size > 0 ? machines : NO_MACHINES;
}

/** The address a machine is named by (`address` itself when it is no machine's of several). */
export function machineAddress(machines: Machines, address: string): string {
  return machines.size === 0 ? address : (machines.get(address)?.address ?? address);
}
