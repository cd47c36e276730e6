import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../bench/lib/cli-process.mjs';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { readLedger } from '../../src/ledger/store.js';
import type { Ledger } from '../../src/ledger/types.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { expandExpressions, readmeWorkflow } from './readme-workflow.js';

const exec = promisify(execFile);
const KEY = 'test-key-shards';
const TIME_SCALE = '0.005';

/** 3 prompts × 2 aspect ratios × 2 qualities × 2 seeds = 24 jobs. */
const MANIFEST = `name: shard-test
defaults:
  duration: 5
  generate_audio_switch: false
matrix:
  prompt:
    - { id: cat, text: "A kitten playing in the grass" }
    - { id: fox, text: "A fox running through snow" }
    - { id: owl, text: "An owl looking around at dusk" }
  aspect_ratio: ["16:9", "9:16"]
  quality: [360p, 540p]
  seed: [1, 2]
run:
  concurrency: 2
`;

interface Shell {
  code: number;
  stdout: string;
  stderr: string;
}

/** A workflow `run:` line as the CI runner would execute it, with the built CLI standing in for `npx paiwo-batch`. */
async function shell(script: string, cwd: string, env: Record<string, string>): Promise<Shell> {
  const local = script.replace(/npx paiwo-batch/g, `node ${JSON.stringify(CLI)}`);
  return exec('bash', ['-c', local], { cwd, env: { ...process.env, CI: 'true', ...env }, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, ...r }),
    (e: Shell) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const canonicalRequest = (r: unknown) => JSON.stringify(r, Object.keys(r as object).sort());

// The documented workflow (docs/ci-and-shards.md), executed: 4 shard processes share one simulator (one account concurrency limit), their
// outputs are laid out as download-artifact would, merged with its merge line, and compared with a
// single-process run of the same manifest.
describe('4 shards against one simulator, merged, equal a single run', () => {
  const workflow = readmeWorkflow();
  const render = Object.values(workflow.jobs).find((job) => job.strategy?.matrix?.shard)!;
  const mergeJob = Object.values(workflow.jobs).find((job) => job.steps.some((s) => s.run?.includes('paiwo-batch merge')))!;
  const runLine = render.steps.find((s) => s.run?.includes('paiwo-batch run'))!.run!;
  const mergeLine = mergeJob.steps.find((s) => s.run?.includes('paiwo-batch merge'))!.run!;
  const shards = render.strategy!.matrix!.shard!.map(String);

  let sim: Simulator;
  let dir: string;
  let merged: Ledger;
  let single: Ledger;
  let shardLedgers: Ledger[];
  let shardRuns: Shell[];
  let shardStats: ReturnType<Simulator['stats']>;
  let mergeRun: Shell;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: Number(TIME_SCALE), concurrency: 4, apiKey: KEY });
    dir = await makeTempDir('shards');
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests/m.yaml'), MANIFEST);
    const env = { DMXAPI_API_KEY: KEY, MANIFEST: 'manifests/m.yaml' };
    const extra = ` --base-url ${sim.url} --time-scale ${TIME_SCALE} --log-level warn`;

    // Each CI job has its own summary file (GITHUB_STEP_SUMMARY); run and merge append to it.
    const summary = (name: string) => ({ GITHUB_STEP_SUMMARY: join(dir, `summary-${name}.md`) });
    shardRuns = await Promise.all(shards.map((k) => shell(expandExpressions(runLine, { 'matrix.shard': k }) + extra, dir, { ...env, ...summary(k) })));
    shardStats = sim.stats();
    // download-artifact@v4 with `pattern: shard-*` and `path: shards` puts each artifact in shards/<name>/.
    await mkdir(join(dir, 'shards'));
    shardLedgers = [];
    for (const k of shards) {
      shardLedgers.push(await readLedger(join(dir, `output/shard-${k}`)));
      await rename(join(dir, `output/shard-${k}`), join(dir, `shards/shard-${k}`));
    }
    mergeRun = await shell(mergeLine, dir, summary('merge'));
    merged = await readLedger(join(dir, 'output/merged'));

    sim.reset();
    const one = await shell(`npx paiwo-batch run manifests/m.yaml --out output/single${extra}`, dir, env);
    expect(one.stderr).not.toMatch(/internal error/);
    expect(one.code).toBe(0);
    single = await readLedger(join(dir, 'output/single'));
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await removeTempDir(dir);
  });

  it('every shard process succeeds and writes its own ledger; shards are disjoint and cover the plan', () => {
    for (const r of shardRuns) expect(r.code, r.stderr).toBe(0);
    const ids = shardLedgers.flatMap((l) => l.jobs.map((j) => j.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(24);
    expect(shardLedgers.filter((l) => l.jobs.length > 0).length).toBeGreaterThan(1);
  });

  it('the account saw each job submitted exactly once, within its concurrency limit', () => {
    expect(shardStats.submits.accepted).toBe(24);
    expect(shardStats.submits.duplicate_bodies).toBe(0);
    expect(shardStats.concurrency.peak).toBeLessThanOrEqual(4);
    expect(new Set(shardStats.videos.map((v) => v.body_sha256)).size).toBe(24);
  });

  it('the merged ledger equals the single-process run: same job ids and requests, no job twice', () => {
    expect(mergeRun.code, mergeRun.stderr).toBe(0);
    const mergedIds = merged.jobs.map((j) => j.id);
    expect(new Set(mergedIds).size).toBe(mergedIds.length);
    expect([...mergedIds].sort()).toEqual(single.jobs.map((j) => j.id).sort());
    const byId = new Map(single.jobs.map((j) => [j.id, j]));
    for (const job of merged.jobs) {
      expect(canonicalRequest(job.request)).toBe(canonicalRequest(byId.get(job.id)?.request));
      expect(job.file).toBe(byId.get(job.id)?.file);
    }
    expect(merged.totals.by_status.succeeded).toBe(24);
    expect(merged.totals.credits_spent).toBe(single.totals.credits_spent);
  });

  it('each shard job and the merge job write a Markdown summary for their GitHub page', async () => {
    for (const [k, ledger] of shards.map((k, i) => [k, shardLedgers[i]!] as const)) {
      const text = await readFile(join(dir, `summary-${k}.md`), 'utf8');
      expect(text).toContain('## paiwo-batch run');
      expect(text).toContain(`| succeeded | ${ledger.jobs.length} |`);
    }
    const merged = await readFile(join(dir, 'summary-merge.md'), 'utf8');
    expect(merged).toContain('## paiwo-batch merge');
    expect(merged).toContain('| succeeded | 24 |');
  });

  it('the merged folder holds every video and one report', async () => {
    for (const job of merged.jobs) expect((await stat(join(dir, 'output/merged', job.file))).size).toBe(job.bytes);
    const files = await readdir(join(dir, 'output/merged'));
    expect(files).toContain('report.html');
    expect(files.filter((f) => f.endsWith('.mp4'))).toHaveLength(24);
  });
});
