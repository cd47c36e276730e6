// Cost as batches grow (issue 13): `paiwo-batch run` of 10,000 jobs at concurrency 200 (time scale 0.01) against
// the simulator in its own process; then the same command over the finished folder (a rerun) and `status`.
// Goals: time outside the generation span (first submit → last generation's end, from the simulator's stats)
// ≤ 10 % of the run; rerun ≤ 2 s. With --big: 100,000 jobs at concurrency 500: peak RSS < 500 MB, status < 2 s,
// rerun < 15 s. It takes minutes; the videos go to BENCH_OUT_DIR (default the temp folder).
// Run: npm run bench:scale [-- --big] [-- --profile DIR] (the runner writes a CPU profile; its top is printed)
//      env BENCH_RUNNER_CLI=<another dist/cli/main.js> for a before/after.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlags } from './lib/bench-flags.mjs';
import { CLI, runCli, startSimulatorProcess } from './lib/cli-process.mjs';
import { printProfileTop } from './lib/profile-top.mjs';

const flags = readFlags({ big: { type: 'boolean' }, jobs: { type: 'number' }, concurrency: { type: 'number' }, 'time-scale': { type: 'number' }, profile: { type: 'string' } });
const BIG = flags.big === true;
const JOBS = flags.jobs ?? (BIG ? 100_000 : 10_000);
const CONCURRENCY = flags.concurrency ?? (BIG ? 500 : 200);
const TIME_SCALE = flags['time-scale'] ?? 0.01;
const PROFILE_DIR = flags.profile ?? null;
const RUNNER = process.env.BENCH_RUNNER_CLI ?? CLI;
const KEY = 'sk-bench-scale';
const GOALS = BIG ? { rssMb: 500, statusMs: 2000, rerunMs: 15_000 } : { outside: 0.1, rerunMs: 2000 };

// prompts × 5 aspect ratios × 4 qualities × 10 seeds (100 jobs per prompt).
if (JOBS % 200 !== 0) throw new Error('--jobs must be a multiple of 200');
const prompts = Array.from({ length: JOBS / 200 }, (_, i) => `"scene ${i}: a lantern-lit market at dusk"`);
const manifest = `name: scale
max_jobs: ${JOBS}
defaults:
  duration: 5
  generate_audio_switch: true
matrix:
  prompt: [${prompts.join(', ')}]
  aspect_ratio: ["16:9", "9:16", "4:3", "3:4", "1:1"]
  quality: [360p, 540p, 720p, 1080p]
  seed: { from: 1, count: 10 }
run:
  concurrency: ${CONCURRENCY}
`;
const dir = await mkdtemp(join(process.env.BENCH_OUT_DIR ?? tmpdir(), 'paiwo-bench-scale-'));
const file = join(dir, 'scale.yaml');
await writeFile(file, manifest);
const out = join(dir, 'out');

/** One CLI process under /usr/bin/time -v: wall ms, CPU ms, peak RSS MB, stdout. */
async function timed(args, nodeArgs = []) {
  const r = await runCli(args, { script: RUNNER, nodeArgs, env: { DMXAPI_API_KEY: KEY }, measure: true });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, wallMs: r.ms, cpuMs: r.usage.cpuMs, rssMb: r.usage.rssMb };
}

const sim = await startSimulatorProcess(['--time-scale', String(TIME_SCALE), '--concurrency', String(CONCURRENCY), '--seed', '5']);
const common = ['--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--json', '--no-progress', '--log-level', 'warn', '--max-jobs', String(JOBS), '--out', out];
if (PROFILE_DIR) {
  await rm(PROFILE_DIR, { recursive: true, force: true });
  await mkdir(PROFILE_DIR, { recursive: true });
}
const runStartedAt = Date.now();
const run = await timed(['run', file, ...common], PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []);
let summary;
try {
  summary = JSON.parse(run.stdout);
} catch {
  console.error(run.stderr.slice(-3000));
  throw new Error(`run failed (exit ${run.code})`);
}
const s = await sim.stats();
await sim.close();
let first = Infinity;
let last = 0;
for (const v of s.videos) {
  first = Math.min(first, Date.parse(v.created_at));
  if (v.finished_at) last = Math.max(last, Date.parse(v.finished_at));
}
const spanMs = last - first;
const rerun = await timed(['run', file, ...common], PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, 'rerun')}`] : []);
const status = await timed(['status', out, '--json']);
const reportBytes = await stat(join(out, 'report.html')).then((st) => st.size, () => NaN);
await rm(dir, { recursive: true, force: true });

const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const outside = (run.wallMs - spanMs) / run.wallMs;
console.log(`paiwo-batch run — ${JOBS.toLocaleString('en-US')} jobs, concurrency ${CONCURRENCY}, time scale ${TIME_SCALE}; runner ${RUNNER}`);
console.log(`  run        ${f(run.wallMs / 1000)} s wall (summary duration ${f(summary.duration_ms / 1000)} s), ${summary.jobs.succeeded} succeeded, exit ${summary.exit_code}`);
console.log(`             generation span ${f(spanMs / 1000)} s (first submit → last end) → outside it ${f(outside * 100, 1)} % of the run${GOALS.outside ? ` (goal ≤ ${GOALS.outside * 100} %)` : ''}`);
console.log(`             CPU ${f(run.cpuMs / 1000)} s (${f(run.cpuMs / JOBS, 3)} ms/job), peak RSS ${f(run.rssMb, 0)} MB${GOALS.rssMb ? ` (goal < ${GOALS.rssMb})` : ''}; report ${f(reportBytes / 1024 / 1024, 1)} MB`);
console.log(`             before the first submit ${f((first - runStartedAt) / 1000)} s (start, load, plan); after the last generation's end ${f((runStartedAt + run.wallMs - last) / 1000)} s (notice, download, save, report)`);
console.log(`  rerun      ${f(rerun.wallMs / 1000)} s wall, CPU ${f(rerun.cpuMs / 1000)} s, peak RSS ${f(rerun.rssMb, 0)} MB (goal ≤ ${GOALS.rerunMs / 1000} s), exit ${rerun.code}`);
console.log(`  status     ${f(status.wallMs / 1000)} s wall, CPU ${f(status.cpuMs / 1000)} s, peak RSS ${f(status.rssMb, 0)} MB${GOALS.statusMs ? ` (goal < ${GOALS.statusMs / 1000} s)` : ''}, exit ${status.code}`);
if (PROFILE_DIR) {
  console.log('run:');
  await printProfileTop(PROFILE_DIR);
  console.log('rerun:');
  await printProfileTop(join(PROFILE_DIR, 'rerun'));
}
