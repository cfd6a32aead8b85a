/**
 * AWS VPC Flow Logs ("Flow log records", Amazon VPC user guide): one record per network
 * interface, 5-tuple and capture window, in the default format version 2 —
 *
 *   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
 *   2 123456789012 eni-0a1b2c3d4e5f60718 10.0.0.5 198.51.100.9 40000 443 6 3 180 1772701201 1772701260 REJECT OK
 *
 * as S3 delivers them (gzip files in dated folders, a header line naming the fields) and as a
 * CloudWatch Logs export holds them (no header, each record after the ISO time CloudWatch gave
 * it). A custom format names its fields in its header, in its own order (`${srcaddr}` written
 * without the braces): the header's names are read, the default order without one. ACCEPT is a
 * flow the security group or network ACL let through, REJECT one they turned away; `start` (epoch
 * seconds) times it; `protocol` is the IANA number. NODATA and SKIPDATA records and records whose
 * fields are `-` carry no flow. Where the header names `pkt-srcaddr` and `pkt-dstaddr` (a NAT
 * gateway's or a transit gateway's interface), the packet's own addresses are the ends.
 *
 * A record sums a capture window (up to 1 or 10 minutes) of packets of one 5-tuple: it is one
 * attempt, though it may stand for several connections the host made from one port to the same
 * service within the window.
 *
 * Flow logs record both directions of a flow, each as a record of its own: a server's answer
 * (srcport 443 → an ephemeral dstport) is no attempt of the server's, and a network ACL that
 * turns answers away (a REJECT from 22 to port 51000) must not make the host that answered look
 * blocked. A record is an answer when its TCP flags (a custom format's `tcp-flags`) include
 * SYN-ACK, else when it runs from a service port to an ephemeral one: from a port below 1024 to
 * one above, or from a port below 32768 (the lowest of Linux's ephemeral range; Windows' starts
 * at 49152) to one at or above it. A record whose flags show a SYN without SYN-ACK opened its
 * connection, whatever its ports. Answers are passed over and counted in the notes.
 *
 * A table's reader (table.ts) knows srcaddr, dstport, protocol and action as column names, but
 * not `start` as a time, nor records of `-`, nor records without a header, nor answers: flow logs
 * are read here, by AWS's own field names.
 */
import { count, plural } from '../../quantities.js';
import type { FirewallEvent, FirewallFormatModule, LineParser } from './types.js';
import { icmpPorts, isAddressText, portOf, shareRead, transportOf } from './types.js';

/** The default format's fields, in their order: a record without a header is read so. */
const DEFAULT_FIELDS =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'.split(' ');

/** Fields a header must name for its records to be read as attempts. */
const NEEDED = ['srcaddr', 'dstaddr', 'start', 'action'] as const;

/** A field name as a header writes it: lower case words joined by dashes (`log-status`, `pkt-srcaddr`), braces of the format string allowed. */
const FIELD_NAME = /^\$?\{?([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\}?$/;

/** CloudWatch's own time before the record, as its exports write it: "2026-03-05T09:00:05.000Z ". */
const CLOUDWATCH_STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2}) +/;

/** TCP flag bits as the `tcp-flags` field ORs them over the window: SYN 2, and 18 for a SYN-ACK (SYN and the ACK bit 16). */
const SYN = 2;
const ACK_OF_SYN_ACK = 16;

/** The lowest port of the ephemeral ranges hosts choose their source ports from (Linux: 32768–60999; Windows, IANA: 49152–65535). */
const EPHEMERAL = 32768;
/** Ports below this are services' (IANA's well-known ports). */
const WELL_KNOWN = 1024;

/**
 * Whether a record is an answer: its flags say SYN-ACK, or, when they say nothing of the
 * handshake, it runs from a service port to an ephemeral one (see the module comment).
 */
function isAnswer(sport: number, dport: number, flags: number | null): boolean {
  if (flags !== null && (flags & (SYN | ACK_OF_SYN_ACK)) === (SYN | ACK_OF_SYN_ACK)) return true;
  if (flags !== null && (flags & SYN) !== 0) return false;
  return (sport < WELL_KNOWN && dport >= WELL_KNOWN) || (sport < EPHEMERAL && dport >= EPHEMERAL);
}

/** Each field's place in a record. */
type Places = Map<string, number>;

const placesOf = (names: readonly string[]): Places => new Map(names.map((n, i) => [n, i]));

/** The header's field names, or null when the line is no header of a flow log. */
function headerOf(line: string): string[] | null {
  const words = line.trim().split(/\s+/);
  const names: string[] = [];
  for (const w of words) {
    const m = FIELD_NAME.exec(w);
    if (m === null) return null;
    names.push(m[1]!);
  }
  return NEEDED.every((n) => names.includes(n)) ? names : null;
}

