#!/usr/bin/env node
/** The `callhome` executable: the only place that touches the real process. */
import { setFlagsFromString } from 'node:v8';
import { runCli } from './program.js';

// The collector lets the heap grow to up to four times what was live at its last full pass
// before the next one: an analysis that holds 70 MB of findings reached 300 MB. Twice what was
// live keeps the peak near what the analysis holds, at no cost in time that a run can tell
// (CALLHOME_HEAP_GROWING_PERCENT sets another share; 0 leaves the engine's own).
const growing = Number(process.env.CALLHOME_HEAP_GROWING_PERCENT ?? 100);
if (Number.isInteger(growing) && growing > 0) setFlagsFromString(`--heap-growing-percent=${growing}`);

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
