/** Readers for the flows outputs, to check what a consumer would read back. */
import { expect } from 'vitest';

/** Minimal RFC 4180 reader: quoted cells, doubled quotes, CRLF records. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** The data rows of a Zeek ASCII log as objects keyed by the #fields names. */
export function parseZeek(text: string): { headers: Map<string, string>; rows: Record<string, string>[] } {
  const headers = new Map<string, string>();
  const rows: Record<string, string>[] = [];
  let fields: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const [key, ...rest] = line.slice(1).split(line.startsWith('#separator') ? ' ' : '\t');
      headers.set(key!, rest.join('\t'));
      if (key === 'fields') fields = rest;
      continue;
    }
    const cells = line.split('\t');
    expect(cells).toHaveLength(fields.length);
    rows.push(Object.fromEntries(fields.map((f, i) => [f, cells[i]!])));
  }
  return { headers, rows };
}
