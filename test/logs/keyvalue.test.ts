/**
 * Firewall logs of key=value pairs, in the shapes the vendors document: FortiGate's traffic log,
 * Sophos UTM's packet filter and Sophos XG's firewall log, Juniper SRX's structured RT_FLOW
 * events, SonicWall's (its ends written address:port:interface) and Check Point's Log Exporter. Each names the same blocked agent, every minute, and
 * every one reads into the same attempts, times, decisions and verdict.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-keyvalue-'));
const T0 = Date.UTC(2026, 2, 5, 9, 0, 0) / 1000;

function write(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const pad = (n: number): string => String(n).padStart(2, '0');
/** The i-th attempt's time, each a minute after the one before, and its parts. */
function at(i: number): { date: string; time: string; iso: string; epoch: number } {
  const d = new Date((T0 + 60 * i) * 1000);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return { date, time, iso: `${date}T${time}`, epoch: T0 + 60 * i };
}

const VENDORS: Record<string, (i: number) => string> = {
  fortigate: (i) =>
    `date=${at(i).date} time=${at(i).time} devname="FGT60F" devid="FGT60FTK20000000" eventtime=${at(i).epoch}123456789 tz="+0000" ` +
    `logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.0.0.5 srcport=${40000 + i} ` +
    `srcintf="internal" srcintfrole="lan" dstip=198.51.100.9 dstport=443 dstintf="wan1" dstintfrole="wan" sessionid=${1000 + i} ` +
    'proto=6 action="deny" policyid=0 policytype="policy" service="HTTPS" trandisp="noop" duration=0 sentbyte=0 rcvdbyte=0 sentpkt=0',
  'sophos-utm': (i) =>
    `${at(i).date.replace(/-/g, ':')}-${at(i).time} utm ulogd[5123]: id="2001" severity="info" sys="SecureNet" sub="packetfilter" ` +
    'name="Packet dropped" action="drop" fwrule="60001" initf="eth0" outitf="eth1" srcmac="00:11:22:33:44:55" ' +
    `dstmac="66:77:88:99:aa:bb" srcip="10.0.0.5" dstip="198.51.100.9" proto="6" length="60" tos="0x00" prec="0x00" ttl="63" ` +
    `srcport="${40000 + i}" dstport="443" tcpflags="SYN"`,
  'sophos-xg': (i) =>
    `device_name="SFW" timestamp="${at(i).iso}+0000" device_model="XGS2100" log_id="010101600001" log_type="Firewall" ` +
    `log_component="Firewall Rule" log_subtype="Denied" status="Deny" priority=Information duration=0 fw_rule_id=0 ` +
    `src_ip="10.0.0.5" src_country="R1" dst_ip="198.51.100.9" dst_country="USA" protocol="TCP" src_port=${40000 + i} dst_port=443`,
  'juniper-srx': (i) =>
    `<14>1 ${at(i).iso}.000Z srx-edge RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.40 source-address="10.0.0.5" ` +
    `source-port="${40000 + i}" destination-address="198.51.100.9" destination-port="443" connection-tag="0" ` +
    'service-name="junos-https" protocol-id="6" icmp-type="0" policy-name="deny-web" source-zone-name="trust" ' +
    'destination-zone-name="untrust" application="UNKNOWN" nested-application="UNKNOWN" username="N/A" roles="N/A" ' +
    'packet-incoming-interface="ge-0/0/1.0" encrypted="UNKNOWN" reason="policy deny"]',
  sonicwall: (i) =>
    `${at(i).iso.replace('T', ' ')} sonicwall id=firewall sn=0017C5123456 time="${at(i).date} ${at(i).time}" fw=203.0.113.2 pri=1 ` +
    `c=32 m=1235 msg="Access rule violation detected" app=49175 n=7 src=10.0.0.5:${40000 + i}:X0 dst=198.51.100.9:443:X1 ` +
    'srcMac=00:11:22:33:44:55 dstMac=66:77:88:99:aa:bb proto=tcp/https fw_action="drop"',
  'check-point': (i) =>
    `${at(i).iso}Z gw-cp CheckPoint 1234 - [action:"Drop"; flags:"411908"] time="${at(i).epoch}" action="Drop" ` +
    `origin="192.168.1.1" product="VPN-1 & FireWall-1" src="10.0.0.5" dst="198.51.100.9" proto="6" s_port="${40000 + i}" service="443"`,
};

describe('key=value firewall logs', () => {
  for (const [vendor, line] of Object.entries(VENDORS)) {
    it(`${vendor}: the agent's 30 denied attempts, a minute apart, at the log's own times`, async () => {
      const { result, loaded } = await analyze(
        [
          write(
            `${vendor}.log`,
            Array.from({ length: 30 }, (_, i) => line(i)),
          ),
        ],
        {
          firewall: { year: 2026 },
        },
      );
      expect(loaded.captures[0]).toMatchObject({ format: 'key-value', packets: 30 });
      expect(loaded.captures[0]?.start).toBe('2026-03-05T09:00:00.000Z');
      const host = result.hosts.find((h) => h.address === '10.0.0.5');
      expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
      expect(host?.groups[0]).toMatchObject({ attempts: 30, ports: [443], resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
      expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
    });
  }

  it('reads what a session let through as passed, a Juniper session close as no new attempt, and a ping by its type', async () => {
    const path = write('mixed.log', [
      `date=2026-03-05 time=09:00:00 devname="FGT60F" srcip=10.0.0.6 srcport=40001 dstip=198.51.100.20 dstport=443 proto=6 action="close" service="HTTPS"`,
      `<14>1 2026-03-05T09:00:01Z srx RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.40 source-address="10.0.0.6" source-port="40002" destination-address="198.51.100.21" destination-port="443" protocol-id="6"]`,
      `<14>1 2026-03-05T09:00:09Z srx RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.40 reason="TCP FIN" source-address="10.0.0.6" source-port="40002" destination-address="198.51.100.21" destination-port="443" protocol-id="6"]`,
      `date=2026-03-05 time=09:00:02 devname="FGT60F" srcip=10.0.0.6 dstip=198.51.100.22 proto=1 action="deny" icmpid=0x0001 icmptype=0x08 icmpcode=0x00`,
      `date=2026-03-05 time=09:00:03 devname="FGT60F" logid="0100032001" type="event" subtype="system" user="admin" action="login" status="success" msg="Administrator admin logged in"`,
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.proto, c.origP, c.respH, c.respP, c.established])).toEqual([
      ['tcp', 40001, '198.51.100.20', 443, true],
      ['tcp', 40002, '198.51.100.21', 443, true],
      ['icmp', 8, '198.51.100.22', 0, false],
    ]);
    expect(captures[0]?.formatDetail).toMatch(/devices? .*FGT60F/);
  });

  it('a key named like an object property names no column', async () => {
    const path = write('hostile.log', [
      ...Array.from({ length: 3 }, (_, i) => VENDORS.fortigate!(i)),
      'date=2026-03-05 time=09:10:00 constructor=1 toString=2 srcip=10.0.0.5 dstip=198.51.100.9 proto=6 srcport=1 dstport=443 action="deny"',
    ]);
    const { connections } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections).toHaveLength(4);
  });
});
