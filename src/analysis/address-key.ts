/**
 * Addresses as keys of the analysis's maps and sets: an IPv4 address as its number made signed (a
 * small integer to the engine, where its text would be written anew for each of a log's millions
 * of rows), any other address as its text. Only IPv4 text as formatIPv4 writes it becomes a
 * number, so that a set of keys counts what a set of the texts would ("10.0.0.01" stays text).
 */
import { formatIPv4 } from '../decode/address.js';
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
