/**
 * Where the CLI finds known destinations: the files given with --known, else the file named by
 * CALLHOME_KNOWN (empty: none), else `$XDG_CONFIG_HOME/callhome/known` (by default
 * `~/.config/callhome/known`) when it exists.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseKnown, type KnownRule } from '../analysis/known.js';

/** The known-destinations file used when --known is not given, or null. */
export function defaultKnownFile(env: Record<string, string | undefined>): { file: string; required: boolean } | null {
  const named = env.CALLHOME_KNOWN;
  if (named !== undefined) return named === '' ? null : { file: named, required: true };
  const config = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : '');
  if (config === '') return null;
  const file = join(config, 'callhome', 'known');
  return existsSync(file) ? { file, required: false } : null;
}

/**
 * The rules of the given files (or of the default file), and the default file's name when that
 * was used. A file that cannot be read or a bad line throws an Error naming the file (and line).
 */
export async function readKnownRules(
  files: string[] | undefined,
  env: Record<string, string | undefined>,
): Promise<{ rules: KnownRule[]; defaultFile: string | null }> {
  const fallback = files === undefined || files.length === 0 ? defaultKnownFile(env) : null;
  const chosen = files !== undefined && files.length > 0 ? files : fallback !== null ? [fallback.file] : [];
  const rules: KnownRule[] = [];
  for (const file of chosen) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const why =
        (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
      throw new Error(`${fallback !== null ? 'known destinations' : '--known'}: cannot read ${file}: ${why}`, { cause: e });
    }
    rules.push(...parseKnown(text, file));
  }
  return { rules, defaultFile: fallback?.file ?? null };
}
