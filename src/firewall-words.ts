/**
 * A firewall's decision as its own words say it: an action column of an exported table, the
 * prefix a netfilter LOG rule writes before a line, the prefix an NFLOG rule gives each packet
 * it hands to a capture (`--nflog-prefix`). One list of words for all of them, so that a
 * "[UFW BLOCK]" reads the same in a kern.log and in a capture of nflog:N.
 *
 * Every stage may import this file; it imports nothing.
 */

/** What the firewall did with the packet or connection. */
export type FirewallAction = 'deny' | 'allow';

/** Words of a log prefix or action column that mean the packet was stopped, and that it passed. */
// PAN-OS answers a connection its policy turns away with a reset: reset-client, reset-server, reset-both.
const DENY_WORDS = /deny|denied|drop|block|reject|refuse|discard|^\s*reset-(client|server|both)\s*$/i;
// FortiGate writes a session it let through as it starts and as it ends: start, close, timeout,
// server-rst, client-rst. "pass" is a word of its own, not a part of one: a prefix "PROXY-BYPASS"
// or "PASSIVE-FTP" names no decision.
const ALLOW_WORDS = /accept|allow|permit|(?<![a-z])pass(ed)?(?![a-z])|^\s*(start|close|timeout|server-rst|client-rst)\s*$/i;

/** The firewall's decision from a word (an action column, a log prefix); `otherwise` when it says neither. */
export function actionOf<Otherwise extends FirewallAction | null>(text: string, otherwise: Otherwise): FirewallAction | Otherwise {
  if (DENY_WORDS.test(text)) return 'deny';
  if (ALLOW_WORDS.test(text)) return 'allow';
  return otherwise;
}

/**
 * The decision a LOG or NFLOG rule's prefix names; null for a rule that logs before any decision
 * (UFW's "[UFW AUDIT]" under `ufw logging high`: the packet is logged again by the rule that
 * decides). EdgeOS, VyOS and UniFi gateways end the prefix with the rule's action letter:
 * "[LAN_IN-10-A]" accept, "[WAN_LOCAL-default-D]" drop, "[WAN_IN-20-R]" reject. A prefix that
 * names no decision (none at all, "IN-eth0 ") is `unnamed`: the reader of each kind of log says
 * what such a rule most likely is.
 */
export function prefixAction(prefix: string, unnamed: FirewallAction | null): FirewallAction | null {
  if (/\bAUDIT\b/.test(prefix)) return null;
  const letter = /-([ADR])\]\s*$/.exec(prefix);
  if (letter !== null) return letter[1] === 'A' ? 'allow' : 'deny';
  return actionOf(prefix, unnamed);
}
