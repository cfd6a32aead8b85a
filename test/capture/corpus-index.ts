/** The capinfos packet counts of corpus/INDEX.md, parsed from its markdown tables. */
import { readFileSync } from 'node:fs';
import { corpusPath } from '../support/corpus.js';

export interface IndexedCapture {
  /** Path inside the corpus, e.g. 'zeek/wikipedia.pcap'. */
  path: string;
  /** capinfos' file type column ('pcap', 'nsecpcap', 'pcapng', 'modpcap', '?'). */
  fileType: string;
  /** Packet count capinfos reports, or null where INDEX says '?' (capinfos could not read it). */
  packets: number | null;
  /** capinfos' duration in seconds (last minus first timestamp), null for 'n/a' or '?'. */
  duration: number | null;
  /** Digits after the decimal point capinfos printed the duration with. */
  durationDigits: number;
}

export function readCorpusIndex(): IndexedCapture[] {
  const text = readFileSync(corpusPath('INDEX.md'), 'utf8');
  const captures: IndexedCapture[] = [];
  let folder: string | null = null;
  let columns: string[] | null = null;
  for (const line of text.split('\n')) {
    const heading = /^##\s+([\w.-]+)\/\s*$/.exec(line);
    if (heading) {
      folder = heading[1]!;
      columns = null;
      continue;
    }
    if (line.startsWith('## ')) {
      folder = null;
      continue;
    }
    if (!folder || !line.startsWith('|')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (columns === null) {
      columns = cells.map((c) => c.toLowerCase());
      continue;
    }
    if (cells.every((c) => /^-+$/.test(c))) continue;
    const file = cells[columns.indexOf('file')]!;
    const pkts = cells[columns.indexOf('pkts')]!;
    const fileType = cells[columns.indexOf('file type')] ?? '';
    const duration = cells[columns.indexOf('duration s')] ?? '';
    captures.push({
      path: `${folder}/${file}`,
      fileType,
      packets: pkts === '?' ? null : Number(pkts.replace(/,/g, '')),
      duration: /^[\d.]+$/.test(duration) ? Number(duration) : null,
      durationDigits: duration.includes('.') ? duration.split('.')[1]!.length : 0,
    });
  }
  return captures;
}
