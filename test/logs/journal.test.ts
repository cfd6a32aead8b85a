/**
 * The journal exported as JSON (`journalctl -k -o json`, or a whole journal a log shipper
 * forwards): the kernel's LOG lines in its MESSAGE fields are a netfilter log like any other,
 * timed by the journal's own microseconds since the epoch, whatever --tz says.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-journal-'));
const T0 = 1_772_359_200; // 2026-03-01 10:00:00 UTC

function entry(seconds: number, message: unknown, extra: Record<string, string> = {}): string {
  return JSON.stringify({
    __CURSOR: `s=1;i=${seconds}`,
    __REALTIME_TIMESTAMP: String(seconds * 1_000_000 + 250_000),
    _HOSTNAME: 'gw',
    PRIORITY: '4',
    ...extra,
    MESSAGE: message,
  });
}

describe('journalctl -o json', () => {
  it("reads the kernel's LOG entries among the journal's others, timed to the microsecond in UTC", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      lines.push(
        entry(
          T0 + 60 * i,
          `[UFW BLOCK] IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=198.51.100.9 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=4242 DF PROTO=TCP SPT=${40000 + i} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0 `,
          { SYSLOG_IDENTIFIER: 'kernel', _TRANSPORT: 'kernel' },
        ),
      );
      lines.push(entry(T0 + 60 * i + 5, 'Started Daily apt download activities.', { SYSLOG_IDENTIFIER: 'systemd' }));
    }
    // A message of bytes that are not UTF-8: the journal writes them as an array.
    lines.push(entry(T0 + 5, [73, 78, 61, 255]));
    const path = join(tmp, 'journal.json');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const { result, loaded } = await analyze([path], { firewall: { tz: 'Europe/Berlin' } });
    expect(loaded.captures[0]).toMatchObject({ format: 'netfilter', packets: 30 });
    expect(loaded.captures[0]?.start).toBe('2026-03-01T10:00:00.250Z');
    const host = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
  });
});
