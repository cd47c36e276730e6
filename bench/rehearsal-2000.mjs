// Benchmark of a rehearsal at a time-scale the machine cannot keep up with (issue 25): 2,000 takes (50 prompts ×
// 2 aspect ratios × 20 seeds, 360p, 5 s) with `run --simulator --concurrency 100 --time-scale 0.002`, the built
// CLI under /usr/bin/time -v, so its CPU counts the runner, the in-process simulator and every ffmpeg it ran
// (their rusage reaches node's when it reaps them). Prints wall time, CPU per take, the exit code, what the
// folder holds on disk (du: a hard-linked take counts once) and how many takes are on disk twice.
// Goal on 2 cores: ≤ 150 s wall, ≤ 60 ms CPU per take, exit 0.
// Run: npm run bench:rehearsal   (under the shared-machine lock: flock /tmp/paiwo-bench.lock npm run bench:rehearsal)
// env: BENCH_PROMPTS=50 BENCH_SEEDS=20 BENCH_TIME_SCALE=0.002 BENCH_CONCURRENCY=100 BENCH_OUT_DIR=<tmp>
//      BENCH_KEEP=1 leaves the folder; BENCH_SPLIT=1 also times every ffmpeg (a wrapper first on the PATH) to
//      split the CPU between ffmpeg and node
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './lib/cli-process.mjs';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 50);
const SEEDS = Number(process.env.BENCH_SEEDS ?? 20);
const TIME_SCALE = process.env.BENCH_TIME_SCALE ?? '0.002';
const CONCURRENCY = process.env.BENCH_CONCURRENCY ?? '100';
const TAKES = PROMPTS * 2 * SEEDS;

const SUBJECTS = ['a lighthouse', 'a red fox', 'a paper boat', 'an old tram', 'a glass of water', 'a kite', 'a violin', 'a snail', 'a windmill', 'a lantern'];
const PLACES = ['in a storm', 'at dawn', 'under neon rain', 'on black sand', 'in deep snow'];
const prompts = Array.from({ length: PROMPTS }, (_, i) => `${SUBJECTS[i % SUBJECTS.length]} ${PLACES[Math.floor(i / SUBJECTS.length) % PLACES.length]}, take ${i + 1}`);
const manifest = `name: rehearsal-bench
max_jobs: ${TAKES}
defaults:
  quality: 360p
  duration: 5
matrix:
  prompt: ${JSON.stringify(prompts)}
  aspect_ratio: ["16:9", "9:16"]
  seed: { from: 1, count: ${SEEDS} }
`;

const dir = await mkdtemp(join(process.env.BENCH_OUT_DIR ?? tmpdir(), 'paiwo-bench-rehearsal-'));
await writeFile(join(dir, 'bench.yaml'), manifest);
const out = join(dir, 'output', 'rehearsal-bench.rehearsal');
const args = ['run', 'bench.yaml', '--simulator', '--concurrency', CONCURRENCY, '--time-scale', TIME_SCALE, '--json', '--no-progress', '--log-level', 'warn'];
console.log(`paiwo-batch ${args.join(' ')}   (${TAKES} takes, ${cpus().length} cores, in ${dir})`);
const env = { DMXAPI_API_KEY: undefined };
const split = join(dir, 'ffmpeg-times.txt');
if (process.env.BENCH_SPLIT) {
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const real = execFileSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();
  await writeFile(join(bin, 'ffmpeg'), `#!/bin/sh\nexec /usr/bin/time -a -o '${split}' -f '%U %S' '${real}' "$@"\n`, { mode: 0o755 });
  Object.assign(env, { PATH: `${bin}:${process.env.PATH}` });
}
const r = await runCli(args, { cwd: dir, measure: true, env });

/** Bytes on disk of the folder, each inode once (du), and the videos whose inode is also the simulator's take. */
function diskBytes(path) {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}
const videos = (await readdir(out)).filter((f) => f.endsWith('.mp4'));
let linked = 0;
for (const f of videos) if ((await stat(join(out, f))).nlink > 1) linked++;
const takesDir = join(out, 'simulator-takes');
const cached = (await readdir(takesDir).catch(() => [])).filter((f) => f.endsWith('.mp4')).length;
const posters = (await readdir(join(out, '.posters')).catch(() => [])).filter((f) => f.endsWith('.jpg')).length;

let summary = null;
try {
  summary = JSON.parse(r.stdout);
} catch {
  // no summary (a crash): the exit code and stderr say why
}
const u = r.usage;
console.log(`exit code          ${r.code}${r.code === 0 ? '' : `\n${r.stderr.slice(-3000)}`}`);
console.log(`wall               ${(r.ms / 1000).toFixed(1)} s`);
console.log(`CPU                ${((u?.cpuMs ?? NaN) / 1000).toFixed(1)} s (user ${((u?.userMs ?? NaN) / 1000).toFixed(1)}, sys ${((u?.sysMs ?? NaN) / 1000).toFixed(1)}): ${((u?.cpuMs ?? NaN) / TAKES).toFixed(1)} ms per take (runner + simulator + ffmpeg)`);
console.log(`peak RSS           ${u?.rssMb.toFixed(0)} MB (the runner's node; ffmpeg's own peaks are not in it)`);
if (process.env.BENCH_SPLIT) {
  const lines = (await readFile(split, 'utf8').catch(() => '')).trim().split('\n').filter((l) => /^[\d.]+ [\d.]+$/.test(l));
  const ms = lines.reduce((sum, l) => sum + 1000 * l.split(' ').reduce((a, b) => a + Number(b), 0), 0);
  console.log(`  of which ffmpeg  ${(ms / TAKES).toFixed(1)} ms per take in ${lines.length} processes; node (runner + simulator) ${(((u?.cpuMs ?? NaN) - ms) / TAKES).toFixed(1)} ms per take`);
}
if (summary) console.log(`jobs               ${JSON.stringify(summary.counts ?? summary.jobs ?? {})}`);
console.log(`videos             ${videos.length} saved, ${linked} of them the simulator's take linked (on disk once); ${cached} takes in simulator-takes/; ${posters} posters`);
console.log(`disk               ${(diskBytes(out) / 1e6).toFixed(1)} MB for the rehearsal folder (du, a linked file counted once)`);
if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
else await rm(dir, { recursive: true, force: true });
process.exitCode = r.code === 0 ? 0 : 1;
