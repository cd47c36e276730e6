// The top functions by self time of a V8 CPU profile (node --cpu-prof), for the benchmarks.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Prints the `top` functions by self time (idle excluded) of the first .cpuprofile in `dir`. */
export async function printProfileTop(dir, top = 25) {
  const file = (await readdir(dir)).find((n) => n.endsWith('.cpuprofile'));
  if (!file) return console.log(`  (no profile in ${dir})`);
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    total += dt;
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const key = `${name}  ${url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  console.log(`  profile ${join(dir, file)}: ${total.toFixed(0)} ms sampled (not idle); top by self time:`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${v.toFixed(0).padStart(7)} ms  ${k}`);
}
