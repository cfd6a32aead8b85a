/**
 * Zeek's `conn_state` values, each with the meaning Zeek gives it on the `conn_state` field of
 * `Conn::Info` (base/protocols/conn/main.zeek). Declared once: the `ConnState` type, the CLI's
 * `--state` check and the reports' legends all derive from this table.
 */
export const CONN_STATES = {
  S0: 'Connection attempt seen, no reply.',
  S1: 'Connection established, not terminated.',
  // Zeek adds how SF and S1 differ in its own connection summaries; that note does not apply here.
  SF: 'Normal establishment and termination.',
  REJ: 'Connection attempt rejected.',
  S2: 'Connection established and close attempt by originator seen (but no reply from responder).',
  S3: 'Connection established and close attempt by responder seen (but no reply from originator).',
  RSTO: 'Connection established, originator aborted (sent a RST).',
  RSTR: 'Responder sent a RST.',
  RSTOS0: 'Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder.',
  RSTRH: 'Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator.',
  SH: 'Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was "half" open).',
  SHR: 'Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator.',
  OTH: 'No SYN seen, just midstream traffic (one example of this is a "partial connection" that was not later closed).',
} as const;

/** The values in Zeek's order. */
export const CONN_STATE_NAMES = Object.keys(CONN_STATES) as (keyof typeof CONN_STATES)[];

export function isConnState(text: string): text is keyof typeof CONN_STATES {
  return Object.prototype.hasOwnProperty.call(CONN_STATES, text);
}

/**
 * What a TCP `conn_state` says by itself, for a row without `history` (a `zeek-cut` of a few
 * columns, a deployment that drops it): whether the originator's SYN was seen, and whether the
 * responder answered it — Zeek's states of an established connection, its attempt states, and
 * those it gives when the opening was not seen (`RSTRH`, `SHR`, `OTH`: null, not known).
 */
export function tcpStateOpening(state: keyof typeof CONN_STATES): { syn: boolean; answered: boolean | null } {
  switch (state) {
    case 'S1':
    case 'SF':
    case 'S2':
    case 'S3':
    case 'RSTO':
    case 'RSTR':
      return { syn: true, answered: true };
    case 'S0':
    case 'REJ':
    case 'RSTOS0':
    case 'SH':
      return { syn: true, answered: false };
    case 'RSTRH':
    case 'SHR':
    case 'OTH':
      return { syn: false, answered: null };
  }
}