class VpcFlowParser implements LineParser {
  private places: Places = placesOf(DEFAULT_FIELDS);
  /** Whether the fields are the header's (else the default format's, each record checked for its shape). */
  private named = false;
  private answers = 0;
  private rejectedAnswers = 0;

  parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
    let text = line;
    let stamped = false;
    const stamp = CLOUDWATCH_STAMP.exec(text);
    if (stamp !== null) {
      text = text.slice(stamp[0].length);
      stamped = true;
    }
    const header = stamped ? null : headerOf(text);
    if (header !== null) {
      this.places = placesOf(header);
      this.named = true;
      return 'skip';
    }
    const fields = text.trim().split(/\s+/);
    const places = this.places;
    if (!this.named && !isDefaultRecord(fields)) return null;
    if (this.named && fields.length !== places.size) return fields.length > 4 && /^\d+$/.test(fields[0]!) ? 'bad' : null;
    const field = (name: string): string | undefined => {
      const at = places.get(name);
      return at === undefined ? undefined : fields[at];
    };
    const status = field('log-status');
    // No flow in the window (NODATA), or flows the service could not record (SKIPDATA).
    if (status !== undefined && status !== 'OK') return 'skip';
    const action = field('action');
    if (action === '-' || field('srcaddr') === '-' || field('start') === '-') return 'skip';
    const verdict = action === 'ACCEPT' ? 'allow' : action === 'REJECT' ? 'deny' : null;
    if (verdict === null) return 'bad';
    const proto = transportOf(field('protocol') ?? '6');
    // ESP, GRE and other protocols: no attempt callhome follows.
    if (proto === null) return 'skip';
    const packetSrc = field('pkt-srcaddr');
    const packetDst = field('pkt-dstaddr');
    const src = packetSrc !== undefined && packetSrc !== '-' ? packetSrc : field('srcaddr')!;
    const dst = packetDst !== undefined && packetDst !== '-' ? packetDst : field('dstaddr')!;
    if (!isAddressText(src) || !isAddressText(dst)) return 'bad';
    const start = field('start')!;
    if (!/^\d{9,11}$/.test(start)) return 'bad';
    const event: FirewallEvent = { ts: Number(start), action: verdict, proto, src, sport: -1, dst, dport: -1, line: lineNumber };
    if (proto === 'icmp') {
      // A flow log gives ICMP no type (its ports are 0): the message is not told.
      Object.assign(event, icmpPorts(NaN, 0, dst.includes(':')));
      return event;
    }
    const sport = portOf(field('srcport') ?? '');
    const dport = portOf(field('dstport') ?? '');
    if (sport < 0 || dport < 0) return 'bad';
    const flagsText = field('tcp-flags');
    const flags = proto === 'tcp' && flagsText !== undefined && /^\d+$/.test(flagsText) ? Number(flagsText) : null;
    if (isAnswer(sport, dport, flags)) {
      this.answers++;
      if (verdict === 'deny') this.rejectedAnswers++;
      return 'skip';
    }
    event.sport = sport;
    event.dport = dport;
    const device = field('interface-id');
    if (device !== undefined && device !== '-') event.device = device;
    return event;
  }

  passedOver(): string | null {
    return this.answers > 0
      ? `${plural(this.answers, 'record is an answer', 'records are answers')} from a service's port, no attempt`
      : null;
  }

  notes(): string[] {
    if (this.answers === 0) return [];
    return [
      `${plural(this.answers, 'flow record ran', 'flow records ran')} from a service's port to an ephemeral one (or showed a SYN-ACK): ` +
        `answers, not read as attempts${this.rejectedAnswers > 0 ? ` (${count(this.rejectedAnswers)} of them rejected: a network ACL turned the answer away)` : ''}`,
    ];
  }
}

/** A record of the default format: version 2, an account number, the interface, then the flow's fields. */
function isDefaultRecord(fields: readonly string[]): boolean {
  return (
    fields.length === DEFAULT_FIELDS.length &&
    fields[0] === '2' &&
    /^(?:\d{12}|unknown|-)$/.test(fields[1]!) &&
    /^(?:eni-[0-9a-f]+|-)$/.test(fields[2]!) &&
    /^(?:OK|NODATA|SKIPDATA)$/.test(fields[13]!)
  );
}

function parser(): LineParser {
  return new VpcFlowParser();
}

export const vpcFlow: FirewallFormatModule = {
  format: 'vpc-flow',
  description: 'AWS VPC Flow Logs',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
