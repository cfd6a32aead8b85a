/**
 * A Windows workstation's day in a Zeek deployment's logs, as the logs of an infected domain
 * show it: the workstation talks to its domain controller every few minutes (Kerberos, LDAP,
 * SMB), a beacon calls out on a port of its own, Windows looks for a proxy configuration (WPAD)
 * and falls back to NetBIOS broadcasts for names DNS does not know, and Zeek calls multicast and
 * broadcast addresses local. What the analyst asks is what calls the Internet.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { DAY, logFiles, tsvLog } from './support.js';

const PC = '172.16.9.233';
const DC = '172.16.9.2';
const C2 = '203.0.113.70';
const CAMPUS_PC = '130.225.5.20';
const write = logFiles('callhome-zeek-workstation-');

/** A conn.log row in Zeek's default columns: its endpoints, then the rest of its cells from `proto` on. */
function row(ts: number, uid: string, orig: string, port: number, resp: string, rport: number, rest: readonly string[]): string[] {
  return [ts.toFixed(6), uid, orig, String(port), resp, String(rport), ...rest];
}

/** A conn.log row of an established TCP session. */
function session(ts: number, uid: string, orig: string, port: number, resp: string, rport: number, localResp: 'T' | 'F'): string[] {
  const rest = ['tcp', '-', '0.400000', '900', '3000', 'SF', 'T', localResp, '0', 'ShADadFf', '8', '1300', '7', '3400'];
  return row(ts, uid, orig, port, resp, rport, rest);
}

/** A conn.log row of a datagram flow nobody answered (mDNS, LLMNR, SSDP, NetBIOS broadcasts). */
function datagrams(ts: number, uid: string, orig: string, port: number, resp: string, rport: number, service: string): string[] {
  return row(ts, uid, orig, port, resp, rport, ['udp', service, '1.000000', '120', '0', 'S0', 'T', 'T', '0', 'D', '2', '176', '0', '0']);
}

/** A dns.log row (support.ts's columns: ts uid orig port resp port proto query qtype answers TTLs). */
function lookup(ts: number, uid: string, resp: string, rport: number, query: string): string[] {
  return [ts.toFixed(6), uid, PC, String(50000 + (Math.round(ts) % 10000)), resp, String(rport), 'udp', query, 'A', '-', '-'];
}

/** One day: the domain controller every 5 min (three services each time), the beacon every 3 min 22 s, Windows' name lookups every 10 min. */
function workstationDay(): { conn: string; dns: string } {
  const conn: string[][] = [];
  const dns: string[][] = [];
  let port = 49200;
  for (let k = 0; k < 288; k++) {
    const t = DAY + k * 300 + (k % 7) * 4;
    for (const [j, service] of [88, 389, 445].entries()) conn.push(session(t + j * 0.05, `K${k}x${j}`, PC, port++, DC, service, 'T'));
  }
  for (let k = 0; k < 420; k++) {
    const t = DAY + 40 + k * 202 + ((k * 37) % 11) - 5;
    conn.push(session(t, `B${k}`, PC, port++, C2, 449, 'F'));
  }
  for (let k = 0; k < 144; k++) {
    const t = DAY + 100 + k * 600 + (k % 5);
    // Proxy auto-discovery asked of the resolver, then the same name and another broadcast over NetBIOS.
    dns.push(lookup(t, `W${k}`, DC, 53, 'wpad.corp.example'));
    conn.push(datagrams(t, `W${k}`, PC, 50000 + (Math.round(t) % 10000), DC, 53, 'dns'));
    dns.push(lookup(t + 1.5, `N${k}`, '172.16.9.255', 137, 'FILES.CORP.EXAMPLE'));
    conn.push(datagrams(t + 1.5, `N${k}`, PC, 137, '172.16.9.255', 137, 'dns'));
    // What Zeek calls local besides the site: multicast groups and the broadcast address.
    conn.push(datagrams(t + 2, `M${k}`, PC, 5353, '224.0.0.251', 5353, 'dns'));
    conn.push(datagrams(t + 2.2, `S${k}`, PC, 50100, '239.255.255.250', 1900, '-'));
    conn.push(datagrams(t + 2.4, `H${k}`, PC, 68, '255.255.255.255', 67, 'dhcp'));
  }
  // A machine of a campus on public addresses, which Zeek's Site::local_nets calls local.
  for (let k = 0; k < 30; k++) conn.push(session(DAY + 50 + k * 2000, `P${k}`, CAMPUS_PC, 40000 + k, '198.51.100.9', 443, 'F'));
  conn.sort((a, b) => Number(a[0]) - Number(b[0]));
  dns.sort((a, b) => Number(a[0]) - Number(b[0]));
  return { conn: tsvLog('conn', conn), dns: tsvLog('dns', dns) };
}

