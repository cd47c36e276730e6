// Outage figures (issue 21): 60 jobs, account limit 4, --time-scale 0.02, against the simulator with a gateway
// outage (every call an HTML 502, nothing charged) that begins after 10 accepted submits, for a few lengths.
// Prints outage length → unknowns, submits into the outage, probes, extra makespan over a run without one; and
// checks every run's money bracket and that nothing was paid twice.
// Run: npm run bench:outage [-- --lengths 5,10,20,40 --jobs 60 --concurrency 4 --time-scale 0.02 --after 10]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlags } from './lib/bench-flags.mjs';
import { runCli, startSimulatorProcess } from './lib/cli-process.mjs';
import { checkMoneyBracket } from './lib/money-bracket.mjs';

const flags = readFlags({ lengths: { type: 'string' }, jobs: { type: 'number' }, concurrency: { type: 'number' }, 'time-scale': { type: 'number' }, after: { type: 'number' } });
const LENGTHS = (flags.lengths ?? '5,10,20,40').split(',').map(Number);
const JOBS = flags.jobs ?? 60;
const CONCURRENCY = flags.concurrency ?? 4;
const TIME_SCALE = flags['time-scale'] ?? 0.02;
const AFTER = flags.after ?? 10;
const KEY = 'sk-bench-outage';

const manifest = (name) => `name: ${name}
max_jobs: ${JOBS}
defaults: { aspect_ratio: "16:9", quality: "360p", duration: 5, generate_audio_switch: false }
matrix:
  prompt: ["a lighthouse at dusk, waves below"]
  seed: { from: 1, count: ${JOBS} }
run:
  concurrency: ${CONCURRENCY}
`;

/** One run against a fresh simulator with `faults`: what the ledger, the summary and the simulator say. */
async function once(faults, dir, name) {
  const sim = await startSimulatorProcess(['--time-scale', String(TIME_SCALE), '--concurrency', String(CONCURRENCY), '--seed', '7', ...(faults ? ['--faults', faults] : [])]);
  try {
    const manifestPath = join(dir, `${name}.yaml`);
    const outDir = join(dir, name);
    await writeFile(manifestPath, manifest(name));
    const r = await runCli(['run', manifestPath, '--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--out', outDir, '--json', '--no-progress', '--log-level', 'error'], {
      env: { DMXAPI_API_KEY: KEY },
      timeoutMs: 600_000,
    });
    const summary = JSON.parse(r.stdout);
    const stats = await sim.stats();
    const ledger = JSON.parse(await readFile(join(outDir, 'ledger.json'), 'utf8'));
    const bracket = await checkMoneyBracket({ outDirs: [outDir], stats });
    const count = (status) => ledger.jobs.filter((j) => j.status === status).length;
    return {
      exit: r.code,
      makespanS: summary.duration_ms / 1000,
      unknown: count('unknown'),
      succeeded: count('succeeded'),
      pending: count('pending'),
      submitsInto: stats.outage_requests?.submit ?? 0,
      fetchesInto: stats.outage_requests?.fetch ?? 0,
      probes: summary.outages.reduce((sum, o) => sum + o.probes, 0),
      outages: summary.outages.length,
      duplicates: stats.submits.duplicate_bodies,
      bracket: bracket.problem ?? 'holds',
    };
  } finally {
    await sim.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'paiwo-bench-outage-'));
try {
  console.log(`bench:outage: ${JOBS} jobs, limit ${CONCURRENCY}, --time-scale ${TIME_SCALE}, outage after ${AFTER} accepted submits, lengths ${LENGTHS.join(', ')} s (real time)`);
  const base = await once('', dir, 'baseline');
  console.log(`baseline (no outage): ${base.makespanS.toFixed(1)} s, ${base.succeeded} succeeded, exit ${base.exit}`);
  console.log('\noutage | unknown | submits into it | fetches into it | probes | succeeded | pending | exit | makespan | extra makespan | paid twice | money bracket');
  console.log('---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---');
  for (const length of LENGTHS) {
    const o = await once(`outage@after=${AFTER}&for=${length}s`, dir, `outage-${length}`);
    const extra = o.makespanS - base.makespanS;
    console.log(
      `${length} s | ${o.unknown} | ${o.submitsInto} | ${o.fetchesInto} | ${o.probes} | ${o.succeeded} | ${o.pending} | ${o.exit} | ${o.makespanS.toFixed(1)} s | ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} s | ${o.duplicates} | ${o.bracket}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
