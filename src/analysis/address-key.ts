/**
 * Addresses as keys of the analysis's maps and sets: an IPv4 address as its number made signed (a
 * small integer to the engine, where its text would be written anew for each of a log's millions
 * of rows), any other address as its text. Only IPv4 text as formatIPv4 writes it becomes a
 * number, so that a set of keys counts what a set of the texts would ("10.0.0.01" stays text).
 */
import { formatIPv4, sortAddresses } from '../decode/address.js';
import type { Connection } from '../flows/connection.js';
import { exactOrigV4, exactRespV4, ipv4Number } from '../flows/store.js';

export type AddressKey = number | string;

/** The originator's key. */
export function origKey(c: Connection): AddressKey {
  const n4 = exactOrigV4(c);
  return n4 >= 0 ? n4 | 0 : c.origH;
}

/** The responder's key. */
export function respKey(c: Connection): AddressKey {
  const n4 = exactRespV4(c);
  return n4 >= 0 ? n4 | 0 : c.respH;
}

/** The key of an address's text. */
export function addressKey(address: string): AddressKey {
  const n4 = ipv4Number(address);
  return n4 >= 0 ? n4 | 0 : address;
}

/** The address a key stands for, as text. */
export function keyAddress(key: AddressKey): string {
  return typeof key === 'number' ? formatIPv4(key >>> 0) : key;
}

/**
 * Keys as text in the order a reader counts addresses in (compareAddresses): the IPv4 numbers by
 * value, sorted before any is written, then the texts. `text` writes a number: keyAddress for an
 * address's key, or a netblock's writer for the netblock keys of a group (its /24's number).
 */
export function sortedKeyTexts(keys: Iterable<AddressKey>, text: (n: number) => string = keyAddress): string[] {
  const numbers: number[] = [];
  const texts: string[] = [];
  for (const k of keys) {
    if (typeof k === 'number') numbers.push(k >>> 0);
    else texts.push(k);
  }
  const out = numbers.sort((a, b) => a - b).map(text);
  return texts.length === 0 ? out : out.concat(sortAddresses(texts));
}