describe('a Windows workstation in a Zeek log', () => {
  it('leads with the beacon that calls the Internet, not the domain controller it talks to more often', async () => {
    const day = workstationDay();
    const { result } = await analyze([write('conn.log', [day.conn]), write('dns.log', [day.dns])]);
    const pc = result.hosts.find((h) => h.address === PC)!;
    expect(pc.labels).toEqual(['periodic']);
    // The domain controller has twice the attempts and recurs too: it is kept, after the beacon.
    expect(pc.groups.find((g) => g.addressList.includes(DC))?.schedule.periodic).toBe(true);
    expect(pc.verdict).toMatch(
      /^A periodic beacon that gets through — worth investigating: one connection every 3 min 2\d s to 203\.0\.113\.70 \(TCP 449\), ~900 B out per connection;/,
    );
    expect(pc.evidence[0]).toMatch(/^periodic: 203\.0\.113\.70: one connection every 3 min 2\d s/);
    expect(result.summary.some((line) => line.startsWith(`${PC}: `) && line.endsWith(`(${C2}).`))).toBe(true);
  });

  it('takes neither Windows’ proxy discovery nor its NetBIOS broadcasts for a beacon over DNS', async () => {
    const day = workstationDay();
    const { result } = await analyze([write('conn.log', [day.conn]), write('dns.log', [day.dns])]);
    const pc = result.hosts.find((h) => h.address === PC)!;
    // 144 lookups of each name, every 10 min: Windows' own, not software polling its server.
    expect(pc.dnsSchedules ?? []).toEqual([]);
    expect(pc.verdict).not.toMatch(/Looks up/);
    expect(pc.evidence.filter((e) => e.startsWith('periodic: DNS lookups'))).toEqual([]);
  });

  it('says a schedule one address of a name keeps as that name’s, at that address', async () => {
    const SYNC = ['198.51.100.20', '198.51.100.21', '198.51.100.22', '198.51.100.23'];
    const conn: string[][] = [];
    const dns: string[][] = [];
    dns.push(
      lookup(DAY + 1, 'Dsync', DC, 53, 'sync.example.com').map((v, i) =>
        i === 9 ? SYNC.join(',') : i === 10 ? '300.0,300.0,300.0,300.0' : v,
      ),
    );
    conn.push(datagrams(DAY + 1, 'Dsync', PC, 50001, DC, 53, 'dns'));
    // One address every minute; the name's others now and then, at no schedule.
    for (let k = 0; k < 40; k++) conn.push(session(DAY + 2 + k * 60, `S${k}`, PC, 41000 + k, SYNC[0]!, 443, 'F'));
    let seed = 7;
    for (let k = 0; k < 60; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      conn.push(session(DAY + 2 + (seed % 2400) + 0.5, `O${k}`, PC, 42000 + k, SYNC[1 + (k % 3)]!, 443, 'F'));
    }
    conn.sort((a, b) => Number(a[0]) - Number(b[0]));
    const { result } = await analyze([write('sync-conn.log', [tsvLog('conn', conn)]), write('sync-dns.log', [tsvLog('dns', dns)])]);
    const pc = result.hosts.find((h) => h.address === PC)!;
    expect(pc.groups[0]!.destination).toBe('sync.example.com');
    expect(pc.verdict).toMatch(
      /^A periodic beacon that gets through — worth investigating: one connection every 1 min to sync\.example\.com \(at 198\.51\.100\.20 alone\), ~900 B out/,
    );
  });

  it('names as internal networks the public ones Zeek calls local, not multicast groups or the broadcast address', async () => {
    const day = workstationDay();
    const { result } = await analyze([write('conn.log', [day.conn])]);
    const note = result.summary.filter((line) => line.startsWith('Internal networks besides the private ranges'));
    expect(note).toEqual([
      'Internal networks besides the private ranges: 130.225.5.0/24, where the Zeek log calls hosts local (local_orig, local_resp); --internal sets the networks instead.',
    ]);
  });
});
