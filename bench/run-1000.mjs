// Benchmark of `paiwo-batch run` against the simulator (issue 4 "Speed"): 1,000 jobs, account concurrency 20,
// time-scale 0.01. The simulator runs in its own process so its CPU is not counted; the runner is the built CLI,
// measured with /usr/bin/time -v (CPU, peak RSS). Then the naive way a user would script it (submit, then poll
// every 5 s, one job at a time; and N = 20 such loops in parallel) against the same simulator, and the ratios.
// The runner's CPU is put in context twice: its fixed part (the same command again over the finished folder) and
// the I/O floor of the machine (bench/lib/io-floor.mjs: the same requests and fsyncs with nothing else).
// Run: npm run bench:run   (env: BENCH_JOBS=1000, BENCH_NAIVE_SERIAL_JOBS=40, BENCH_OUT_DIR=/dev/shm to leave the
// disk out, BENCH_NODE_ARGS="--flag …" for the runner's node)
// `--profile [dir]`: the runner writes a V8 CPU profile to dir (default /tmp/paiwo-prof), the bench prints the
// runner's CPU before the first submit / while scheduling / after, and the top functions by self time; the naive
// loops and the floor are skipped. `--no-naive`: the tool, its fixed part and the floor only. `--no-floor`: skip
// the floor.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlags } from './lib/bench-flags.mjs';
import { CLI, runCli, startSimulatorProcess } from './lib/cli-process.mjs';
import { printProfileTop } from './lib/profile-top.mjs';

const flags = readFlags({ profile: { type: 'string', bare: '/tmp/paiwo-prof' }, 'no-naive': { type: 'boolean' }, 'no-floor': { type: 'boolean' } });
const PROFILE_DIR = flags.profile ?? null;
const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const SERIAL_JOBS = Number(process.env.BENCH_NAIVE_SERIAL_JOBS ?? 40);
const CONCURRENCY = 20;
const TIME_SCALE = 0.01;
const NAIVE_POLL_MS = 5000 * TIME_SCALE; // the document's sample polls every 5 s
const KEY = 'sk-bench-run-1000';

const sim = await startSimulatorProcess(['--time-scale', String(TIME_SCALE), '--concurrency', String(CONCURRENCY), '--seed', '11'], { echoStderr: true });
const url = sim.url;
const requestsOf = (s) => s.submits.accepted + s.submits.rejected + s.fetches;
const stats = () => sim.stats();
const reset = async () => fetch(`${url}/__sim/reset`, { method: 'POST' });

/** What the account's generations took on the simulator, summed: the ideal makespan is this ÷ the concurrency. */
function generationSum(s) {
  return s.videos.reduce((sum, v) => sum + (Date.parse(v.finished_at) - Date.parse(v.created_at)), 0);
}

// A realistic mix: 5 prompts × every aspect ratio × every quality × 5 and 8 s × 5 seeds = 1,000 distinct jobs.
const PROMPTS = ['a lighthouse in a storm', 'a cat on a windowsill', 'a city at night', 'waves on black sand', 'a paper boat in rain'];
const QUALITIES = ['360p', '540p', '720p', '1080p'];
const RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1'];
const DURATIONS = [5, 8];
const SEEDS = Math.ceil(JOBS / (PROMPTS.length * QUALITIES.length * RATIOS.length * DURATIONS.length));
/** The manifest's jobs as request bodies, for the floor and the naive loops. */
const REQUESTS = [];
for (const input of PROMPTS) for (const quality of QUALITIES) for (const aspect_ratio of RATIOS) for (const duration of DURATIONS) {
  for (let seed = 1; seed <= SEEDS; seed++) REQUESTS.push({ model: 'paiwo-v5.6-ttv', input, quality, aspect_ratio, duration, generate_audio_switch: true, seed });
}
const manifest = `name: bench
max_jobs: ${JOBS * 2}
defaults:
  generate_audio_switch: true
matrix:
  prompt: ${JSON.stringify(PROMPTS)}
  quality: ${JSON.stringify(QUALITIES)}
  aspect_ratio: ${JSON.stringify(RATIOS)}
  duration: ${JSON.stringify(DURATIONS)}
  seed: { from: 1, count: ${SEEDS} }
run:
  concurrency: ${CONCURRENCY}
`;
// BENCH_OUT_DIR: where the videos go (default: the system temp folder), e.g. /dev/shm to leave the disk out.
const dir = await mkdtemp(join(process.env.BENCH_OUT_DIR ?? tmpdir(), 'paiwo-bench-run-'));
const manifestPath = join(dir, 'bench.yaml');
await writeFile(manifestPath, manifest);

