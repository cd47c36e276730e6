// Throughput whatever the service's pace (issue 13): `paiwo-batch run` against simulators playing several paces,
// side by side with the naive way (LIMIT loops that submit and poll every 5 s), each pace's tool run and naive run
// at the same time on two simulators with the same seed (same machine load for both). Per pace: makespan ÷ ideal
// (ideal = the simulator's generation times summed ÷ the account's limit), fetches per job, detection delay
// (first "done" answer − end of the generation) ÷ generation time, the runner's CPU per job (/usr/bin/time).
// Run: npm run bench:run            300 jobs, limit 10, time scale 0.05, every pace (~8 min)
//      node bench/run-paces.mjs --pace slow-wide      one pace (table | fast | slow-wide | drift)
//      node bench/run-paces.mjs --big                 1,000 jobs at limit 50
//      --jobs N --limit N --time-scale X --no-naive; env BENCH_RUNNER_CLI=<other dist/cli/main.js> for a before/after
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedGenerationMs } from '../dist/model/generation-time.js';
import { readFlags } from './lib/bench-flags.mjs';
import { CLI, runCli, startSimulatorProcess } from './lib/cli-process.mjs';
import { naiveLoops, paceFigures } from './lib/pace-stats.mjs';

const flags = readFlags({ big: { type: 'boolean' }, jobs: { type: 'number' }, limit: { type: 'number' }, 'time-scale': { type: 'number' }, pace: { type: 'string' }, 'no-naive': { type: 'boolean' } });
const BIG = flags.big === true;
const JOBS = flags.jobs ?? (BIG ? 1000 : 300);
const LIMIT = flags.limit ?? (BIG ? 50 : 10);
const TIME_SCALE = flags['time-scale'] ?? 0.05;
const ONLY = flags.pace ?? null;
const NAIVE = !flags['no-naive'];
const KEY = 'sk-bench-paces';
// BENCH_RUNNER_CLI: another build of the runner (e.g. an older commit's dist/cli/main.js) against the same simulator.
const RUNNER = process.env.BENCH_RUNNER_CLI ?? CLI;

// The mix: JOBS ÷ 20 prompts (every other one 8 s, else 5 s) × 4 qualities × 5 aspect ratios, so every price class
// is there; the naive loops send the same bodies.
if (JOBS % 20 !== 0) throw new Error('--jobs must be a multiple of 20');
const QUALITIES = ['360p', '540p', '720p', '1080p'];
const RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1'];
const PROMPTS = Array.from({ length: JOBS / 20 }, (_, i) => ({ text: `bench scene number ${i + 1}, a lighthouse in a storm`, duration: i % 2 ? 8 : 5 }));
const REQUESTS = [];
for (const p of PROMPTS) for (const quality of QUALITIES) for (const aspect_ratio of RATIOS) {
  REQUESTS.push({ model: 'paiwo-v5.6-ttv', input: p.text, quality, aspect_ratio, duration: p.duration, generate_audio_switch: true });
}
// The run's length at the table's pace, in service seconds: the drift spans about one run.
const runSeconds = Math.round(REQUESTS.reduce((s, r) => s + expectedGenerationMs(r), 0) / LIMIT / 1000);

const PACES = [
  { name: 'table', label: "the table's, ±30 %", flags: ['--pace-spread', '0.7-1.3'] },
  { name: 'fast', label: 'twice as fast as the table', flags: ['--pace', '0.5'] },
  { name: 'slow-wide', label: 'twice as slow, 0.5–1.5× spread', flags: ['--pace', '2', '--pace-spread', '0.5-1.5'] },
  { name: 'drift', label: 'drifting 0.6× → 1.8× during the run', flags: ['--pace-drift', `0.6-1.8/${Math.round(runSeconds * 1.2)}`] },
].filter((p) => !ONLY || p.name === ONLY);
if (PACES.length === 0) throw new Error(`unknown pace ${ONLY}: table | fast | slow-wide | drift`);

const dir = await mkdtemp(join(process.env.BENCH_OUT_DIR ?? tmpdir(), 'paiwo-bench-paces-'));
const manifest = `name: paces
max_jobs: ${JOBS}
defaults:
  generate_audio_switch: true
matrix:
  prompt: ${JSON.stringify(PROMPTS)}
  quality: ${JSON.stringify(QUALITIES)}
  aspect_ratio: ${JSON.stringify(RATIOS)}
run:
  concurrency: ${LIMIT}
`;
const manifestPath = join(dir, 'paces.yaml');
await writeFile(manifestPath, manifest);

