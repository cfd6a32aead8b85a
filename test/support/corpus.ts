import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared conformance corpus beside the checkout: ../shared/corpus. */
export const corpusRoot = resolve(projectRoot, '..', 'shared', 'corpus');

/** Absolute path of a corpus file, e.g. corpusPath('zeek/wikipedia.pcap'). */
export function corpusPath(relative: string): string {
  return resolve(corpusRoot, relative);
}

export const haveCorpus = existsSync(corpusRoot);
