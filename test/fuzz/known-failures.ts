/**
 * Failures the fuzzer finds that are product bugs too large to fix on the spot: each is matched
 * by its signature ("command: problem"), counted apart from new failures, and described here
 * with an input and the output it gives, until it is fixed.
 */
export const KNOWN_FAILURES: readonly { signature: RegExp; why: string }[] = [];