/** The tool, as a process under /usr/bin/time -v; async so the naive loops run beside it. */
async function runTool(url, out) {
  const args = ['run', manifestPath, '--base-url', url, '--time-scale', String(TIME_SCALE), '--json', '--no-progress', '--log-level', 'warn', '--max-jobs', String(JOBS), '--out', out];
  const r = await runCli(args, { script: RUNNER, env: { DMXAPI_API_KEY: KEY }, measure: true });
  let summary = null;
  try {
    summary = JSON.parse(r.stdout);
  } catch {
    console.error(r.stdout.slice(0, 2000), r.stderr.slice(-3000));
  }
  return { code: r.code, summary, cpuMs: r.usage.cpuMs, rssMb: r.usage.rssMb, wallMs: r.ms };
}

const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const pct = (n) => (Number.isFinite(n) ? `${(n * 100).toFixed(2)} %` : '—');
const rows = [];
console.log(`paiwo-batch run vs ${LIMIT} naive loops — ${JOBS} jobs, account limit ${LIMIT}, time scale ${TIME_SCALE} (a run ≈ ${runSeconds} service s at the table's pace)`);
for (const pace of PACES) {
  const simArgs = ['--time-scale', String(TIME_SCALE), '--concurrency', String(LIMIT), '--seed', '13', ...pace.flags];
  const toolSim = await startSimulatorProcess(simArgs);
  const naiveSim = NAIVE ? await startSimulatorProcess(simArgs) : null;
  const out = join(dir, `out-${pace.name}`);
  const [tool, naiveMs] = await Promise.all([
    runTool(toolSim.url, out),
    naiveSim ? naiveLoops(naiveSim.url, KEY, REQUESTS, LIMIT, 5000 * TIME_SCALE) : Promise.resolve(NaN),
  ]);
  const t = paceFigures(await toolSim.stats(), LIMIT, tool.summary?.duration_ms);
  const n = naiveSim ? paceFigures(await naiveSim.stats(), LIMIT, naiveMs) : null;
  await toolSim.close();
  await naiveSim?.close();
  await rm(out, { recursive: true, force: true });
  if (!tool.summary) throw new Error(`run failed on pace ${pace.name} (exit ${tool.code})`);
  const row = {
    pace: pace.label,
    succeeded: tool.summary.jobs.succeeded,
    makespanS: tool.summary.duration_ms / 1000,
    ratio: tool.summary.duration_ms / t.idealMs,
    naiveRatio: n ? naiveMs / n.idealMs : NaN,
    naiveS: naiveMs / 1000,
    fetches: t.fetchesPerJob,
    naiveFetches: n?.fetchesPerJob ?? NaN,
    delay: t.delayShare,
    delaySums: t.delayShareOfSums,
    naiveDelay: n?.delayShare ?? NaN,
    cpuPerJob: tool.cpuMs / JOBS,
    idle: t.idleMsPerJob,
    naiveIdle: n?.idleMsPerJob ?? NaN,
    rssMb: tool.rssMb,
  };
  rows.push(row);
  console.log(`  ${pace.name.padEnd(10)} ${row.succeeded}/${JOBS} ok, makespan ${f(row.makespanS, 1)} s (naive ${f(row.naiveS, 1)} s), ÷ ideal ${f(row.ratio, 3)} (naive ${f(row.naiveRatio, 3)}), ` +
    `${f(row.fetches)} fetches/job (naive ${f(row.naiveFetches)}), delay ${pct(row.delay)} of generation (of sums ${pct(row.delaySums)}; naive ${pct(row.naiveDelay)}), ` +
    `slot idle ${f(row.idle, 0)} ms/job (naive ${f(row.naiveIdle, 0)}), CPU ${f(row.cpuPerJob, 1)} ms/job, RSS ${f(row.rssMb, 0)} MB`);
}
await rm(dir, { recursive: true, force: true });

console.log('');
console.log('| service pace | makespan ÷ ideal (naive) | fetches/job (naive) | detection delay ÷ generation (naive) | runner CPU/job |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.pace} | ${f(r.ratio, 3)} (${f(r.naiveRatio, 3)}) | ${f(r.fetches)} (${f(r.naiveFetches)}) | ${pct(r.delay)} (${pct(r.naiveDelay)}) | ${f(r.cpuPerJob, 1)} ms |`);
}
console.log('goals: delay ≤ 3 %, ≤ 8 fetches/job, makespan ÷ ideal below the naive loops\'.');
