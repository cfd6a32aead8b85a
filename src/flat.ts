/**
 * Texts in one piece. A string made of pieces (`a + b`, a template) is kept by the engine as a
 * tree of them, 32 bytes a node besides the pieces themselves; the texts an analysis keeps for
 * its report — every destination group's schedule evidence, first and last time, every host's
 * evidence — made that tree hundreds of thousands of nodes on a busy network, three times the
 * memory of their characters.
 */
const START = /^/;

/** `text` in one piece: matching a pattern flattens the text it reads. */
export function flat(text: string): string {
  return text.replace(START, '');
}

/**
 * `text` as a string of its own. A text cut from a longer one (`slice`, a log line's cell) is
 * kept by the engine as a view of the whole, which it keeps alive: a DNS name kept from a Zeek
 * log held the 64 KB of the log's text it was cut from, and a day's side logs were held whole.
 * A text made of a character and it is flattened into a new string, of which the cut is a view.
 */
export function own(text: string): string {
  // (Shorter than 13 characters, a cut is a copy already.)
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/**
 * Texts kept once each, each a string of its own (`own`): the values a log repeats on row after
 * row (names, user agents, addresses) are then one string, not one per row. Past `limit`
 * different texts (values that are all different: URIs with their queries), texts are still made
 * their own but no longer kept.
 */
export class TextBook {
  private readonly texts = new Map<string, string>();

  constructor(private readonly limit = 1 << 20) {}

  text(text: string): string {
    const kept = this.texts.get(text);
    if (kept !== undefined) return kept;
    const mine = own(text);
    if (this.texts.size < this.limit) this.texts.set(mine, mine);
    return mine;
  }

  /** `text`, or null. */
  maybe(text: string | null): string | null {
    return text === null ? null : this.text(text);
  }
}