// --- the tool ------------------------------------------------------------------------------------------------
/** A node script under /usr/bin/time -v: its exit code, stdout, stderr, wall time, CPU (user + sys) and peak RSS. */
async function timedNode(script, args, nodeArgs = []) {
  const r = await runCli(args, { script, nodeArgs, env: { DMXAPI_API_KEY: KEY }, measure: true });
  const { voluntarySwitches, involuntarySwitches } = r.usage;
  const ctxSwitches = Number.isNaN(voluntarySwitches) ? '' : `${voluntarySwitches} voluntary, ${involuntarySwitches} involuntary`;
  return { ...r, ...r.usage, wallMs: r.ms, ctxSwitches };
}
const args = ['run', manifestPath, '--base-url', url, '--time-scale', String(TIME_SCALE), '--json', '--no-progress', '--log-level', 'warn', '--max-jobs', String(JOBS * 2), '--out', join(dir, 'out')];
if (PROFILE_DIR) {
  await rm(PROFILE_DIR, { recursive: true, force: true });
  await mkdir(PROFILE_DIR, { recursive: true });
}
// (--cpu-prof is not allowed in NODE_OPTIONS: it goes on the node command line.)
const nodeArgs = [...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [])];
const run = await timedNode(CLI, args, nodeArgs);
const { wallMs, cpuMs, userMs, sysMs, rssMb, ctxSwitches } = run;
let summary;
try {
  summary = JSON.parse(run.stdout);
} catch {
  console.error(run.stdout.slice(0, 2000), run.stderr.slice(-4000));
  throw new Error(`run did not print a JSON summary (exit ${run.code})`);
}
// Only pino warnings and errors and the final summary reach stderr here.
const warnings = run.stderr.split('\n').filter((l) => l.startsWith('{')).length;
const toolStats = await stats();
const ideal = generationSum(toolStats) / CONCURRENCY;
const makespan = summary.duration_ms;
const succeeded = summary.jobs.succeeded;

// The fixed part of that CPU: the same command again over the finished folder does everything a run does once
// (start Node, load and check the manifest, open the ledger, check 1,000 files, snapshot, report) and no job.
const fixed = await timedNode(CLI, args);
const perJobSteadyMs = (cpuMs - fixed.cpuMs) / JOBS;

// The I/O floor (bench/lib/io-floor.mjs): the same requests and durable writes with nothing else, same disk.
let floor = null;
if (!PROFILE_DIR && !flags['no-floor']) {
  await reset();
  const jobsFile = join(dir, 'jobs.json');
  await writeFile(jobsFile, JSON.stringify(REQUESTS.slice(0, JOBS)));
  const floorRun = await timedNode(fileURLToPath(new URL('./lib/io-floor.mjs', import.meta.url)), [url, join(dir, 'floor'), jobsFile, String(CONCURRENCY), String(TIME_SCALE)]);
  if (floorRun.code !== 0) throw new Error(`io-floor failed: ${floorRun.stderr.slice(-2000)}`);
  floor = { ...floorRun, result: JSON.parse(floorRun.stdout) };
}
const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const cpuLines = () => {
  console.log(`  runner CPU per job     ${fmt(cpuMs / JOBS, 3)} ms   (goal < 2; whole process: ${fmt(cpuMs, 0)} ms = user ${fmt(userMs, 0)} + sys ${fmt(sysMs, 0)})`);
  console.log(`    fixed part           ${fmt(fixed.cpuMs, 0)} ms (the same run again over the finished folder) → ${fmt(perJobSteadyMs, 3)} ms per job on top of it`);
  if (floor) {
    console.log(`    I/O floor            ${fmt(floor.cpuMs / JOBS, 3)} ms per job (bench/lib/io-floor.mjs: the same requests and fsyncs, nothing else; user ${fmt(floor.userMs, 0)} + sys ${fmt(floor.sysMs, 0)} ms, ${fmt(floor.result.fetches_per_job, 2)} fetches/job)`);
    console.log(`    runner / floor       ${fmt(cpuMs / floor.cpuMs, 2)}×`);
  }
};
if (PROFILE_DIR || flags['no-naive']) {
  const f = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`runner ${JOBS} jobs: exit ${summary.exit_code}, ${summary.jobs.succeeded} succeeded, makespan ${f(summary.duration_ms / 1000, 2)} s`);
  console.log(`  peak RSS ${f(rssMb, 1)} MB; ${ctxSwitches} context switches; makespan / ideal ${f(makespan / ideal, 3)}; ${f(toolStats.fetches / JOBS, 2)} fetches/job`);
  cpuLines();
  if (PROFILE_DIR) await printProfileTop(PROFILE_DIR, { top: 30, files: 25, phases: true });
  await sim.close();
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}

