import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunSummary } from '../../src/scheduler/run-summary.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';
import { checkMoneyBracket } from '../../bench/lib/money-bracket.mjs';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const KEY = 'sk-shard-budget';
const TIME_SCALE = '0.005';
const BUDGET = 400;

/** 16 jobs of 35 credits (560 in all) under max_credits 400: the budget cannot take them all. */
function manifest(maxCredits: number): string {
  return stringify({
    name: 'shard-budget',
    defaults: { aspect_ratio: '16:9', quality: '360p', duration: 5, generate_audio_switch: false },
    matrix: { prompt: ['a cat', 'a dog', 'a fox', 'an owl'], seed: [1, 2, 3, 4] },
    run: { concurrency: 2, max_credits: maxCredits },
  });
}

describe('one budget across the shards of a manifest', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ timeScale: Number(TIME_SCALE), concurrency: 8, apiKey: KEY });
    dir = await makeTempDir('shard-budget');
    await writeFile(join(dir, 'm.yaml'), manifest(BUDGET));
    await writeFile(join(dir, 'fits.yaml'), manifest(560));
  });
  afterAll(async () => {
    await sim?.close();
    await removeTempDir(dir);
  });

  it('four shards on one account spend at most max_credits together; merge reports the whole spend against it', async () => {
    const shards = [1, 2, 3, 4];
    const runs = await Promise.all(
      shards.map((k) =>
        runCli(['run', join(dir, 'm.yaml'), '--shard', `${k}/4`, '--out', join(dir, `shard-${k}`), '--base-url', sim.url, '--time-scale', TIME_SCALE, '--json', '--no-progress', '--log-level', 'warn'], {
          env: { DMXAPI_API_KEY: KEY },
          timeoutMs: 120_000,
        }),
      ),
    );
    const summaries = runs.map((r) => JSON.parse(r.stdout) as RunSummary);
    const shares = summaries.map((s) => s.budgets[0]!);
    for (const b of shares) {
      expect(b.manifest_max_credits).toBe(BUDGET);
      expect(b.spent).toBeLessThanOrEqual(b.max_credits);
    }
    expect(shares.reduce((sum, b) => sum + b.max_credits, 0)).toBeLessThanOrEqual(BUDGET);
    const stats = sim.stats();
    expect(stats.credits.charged).toBeGreaterThan(0);
    expect(stats.credits.charged).toBeLessThanOrEqual(BUDGET);
    expect((await checkMoneyBracket({ outDirs: shards.map((k) => join(dir, `shard-${k}`)), stats })).problem).toBeNull();

    // plan --shard shows the same share the run used.
    for (const k of shards) {
      const plan = await runCli(['plan', join(dir, 'm.yaml'), '--shard', `${k}/4`, '--json'], { timeoutMs: 60_000 });
      expect(JSON.parse(plan.stdout).manifests[0]).toMatchObject({ max_credits: BUDGET, max_credits_share: shares[k - 1]!.max_credits });
    }

    const merge = await runCli(['merge', ...shards.map((k) => join(dir, `shard-${k}`)), '--into', join(dir, 'all')], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toContain(`budget: shard-budget: ${stats.credits.charged} of max_credits ${BUDGET}`);
  }, 180_000);

  it('when the whole manifest fits its budget, every shard gets at least what its jobs cost', async () => {
    let sum = 0;
    for (const k of [1, 2, 3, 4]) {
      const plan = await runCli(['plan', join(dir, 'fits.yaml'), '--shard', `${k}/4`, '--json'], { timeoutMs: 60_000 });
      const m = JSON.parse(plan.stdout).manifests[0];
      expect(m.max_credits_share).toBeGreaterThanOrEqual(m.estimated_credits);
      sum += m.max_credits_share;
    }
    expect(sum).toBeLessThanOrEqual(560);
    const text = await runCli(['plan', join(dir, 'fits.yaml'), '--shard', '1/4'], { timeoutMs: 60_000 });
    expect(text.stdout).toMatch(/max_credits 560, this shard's share \d+/);
  }, 60_000);
});
