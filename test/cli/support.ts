import { runCli } from '../../src/cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Drive the CLI in-process with captured streams, as a user's shell would. */
export async function callhome(args: string[], options: { tty?: boolean; env?: Record<string, string> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: options.tty ?? false, columns: 100 },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}
