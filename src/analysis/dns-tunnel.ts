/**
 * DNS tunnels (DESIGN.md "Labels": `dns-tunnel`): data carried in DNS — one host asking for many
 * unique, random-looking names under one domain (dnscat2, iodine, exfiltration by lookups).
 *
 * Every DNS query a host sends counts, those to the network's own resolver included: a tunnel
 * goes through the resolver like any lookup. Queries are grouped by registered domain (the last
 * two labels, three under a two-level public suffix such as co.uk), and a domain is flagged when
 * the host sent it at least MIN_QUERIES queries, mostly for distinct names (MIN_UNIQUE_SHARE), and
 * most of those names look random (MIN_RANDOM_SHARE): a long label that reads as encoded data —
 * high character entropy, or hex, base32 or base64 with letters and digits mixed. Readable names
 * (img1.cdn.example.com), DNS-SD service names (_http._tcp.…), `.local` and reverse lookups
 * (in-addr.arpa, ip6.arpa) are not data.
 *
 * Nor are a reputation service's lookups: an anti-virus or mail filter asking its vendor about a
 * file's hash or a sender (`<hash>.<hash>.f.01.s.sophosxl.net`) sends as many random-looking names,
 * and is answered as DNS blocklists answer (RFC 5782 §2.1): with addresses in 127.0.0.0/8, the
 * verdict coded in them. A domain whose answered queries (a real share of them) got loopback
 * addresses and nothing else is such a service, not a tunnel.
 */
import type { Connection } from '../flows/connection.js';
import { isDns, notUnicast, queryNames } from './udp.js';

/** A domain needs this many queries from one host to be a tunnel. */
export const MIN_QUERIES = 30;
/** Share of those queries that must be for distinct names under it. */
export const MIN_UNIQUE_SHARE = 0.8;
/** Distinct names kept per domain of a host: enough to judge them, bounded whatever a tunnel sends. */
const MAX_NAMES_PER_DOMAIN = 20_000;
/** Share of the distinct names that must look random. */
export const MIN_RANDOM_SHARE = 0.7;
/** A name looks like data when its longest label under the domain is at least this long, and encoded … */
export const MIN_DATA_LABEL = 16;
/** … (letters and digits changing places this often, characters carrying this many bits: not a1a1a1…) … */
export const MIN_MIXES = 3;
export const MIN_ENCODED_ENTROPY = 2.5;
/** … or at least this long with characters carrying this many bits each. */
export const MIN_LONG_LABEL = 32;
export const MIN_ENTROPY = 3.5;
/** … and fewer vowels among its letters than this share (words have ~0.4). */
export const MAX_VOWEL_SHARE = 0.28;

/** A reputation service's answers: at least this many, and this share of the queries, all in 127.0.0.0/8. */
const MIN_LOOPBACK_ANSWERS = 3;
const MIN_LOOPBACK_SHARE = 0.1;

/** Two-level public suffixes under which a registered domain has three labels (a common few). */
const TWO_LEVEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'net.uk', 'ltd.uk', 'plc.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au',
  'co.nz', 'org.nz', 'net.nz', 'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'co.kr', 'or.kr',
  'co.za', 'co.in', 'net.in', 'org.in', 'co.il', 'co.id', 'co.th',
  'com.br', 'net.br', 'org.br', 'com.cn', 'net.cn', 'org.cn', 'com.mx', 'com.ar', 'com.tr',
  'com.sg', 'com.hk', 'com.tw', 'com.my', 'com.ph', 'com.pl', 'com.ua', 'com.ru', 'com.es',
]); // prettier-ignore

/** One domain a host carries data under, and the numbers that made it. */
export interface DnsTunnel {
  /** The zone the queries share: the registered domain, or the longer suffix all its names end in (t.example.com). */
  domain: string;
  queries: number;
  /** Distinct names under it. */
  unique: number;
  /** Distinct names that look random. */
  random: number;
  /** Mean length of the labels in front of the zone, over the distinct names. */
  meanLabel: number;
  /** Mean Shannon entropy of those labels' characters, bits per character. */
  entropy: number;
  first: number;
  last: number;
}

