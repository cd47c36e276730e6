// The self time of a V8 CPU profile (node --cpu-prof), for the benchmarks: the top functions, optionally the
// totals per package or file and the run split at its scheduling (before the first API/scheduler frame, while
// such frames are sampled, after the last).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A sample counts as scheduling when a frame of its stack is in the API client, the scheduler or the downloader. */
const SCHEDULING = /dist\/(api|scheduler)\/|download-video/;

/**
 * Self time in ms (idle excluded) per function, per package or file, and per phase of the run.
 * @param {{ nodes: any[], samples: number[], timeDeltas: number[] }} profile
 */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inScheduling = new Map();
  const within = (id) => {
    if (inScheduling.has(id)) return inScheduling.get(id);
    const yes = SCHEDULING.test(byId.get(id).callFrame.url) || (parent.has(id) && within(parent.get(id)));
    inScheduling.set(id, yes);
    return yes;
  };
  const byFunction = new Map();
  const byFile = new Map();
  const phases = { startup: 0, scheduling: 0, end: 0 };
  let totalMs = 0;
  let seen = false;
  let tail = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const n = byId.get(id);
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    totalMs += dt;
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const key = `${name}  ${url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
    const file = url.startsWith('node_modules/') ? url.split('/').slice(0, url.split('/')[1].startsWith('@') ? 3 : 2).join('/') : url.startsWith('dist/') ? url : url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url || `(${name})`;
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
    if (within(id)) {
      seen = true;
      phases.scheduling += dt + tail;
      tail = 0;
    } else if (!seen) phases.startup += dt;
    else tail += dt;
  }
  phases.end = tail;
  return { totalMs, byFunction, byFile, phases };
}

/**
 * Prints the `top` functions by self time of the first .cpuprofile in `dir`; with `files`, that many packages or
 * files by self time too; with `phases`, the run's time before, during and after scheduling.
 * @param {string} dir
 * @param {{ top?: number, files?: number, phases?: boolean }} [options]
 */
export async function printProfileTop(dir, { top = 25, files = 0, phases = false } = {}) {
  const file = (await readdir(dir)).find((n) => n.endsWith('.cpuprofile'));
  if (!file) return console.log(`  (no profile in ${dir})`);
  const times = selfTimes(JSON.parse(await readFile(join(dir, file), 'utf8')));
  const ms = (n) => `${n.toFixed(0).padStart(7)} ms`;
  const largest = (map, count) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  console.log(`  profile ${join(dir, file)}: ${times.totalMs.toFixed(0)} ms sampled (not idle)`);
  if (phases) console.log(`  before scheduling ${ms(times.phases.startup)}   scheduling ${ms(times.phases.scheduling)}   after ${ms(times.phases.end)}`);
  console.log('  top functions by self time:');
  for (const [k, v] of largest(times.byFunction, top)) console.log(`  ${ms(v)}  ${k}`);
  if (files === 0) return;
  console.log('  by package / file:');
  for (const [k, v] of largest(times.byFile, files)) console.log(`  ${ms(v)}  ${k}`);
}
