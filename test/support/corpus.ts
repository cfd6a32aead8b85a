import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The conformance corpus the project carries in test/corpus (see its README). */
export const corpusRoot = resolve(projectRoot, 'test', 'corpus');

/** Absolute path of a corpus file, e.g. corpusPath('zeek/wikipedia.pcap'). */
export function corpusPath(relative: string): string {
  return resolve(corpusRoot, relative);
}
