#!/usr/bin/env node
/** The `callhome` executable: the only place that touches the real process. */
import { runCli } from './program.js';

// A closed pipe (`callhome flows x.pcap | head`) is a normal way for output to end.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = code;
