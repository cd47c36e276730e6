import { appendFile, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Plain ESM shared with bench/crash-300.mjs.
import { runCli, startSimulatorProcess } from '../../bench/lib/cli-process.mjs';
import { crashLoop, crashManifest, verifyCrashRun } from '../../bench/lib/crash-harness.mjs';
import { checkMoneyBracket } from '../../bench/lib/money-bracket.mjs';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * The short version of `npm run crash`: 40 jobs, 8 SIGKILLs (random moments and named points), seeded. With 2
 * generations at a time of ~0.75 s each, 40 jobs take ~15 s of generating, while 8 runs killed within a second
 * or so of their start (plus the generations that finish while the runner is down) cannot get through more than
 * ~30 of them: all 8 kills land before the run can complete, however fast the machine.
 */
const JOBS = 40;
const KILLS = 8;
const TIME_SCALE = 0.03;
const KEY = 'sk-crash-test';
const FAULTS = '429:0.05,500069:0.05,500044:0.03,html-500:0.03,reset-before:0.02,truncate-media:0.1,504-after-charge:0.02,reset-after/submit:0.02';

type Sim = Awaited<ReturnType<typeof startSimulatorProcess>>;
let sim: Sim;
let dir: string;
let manifestPath: string;
let outDir: string;

beforeAll(async () => {
  dir = await makeTempDir('crash-test');
  manifestPath = path.join(dir, 'crash.yaml');
  outDir = path.join(dir, 'out');
  await writeFile(manifestPath, crashManifest({ jobs: JOBS, concurrency: 2 }));
  sim = await startSimulatorProcess(['--time-scale', String(TIME_SCALE), '--seed', '5', '--faults', FAULTS]);
});

afterAll(async () => {
  await sim?.close();
  await removeTempDir(dir);
});

const run = (extra: string[] = []) =>
  runCli(['run', manifestPath, '--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--out', outDir, '--json', '--no-progress', '--log-level', 'warn', ...extra], {
    env: { DMXAPI_API_KEY: KEY },
    timeoutMs: 120_000,
  });

describe('crash and resume (kill -9)', () => {
  let unknownIds: string[] = [];

  it(`${JOBS} jobs with faults on survive ${KILLS} SIGKILLs: nothing paid twice, nothing lost, unknowns held`, async () => {
    const loop = await crashLoop({
      manifestPath,
      outDir,
      simUrl: sim.url,
      apiKey: KEY,
      timeScale: TIME_SCALE,
      seed: 7,
      kills: KILLS,
      // Each named point once, on purpose (all are reached within a second of the start), then random moments.
      crashPlan: ['submit-answered:2', 'snapshot:1', 'submit-intent:1', 'download:1'],
      crashPointFallbackMs: 5000,
      minDelayMs: 20,
      maxDelayMs: 900,
    });
    expect(loop.kills).toBe(KILLS);
    // After every run, killed or not, the account's net charge lay within status --json's bracket.
    expect(loop.bracketProblems).toEqual([]);
    expect(loop.bracketChecks).toBe(loop.cycles.length);
    // What the folder showed right after those kills: a snapshot temp file, and jobs caught `submitting`.
    expect(loop.byPhase).toMatchObject({ snapshot: expect.any(Number), submit: expect.any(Number) });
    expect(loop.cycles.flatMap((c) => (c.crashAt ? [c.crashAt] : []))).toEqual(['submit-answered:2', 'snapshot:1', 'submit-intent:1', 'download:1']);
    unknownIds = loop.unknownIds;
    const v = await verifyCrashRun({ outDir, stats: await sim.stats(), unknownIds, resubmittedIds: [] });
    expect(v.problems).toEqual([]);
    expect(v.jobs).toBe(JOBS);
    expect(v.succeeded + v.unknown).toBe(JOBS);
    expect(v.duplicates).toBe(0);
    expect(v.lostVideos).toBe(0);
  }, 180_000);

  it('a rerun without --resubmit-unknown submits nothing; with it, only the unknown jobs are submitted again', async () => {
    const before = await sim.stats();
    const again = await run();
    expect([0, 6]).toContain(again.code);
    expect((await sim.stats()).submits.accepted).toBe(before.submits.accepted);

    await sim.setFaults('');
    const resubmit = await run(['--resubmit-unknown']);
    expect(resubmit.code, resubmit.stderr).toBe(0);
    const stats = await sim.stats();
    expect(stats.submits.accepted - before.submits.accepted).toBe(unknownIds.length);
    // The earlier attempts of the resubmitted jobs may have been charged: status still counts them.
    expect((await checkMoneyBracket({ outDirs: [outDir], stats })).problem).toBeNull();
    const v = await verifyCrashRun({ outDir, stats, unknownIds, resubmittedIds: unknownIds, allResolved: true });
    expect(v.problems).toEqual([]);
    expect(v.succeeded).toBe(JOBS);
    expect(v.duplicates).toBe(0);
    expect(v.resubmitDuplicates).toBe(v.paidUnrecorded);
  }, 120_000);

  it('the checks catch a lost file, a stray temp file, a bad hash and a second submit nobody asked for', async () => {
    const stats = await sim.stats();
    const ledger = JSON.parse(await readFile(path.join(outDir, 'ledger.json'), 'utf8')) as { jobs: { file: string; request: unknown }[] };
    const [first, second] = ledger.jobs;
    await unlink(path.join(outDir, first!.file));
    await appendFile(path.join(outDir, second!.file), 'x');
    await writeFile(path.join(outDir, 'ledger.json.tmp-1'), '{}');
    const v = await verifyCrashRun({ outDir, stats, unknownIds, resubmittedIds: [] });
    const text = v.problems.join('\n');
    expect(text).toContain(`${first!.file} is missing`);
    expect(text).toContain(`${second!.file} is`);
    expect(text).toContain('temporary file left behind: ledger.json.tmp-1');
    // The resubmits of unknown jobs, when not declared as asked for, are duplicates like any other.
    expect(v.duplicates).toBe(stats.submits.duplicate_bodies);
    if ((v.duplicates ?? 0) > 0) expect(text).toContain('was accepted');
    expect(v.lostVideos).toBeGreaterThanOrEqual(2);
  });
});
