/**
 * `callhome known suggest`: candidate lines for a known-destinations file, each under a comment
 * naming the hosts and attempts behind it, ready to review and append.
 */
import type { KnownSuggestion } from '../analysis/known.js';
import type { CaptureSummary } from '../analysis/types.js';
import { plural } from '../quantities.js';
import { sanitizeTerminal as clean } from './escape.js';
import type { RenderOptions } from './types.js';

/** Hosts shown in a suggestion's comment. */
const HOSTS_SHOWN = 5;

export function renderKnownSuggestions(
  input: { captures: CaptureSummary[]; suggestions: KnownSuggestion[] },
  _options: RenderOptions,
): string {
  const files = input.captures.map((c) => clean(c.file).replace(/\s+/g, ' ')).join(', ');
  const out = [
    `# Candidate known destinations from ${files || 'no capture'}:`,
    '# update agents the verdicts explain (turned away on a schedule). Review each before use.',
  ];
  if (input.suggestions.length === 0) out.push('# (none: no host is turned away on a schedule in these captures)');
  for (const s of input.suggestions) {
    const hosts = s.hosts.slice(0, HOSTS_SHOWN).join(', ') + (s.hosts.length > HOSTS_SHOWN ? ', …' : '');
    out.push('', `# ${plural(s.hosts.length, 'host')} (${hosts}), ${plural(s.attempts, 'attempt')}`, `${s.pattern}  ${s.reason}`);
  }
  return `${out.join('\n')}\n`;
}
