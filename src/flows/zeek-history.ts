/**
 * What a Zeek conn.log row's `history` and `conn_state` say of resets: which side reset, at
 * which stage of the connection. Nothing else of a reset is in the row (no TTL, IP ID or timing),
 * so a row's resets are these, made again from the row whenever they are asked for (the column
 * store keeps a bit for them).
 */
import { loggedReset, NONE, type Connection, type ResetEvidence, type ResetStage } from './connection.js';

/** The fields of a row the resets are made from. */
export type HistoryFields = Pick<Connection, 'history' | 'connState' | 'lastTs' | 'origH' | 'respH'>;

/**
 * Zeek's history letters: upper case the originator, lower case the responder. A responder
 * letter other than `r` means a packet other than a reset came back (the tracker's
 * `established`); `r`/`R` is a reset from that side.
 */
export function answered(history: string): boolean {
  for (let i = 0; i < history.length; i++) {
    const ch = history.charCodeAt(i);
    if (ch >= 97 && ch <= 122 && ch !== 114 /* r */) return true;
  }
  return false;
}

/** Whether `history` holds a letter of the originator's (upper case) or, `originator` false, of the responder's (lower case). */
export function sideSent(history: string, originator: boolean): boolean {
  const [low, high] = originator ? [65, 90] : [97, 122];
  for (let i = 0; i < history.length; i++) {
    const ch = history.charCodeAt(i);
    if (ch >= low && ch <= high) return true;
  }
  return false;
}

/** The stage a reset at `at` in `history` (from the originator when `fromOriginator`) arrived at (as `flows/resets.ts` stages them). */
function stageAt(history: string, at: number, fromOriginator: boolean): ResetStage {
  const before = history.slice(0, at);
  if (!sideSent(before, !fromOriginator)) return 'unprompted';
  if (/[Ff]/.test(before)) return 'late';
  if (/[Dd]/.test(before)) return 'data';
  if (answered(before)) return 'handshake';
  return before.includes('S') ? 'syn' : 'probe';
}

/** A reset the row tells of: at the row's end, from the side that sent it (sequence numbers 0: not known). */
function historyReset(c: HistoryFields, fromOriginator: boolean, stage: ResetStage): ResetEvidence {
  return loggedReset('rst', 'zeek-conn', c.lastTs, fromOriginator, fromOriginator ? c.origH : c.respH, stage, 0);
}

/** Resets as conn_state and history tell them: `REJ` and `r` from the responder, `R` from the originator. */
export function historyResets(c: HistoryFields): ResetEvidence[] {
  const h = c.history;
  const resp = h.indexOf('r');
  const orig = h.indexOf('R');
  const s = c.connState;
  if (resp < 0 && orig < 0 && s !== 'REJ' && s !== 'RSTR' && s !== 'RSTRH' && s !== 'RSTO' && s !== 'RSTOS0') return NONE;
  const resets: { at: number; reset: ResetEvidence }[] = [];
  // A history cut by Zeek's letter limits may miss the r that REJ and RSTR* imply.
  if (resp >= 0) resets.push({ at: resp, reset: historyReset(c, false, stageAt(h, resp, false)) });
  else if (c.connState === 'REJ' || c.connState === 'RSTR' || c.connState === 'RSTRH') {
    resets.push({ at: h.length, reset: historyReset(c, false, c.connState === 'REJ' || !answered(h) ? 'syn' : 'handshake') });
  }
  if (orig >= 0) resets.push({ at: orig, reset: historyReset(c, true, stageAt(h, orig, true)) });
  else if (c.connState === 'RSTO' || c.connState === 'RSTOS0') {
    resets.push({ at: h.length, reset: historyReset(c, true, c.connState === 'RSTOS0' ? 'syn' : 'handshake') });
  }
  if (resets.length === 0) return NONE;
  return resets.sort((a, b) => a.at - b.at).map((r) => r.reset);
}
