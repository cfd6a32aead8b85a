/**
 * Firewall logs of key=value pairs, in the shapes the vendors document: FortiGate's traffic log,
 * Sophos UTM's packet filter and Sophos XG's firewall log, Juniper SRX's structured RT_FLOW
 * events, SonicWall's (its ends written address:port:interface) and Check Point's Log Exporter. Each names the same blocked agent, every minute, and
 * every one reads into the same attempts, times, decisions and verdict.
 */
import { describe, expect, it } from 'vitest';
import { logFiles } from './support.js';
import { analyze, loadCaptures } from '../../src/index.js';

const write = logFiles('callhome-keyvalue-');
const T0 = Date.UTC(2026, 2, 5, 9, 0, 0) / 1000;

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

  it("a FortiGate's local date and time are read at the zone it gives, however the syslog server stored the line", async () => {
    const body =
      'date=2026-01-26 time=15:51:37 devname="FGT60F" eventtime=1769471497880421908 tz="-0800" logid="0000000013" type="traffic" ' +
      'subtype="forward" srcip=10.0.0.12 srcport=34604 dstip=198.51.100.55 dstport=80 proto=6 action="accept" service="HTTP"';
    const path = write('fortigate-zone.log', [
      body,
      `<189>${body}`,
      `Jan 26 15:51:38 fgt ${body}`,
      `<189>1 2026-01-26T15:51:38-08:00 fgt - - - - ${body}`,
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    // One attempt, four lines of it, at 23:51:37 UTC.
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({ ts: Date.UTC(2026, 0, 26, 23, 51, 37) / 1000, origH: '10.0.0.12', respP: 80, origPkts: 4 });
    expect(captures[0]?.skipped).toEqual({});
  });

  it('Sophos Firewall names its decision in log_subtype alone; a connection it let through ends with no new attempt', async () => {
    const line = (t: string, subtype: string, event: string, port: number) =>
      `Mar  5 ${t} sfw device_name="SFW" timestamp="2026-03-05T${t}-0600" device_model="XGS2100" log_id="010101600001" ` +
      `log_type="Firewall" log_component="Firewall Rule" log_subtype="${subtype}" log_version=1 severity="Information" ` +
      `fw_rule_id="12" src_ip="10.0.0.7" dst_ip="198.51.100.30" protocol="TCP" src_port=${port} dst_port=443 ${event}`;
    const path = write('sophos-sfos.log', [
      line('09:00:00', 'Allowed', 'con_event="Start" con_id="1"', 50000),
      line('09:00:05', 'Denied', '', 50001),
      line('09:00:31', 'Allowed', 'con_event="Stop" con_id="1" duration=31', 50000),
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.ts - Date.UTC(2026, 2, 5, 15) / 1000, c.origP, c.established])).toEqual([
      [0, 50000, true],
      [5, 50001, false],
    ]);
    expect(captures[0]?.skipped).toEqual({ 'log.other_message': 1 });
  });

  it('Check Point\'s Log Exporter in its syslog format (key:"value"; pairs): drops and accepts read, its VPN\'s own entries passed over', async () => {
    const entry = (t: string, pairs: string) => `<134>1 2026-03-05T${t}Z cp-gw CheckPoint 1231 - [${pairs}]`;
    const path = write('checkpoint-syslog.log', [
      entry(
        '09:00:00',
        'action:"Drop"; flags:"278528"; ifdir:"outbound"; loguid:"{0x60928f1d,0x8,0x40de101f,0xfcdbb197}"; origin:"192.0.2.1"; ' +
          'time:"1772701200"; version:"5"; __policy_id_tag:"product=VPN-1 & FireWall-1[db_tag={F6};mgmt=cp-m;date=1620031791;policy_name=Std]"; ' +
          'dst:"198.51.100.40"; proto:"6"; s_port:"52780"; service:"80"; src:"10.0.0.8"',
      ),
      entry(
        '09:00:10',
        'action:"Accept"; loguid:"{0x1,0x0,0x0,0x0}"; origin:"192.0.2.1"; time:"1772701210"; dst:"198.51.100.41"; proto:"17"; s_port:"53001"; service:"53"; src:"10.0.0.8"',
      ),
      entry(
        '09:00:20',
        'action:"Key Install"; loguid:"{0x0,0x0,0x0,0x0}"; origin:"192.0.2.1"; time:"1772701220"; dst:"203.0.113.5"; src:"192.0.2.1"',
      ),
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.ts, c.proto, c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      [1772701200, 'tcp', '10.0.0.8', 52780, '198.51.100.40', 80, false],
      [1772701210, 'udp', '10.0.0.8', 53001, '198.51.100.41', 53, true],
    ]);
    expect(captures[0]?.skipped).toEqual({ 'log.other_message': 1 });
  });

  it("SonicWall: connections opened and closed, drops its message names, and the firewall's own resets", async () => {
    const head = (t: string, m: number) => `<134>  id=firewall sn=0040103CE114 time="2026-03-05 ${t}" fw=192.0.2.1 pri=6 c=262144 m=${m}`;
    const lines = [
      `${head('09:00:00', 98)} msg="Connection Opened" src=10.0.0.9:50000:X0 dst=198.51.100.50:443:X1 proto=tcp/https sent=64 n=1 fw_action="NA"`,
      `${head('09:00:09', 537)} msg="Connection Closed" src=10.0.0.9:50000:X0 dst=198.51.100.50:443:X1 proto=tcp/https sent=900 rcvd=4000 n=2 fw_action="NA"`,
      // No action and no protocol: the message says both.
      `${head('09:00:20', 36)} msg="TCP connection dropped" n=3 src=10.0.0.9:50001:X0 dst=198.51.100.51:445:X1 rule=0`,
      // A stamp that names UTC; a source with its host's name after the interface.
      `${head('09:00:30 UTC', 14)} msg="Web site access denied" n=4 src=10.0.0.9:50002:X0:pc9.example.com dst=198.51.100.52:443:X1:site.example proto=tcp/https fw_action="drop"`,
      // The appliance's own reset to a client of its management port: no attempt of anyone's.
      `${head('09:00:40', 713)} msg="?" src=192.0.2.1:443:X1 dst=203.0.113.60:64891:X1 proto=tcp/https note="TCP Flag(s): RST" n=5 fw_action="drop"`,
      `${head('09:00:50', 1197)} msg="NAT Mapping" n=6 src=10.0.0.9::X0 dst=198.51.100.53::X1 proto=icmp`,
    ];
    // Most of what a SonicWall logs is connections opened and closed: such a log is read as one.
    const path = write('sonicwall.log', [...lines, ...Array.from({ length: 6 }, () => lines[1]!)]);
    const { connections } = await loadCaptures([path], { firewall: { year: 2026 } });
    const base = Date.UTC(2026, 2, 5, 9) / 1000;
    expect(connections.map((c) => [c.ts - base, c.origH, c.origP, c.respP, c.established, c.history])).toEqual([
      [0, '10.0.0.9', 50000, 443, true, 'S'],
      [20, '10.0.0.9', 50001, 445, false, 'S'],
      [30, '10.0.0.9', 50002, 443, false, 'S'],
      [40, '192.0.2.1', 443, 64891, false, 'R'],
    ]);
    const { result } = await analyze([path], { firewall: { year: 2026 } });
    expect(result.hosts.map((h) => h.address)).not.toContain('192.0.2.1');
  });

  it("Juniper SRX: a logical system's events, sessions logged only as they close, a relayed line at its own stamp, a ping session", async () => {
    const sd = (event: string, port: number, extra = '') =>
      `${event} [junos@2636.1.1.1.2.40 source-address="10.0.0.10" source-port="${port}" destination-address="198.51.100.70" ` +
      `destination-port="443" service-name="junos-https" protocol-id="6" policy-name="p" ${extra}]`;
    const path = write('srx-more.log', [
      `<14>1 2026-03-05T09:00:00.000Z srx RT_FLOW - ${sd('RT_FLOW_SESSION_DENY_LS', 40001)}`,
      `<14>1 2026-03-05T09:01:05.000Z srx RT_FLOW - ${sd('RT_FLOW_SESSION_CLOSE', 40002, 'reason="TCP FIN" elapsed-time="60"')}`,
      `Mar  5 09:02:30 192.0.2.9 junos-flow: 2025-03-05T09:02:29.500Z srx-01 RT_FLOW - ${sd('RT_FLOW_SESSION_DENY', 40003)}`,
      // An ICMP session's "ports" are no type: a session is a query's, a ping.
      `<14>1 2026-03-05T09:03:00.000Z srx RT_FLOW - ${sd('RT_FLOW_SESSION_CREATE', 1).replace('protocol-id="6"', 'protocol-id="1"').replace('junos-https', 'icmp')}`,
    ]);
    const { connections } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [new Date(c.ts * 1000).toISOString(), c.proto, c.origP, c.respP, c.established])).toEqual([
      ['2025-03-05T09:02:29.500Z', 'tcp', 40003, 443, false],
      ['2026-03-05T09:00:00.000Z', 'tcp', 40001, 443, false],
      ['2026-03-05T09:00:05.000Z', 'tcp', 40002, 443, true],
      ['2026-03-05T09:03:00.000Z', 'icmp', 8, 0, true],
    ]);
  });

  it("Juniper SRX in Junos's own syslog format: denials, a session created and closed as one attempt, a denied ping", async () => {
    const path = write('srx-text.log', [
      'Mar  5 09:00:00 srx-edge RT_FLOW: RT_FLOW_SESSION_DENY: session denied 10.0.0.11/40001->198.51.100.80/443 0x0 junos-https 6(0) deny-web(global) trust untrust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 UNKNOWN policy deny',
      'Mar  5 09:00:10 srx-edge RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.0.0.11/40002->198.51.100.81/53 0x0 junos-dns-udp 203.0.113.2/21000->198.51.100.81/53 0x0 src-nat N/A 17 allow-dns trust untrust 5 N/A(N/A) ge-0/0/1.0',
      'Mar  5 09:01:20 srx-edge RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.0.0.11/40003->198.51.100.82/443 0x0 junos-https 203.0.113.2/21001->198.51.100.82/443 0x0 src-nat N/A 6 allow-web trust untrust 6 78(6657) 122(13305) 45 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 No',
      'Mar  5 09:02:00 srx-edge RT_FLOW: RT_FLOW_SESSION_DENY: session denied 10.0.0.11/0->198.51.100.83/0 ICMP 1(8) deny-all trust untrust unknown ICMP ICMP unknown(unknown) ge-0/0/1.0',
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    const base = Date.UTC(2026, 2, 5, 9) / 1000;
    expect(connections.map((c) => [c.ts - base, c.proto, c.origP, c.respH, c.respP, c.established])).toEqual([
      [0, 'tcp', 40001, '198.51.100.80', 443, false],
      [10, 'udp', 40002, '198.51.100.81', 53, true],
      [35, 'tcp', 40003, '198.51.100.82', 443, true],
      [120, 'icmp', 8, '198.51.100.83', 0, false],
    ]);
    expect(captures[0]?.formatDetail).toMatch(/srx-edge/);
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
