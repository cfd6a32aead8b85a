// Writes the case-study captures into captures/ from the built generator (npm run captures).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCaseStudy } from '../dist/synth/casestudy.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'captures');
mkdirSync(outDir, { recursive: true });
for (const capture of generateCaseStudy()) {
  const path = join(outDir, capture.file);
  writeFileSync(path, capture.pcap);
  const resets = capture.attempts.filter((a) => a.outcome === 'reset').length;
  console.log(`${capture.file}: ${capture.pcap.length} bytes, ${capture.attempts.length} direct attempts (${resets} reset)`);
}