// --- the naive way ---------------------------------------------------------------------------------------------
async function post(body) {
  const res = await fetch(`${url}/v1/responses`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return JSON.parse(await res.text()); // ids fit in a double at 15 digits; the naive script would do the same
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The document's sample, as a user would loop it: submit (retry when the account is busy), poll every 5 s, download. */
async function naiveOne(request) {
  let submitted;
  for (;;) {
    submitted = await post(request);
    if (submitted.ErrCode === 0) break;
    await sleep(NAIVE_POLL_MS);
  }
  const id = String(submitted.Resp.video_id);
  for (;;) {
    await sleep(NAIVE_POLL_MS);
    const got = await post({ model: 'paiwo-get', input: id });
    if (got.ErrCode === 0 && got.Resp.status !== 5) {
      if (got.Resp.status === 1) await (await fetch(got.Resp.url)).arrayBuffer();
      return;
    }
  }
}
async function naive(jobs, loops) {
  await reset();
  const queue = [...jobs];
  const started = Date.now();
  await Promise.all(Array.from({ length: loops }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await naiveOne(job);
  }));
  const s = await stats();
  return { ms: Date.now() - started, requests: requestsOf(s), generation: generationSum(s) };
}
const serial = await naive(REQUESTS.slice(0, SERIAL_JOBS), 1);
const parallel = await naive(REQUESTS, CONCURRENCY);
const serialExtrapolatedMs = (serial.ms / SERIAL_JOBS) * JOBS;

await sim.close();
await rm(dir, { recursive: true, force: true });

const f = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`paiwo-batch run — ${JOBS} jobs, account concurrency ${CONCURRENCY}, time-scale ${TIME_SCALE} (simulator in its own process)`);
console.log(`  succeeded              ${succeeded}/${JOBS} (exit ${summary.exit_code}, ${warnings} warning/error log lines)`);
console.log(`  makespan               ${f(makespan / 1000, 2)} s (process wall ${f(wallMs / 1000, 2)} s)`);
console.log(`  ideal                  ${f(ideal / 1000, 2)} s (sum of the simulator's generation times ÷ ${CONCURRENCY})`);
console.log(`  makespan / ideal       ${f(makespan / ideal, 3)}   (goal ≤ 1.08)`);
console.log(`  peak concurrent gens   ${toolStats.concurrency.peak}   (goal = ${CONCURRENCY})`);
console.log(`  fetches per job        ${f(toolStats.fetches / JOBS, 2)}   (goal ≤ 6; all API requests per job: ${f(requestsOf(toolStats) / JOBS, 2)})`);
console.log(`  submits rejected       ${toolStats.submits.rejected} (500044 and the like), duplicate bodies ${toolStats.submits.duplicate_bodies}`);
cpuLines();
console.log(`  runner peak RSS        ${f(rssMb, 1)} MB   (goal < 150)`);
console.log('naive loop (submit, then poll every 5 s × time-scale):');
console.log(`  1 loop                 ${f(serial.ms / 1000, 2)} s for ${SERIAL_JOBS} jobs → ${f(serialExtrapolatedMs / 1000, 1)} s for ${JOBS} (extrapolated), ${f(serial.requests / SERIAL_JOBS, 2)} requests/job`);
console.log(`  ${CONCURRENCY} loops               ${f(parallel.ms / 1000, 2)} s for ${JOBS} jobs, ${f(parallel.requests / JOBS, 2)} requests/job (ideal for its own draw: ${f(parallel.generation / CONCURRENCY / 1000, 2)} s)`);
console.log(`  ratio naive / tool     1 loop: ${f(serialExtrapolatedMs / makespan, 1)}×   ${CONCURRENCY} loops: ${f(parallel.ms / makespan, 2)}×`);