/** A query name as the tunnel detector reads it: its registered domain, the labels in front of it, and the whole name. */
export interface SplitName {
  domain: string;
  readonly labels: readonly string[];
  /** The labels and the domain, lower case, without the final dot. */
  name: string;
}

/**
 * splitName's answers by query, shared (never changed): a network's hosts ask the same names
 * again and again. Let go of whole at SPLIT_NAMES_KEPT (a tunnel's names are each new).
 */
const splitNames = new Map<string, SplitName | null>();
const SPLIT_NAMES_KEPT = 1 << 14;

/** splitName, the same answer for a query asked again. */
export function splitNameOnce(query: string): SplitName | null {
  let split = splitNames.get(query);
  if (split === undefined) {
    if (splitNames.size >= SPLIT_NAMES_KEPT) splitNames.clear();
    splitNames.set(query, (split = splitName(query)));
  }
  return split;
}

/** The registered domain and the labels in front of it, or null for a name that carries no data (reverse lookups, DNS-SD, .local, bare domains). */
export function splitName(query: string): SplitName | null {
  const name = query.toLowerCase().replace(/\.+$/, '');
  const labels = name.split('.');
  if (labels.some((l) => l === '' || l.startsWith('_'))) return null;
  const tld = labels[labels.length - 1]!;
  if (tld === 'arpa' || tld === 'local' || labels.length < 3) return null;
  const two = labels.slice(-2).join('.');
  const keep = TWO_LEVEL_SUFFIXES.has(two) ? 3 : 2;
  if (labels.length <= keep) return null;
  return { domain: labels.slice(-keep).join('.'), labels: labels.slice(0, -keep), name };
}

/** Shannon entropy of a string's characters, bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Hex, base32 or base64(url) with digits scattered among the letters (at least MIN_MIXES changes
 * between a letter and a digit): how encoders write data into a label, unlike a readable name with
 * a number at its end (thumbnails12, edge7-fra).
 */
function encodedLike(label: string): boolean {
  if (!/^[a-z0-9+/=_-]+$/i.test(label)) return false;
  let mixes = 0;
  for (let i = 1; i < label.length; i++) {
    const a = label.charCodeAt(i - 1);
    const b = label.charCodeAt(i);
    if (isDigit(a) !== isDigit(b) && isAlnum(a) && isAlnum(b)) mixes++;
  }
  return mixes >= MIN_MIXES;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * Whether the labels in front of a zone read as data rather than a name a person chose: a long
 * label (MIN_DATA_LABEL) that is encoded (hex, base32, base64 with digits scattered through it), or
 * a very long one (MIN_LONG_LABEL) whose characters carry MIN_ENTROPY bits or more and that has few
 * vowels, as random letters do (words carry as many bits: readable text is ~4 bits a letter).
 * Short strings cannot show their entropy (12 distinct letters are already 3.6 bits), hence the lengths.
 */
export function looksRandom(labels: readonly string[]): boolean {
  let longest = '';
  for (const l of labels) if (l.length > longest.length) longest = l;
  if (longest.length < MIN_DATA_LABEL) return false;
  const bits = entropy(labels.join(''));
  if (encodedLike(longest) && bits >= MIN_ENCODED_ENTROPY) return true;
  return longest.length >= MIN_LONG_LABEL && bits >= MIN_ENTROPY && vowelShare(longest) < MAX_VOWEL_SHARE;
}

/** Share of a label's letters that are vowels: ~0.4 in words, ~0.2 in random letters. */
function vowelShare(label: string): number {
  let letters = 0;
  let vowels = 0;
  for (const ch of label.toLowerCase()) {
    if (ch < 'a' || ch > 'z') continue;
    letters++;
    if ('aeiou'.includes(ch)) vowels++;
  }
  return letters === 0 ? 0 : vowels / letters;
}

/** The labels all names share at their end (the tunnel's zone), at least `domain`. */
function commonSuffix(domain: string, names: Iterable<string>): string {
  let common: string[] | null = null;
  for (const name of names) {
    const labels = name.split('.');
    if (common === null) {
      common = labels;
      continue;
    }
    let k = 0;
    while (k < common.length && k < labels.length && common[common.length - 1 - k] === labels[labels.length - 1 - k]) k++;
    common = common.slice(common.length - k);
  }
  const suffix = (common ?? []).join('.');
  // Never the whole name (one distinct name), never shorter than the registered domain.
  return suffix.length > domain.length && suffix.endsWith(`.${domain}`) ? suffix : domain;
}

interface DomainQueries {
  queries: number;
  /** Distinct names, full (the first MAX_NAMES_PER_DOMAIN), and those estimated among queries whose names were not kept. */
  names: Set<string>;
  extraUnique: number;
  first: number;
  last: number;
  /** Address answers in 127.0.0.0/8 (a reputation service's verdicts), and other address answers. */
  loopbackAnswers: number;
  otherAnswers: number;
}

/** Whether a domain's answers are a reputation service's (see above): loopback addresses, enough of them, nothing else. */
function reputationService(d: DomainQueries): boolean {
  return d.otherAnswers === 0 && d.loopbackAnswers >= Math.max(MIN_LOOPBACK_ANSWERS, MIN_LOOPBACK_SHARE * d.queries);
}

/** DNS queries of one host, by registered domain, kept while reading. */
export class DnsQueries {
  private readonly domains = new Map<string, DomainQueries>();

  /**
   * Every query of a DNS flow: a client that keeps one socket (a tunnel, a busy stub) asks them all
   * in one flow. Queries beyond the names a flow keeps count for the domain of its first name, as
   * many of them distinct as among the kept names of that domain.
   */
  add(c: Connection): void {
    if (c.proto !== 'udp' || !isDns(c) || c.respP === 5353 || notUnicast(c.respH)) return;
    const names = queryNames(c);
    let main: DomainQueries | null = null;
    let mainNew = 0;
    let mainKept = 0;
    for (const name of names) {
      const split = splitNameOnce(name);
      if (split === null) continue;
      let d = this.domains.get(split.domain);
      if (d === undefined)
        this.domains.set(
          split.domain,
          (d = { queries: 0, names: new Set(), extraUnique: 0, first: c.ts, last: c.ts, loopbackAnswers: 0, otherAnswers: 0 }),
        );
      d.queries++;
      const before = d.names.size;
      // Past the cap every name counts as distinct: a domain with this many names is no ordinary one.
      if (before < MAX_NAMES_PER_DOMAIN) d.names.add(split.name);
      else d.extraUnique++;
      if (c.ts < d.first) d.first = c.ts;
      if (c.lastTs > d.last) d.last = c.lastTs;
      if (main === null || d === main) {
        main = d;
        mainKept++;
        if (d.names.size > before) mainNew++;
      }
    }
    if (main !== null) {
      for (const a of c.dnsAnswers) {
        if (a.type === 'CNAME') continue;
        if (a.type === 'A' && a.value.startsWith('127.')) main.loopbackAnswers++;
        else main.otherAnswers++;
      }
    }
    const unkept = c.dnsQueries - names.length;
    if (main !== null && unkept > 0) {
      main.queries += unkept;
      main.extraUnique += Math.round((unkept * mainNew) / Math.max(1, mainKept));
    }
  }

  /** The domains that carry data, most queries first. */
  tunnels(): DnsTunnel[] {
    const out: DnsTunnel[] = [];
    for (const [domain, d] of this.domains) {
      const unique = d.names.size + d.extraUnique;
      if (d.queries < MIN_QUERIES || unique < d.queries * MIN_UNIQUE_SHARE || reputationService(d)) continue;
      const zone = commonSuffix(domain, d.names);
      let random = 0;
      let labels = 0;
      let labelChars = 0;
      let bits = 0;
      for (const name of d.names) {
        const data = name.slice(0, name.length - zone.length - 1).split('.');
        if (data.length === 0 || data[0] === '') continue;
        if (looksRandom(data)) random++;
        labels += data.length;
        for (const l of data) labelChars += l.length;
        bits += entropy(data.join(''));
      }
      if (random < d.names.size * MIN_RANDOM_SHARE) continue;
      out.push({
        domain: zone,
        queries: d.queries,
        unique,
        random: Math.round((random * unique) / d.names.size),
        meanLabel: labels > 0 ? labelChars / labels : 0,
        entropy: bits / d.names.size,
        first: d.first,
        last: d.last,
      });
    }
    return out.sort((a, b) => b.queries - a.queries || (a.domain < b.domain ? -1 : 1));
  }
}
