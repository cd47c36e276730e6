import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { estimateCredits } from '../../src/model/prices.js';
import { planCommand } from '../../src/commands/plan.js';
import { startSimulator } from '../../src/simulator/start-simulator.js';
import { bufferedIO } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';
import { readLedgerFile, runInProcess, writeManifest } from '../run/run-helpers.js';

/** Issue 22, item 3: `plan` counts what `run` would submit under `max_credits`, with the run's own budget. */
async function plan(dir: string): Promise<Record<string, unknown> & { jobs: { id: string; need: string }[] }> {
  const io = bufferedIO();
  expect(await planCommand(['m.yaml'], { cwd: dir, json: true }, io)).toBe(0);
  return JSON.parse(io.out());
}

describe('plan honours the budget', () => {
  it('three 35-credit jobs under max_credits 80: plan says 2 to run for 70, 1 over budget, and run does exactly that', async ({ tmp }) => {
    await writeManifest(tmp, ['a fox', 'an owl', 'a cat'], [1], 'run:\n  max_credits: 80\n');
    const before = await plan(tmp);
    expect(before).toMatchObject({ total_jobs: 3, to_run: 2, credits_to_spend: 70, over_budget: 1 });
    expect(before.jobs.map((j) => j.need)).toEqual(['submit', 'submit', 'over budget']);
    const tables = bufferedIO();
    await planCommand(['m.yaml'], { cwd: tmp }, tables);
    expect(tables.out()).toMatch(/2 to run: 70 credits to spend, .*1 over budget/);

    const sim = await startSimulator({ timeScale: 0.003, apiKey: 'sk-test-9f8e7d6c5b4a-secret' });
    try {
      const r = await runInProcess(tmp, ['m.yaml'], { baseUrl: sim.url, progress: false });
      expect(r.code, r.stderr).toBe(4); // the budget stopped it
      const ledger = await readLedgerFile(tmp);
      const submitted = ledger.jobs.filter((j) => j.attempts > 0).map((j) => j.id);
      expect(submitted).toEqual(before.jobs.filter((j) => j.need === 'submit').map((j) => j.id));
      expect(ledger.totals.credits_spent).toBe(before.credits_to_spend);
    } finally {
      await sim.close();
    }
    // After the run: the skipped job is still over budget, nothing is left to run.
    expect(await plan(tmp)).toMatchObject({ done: 2, to_run: 0, credits_to_spend: 0, over_budget: 1 });
  });

  it('mixed prices: the budget is counted in the order run submits (longest generation first), so plan names the jobs run skips', async ({ tmp }) => {
    const big = estimateCredits({ quality: '1080p', duration: 5 })!;
    await writeFile(
      join(tmp, 'm.yaml'),
      `name: t\ndefaults: { duration: 5, aspect_ratio: "16:9" }\nmatrix:\n  prompt: ["a fox"]\n  quality: ["360p", "1080p"]\nrun:\n  max_credits: ${big + 1}\n`,
    );
    const before = await plan(tmp);
    expect(before).toMatchObject({ to_run: 1, credits_to_spend: big, over_budget: 1 });
    const sim = await startSimulator({ timeScale: 0.003, apiKey: 'sk-test-9f8e7d6c5b4a-secret' });
    try {
      await runInProcess(tmp, ['m.yaml'], { baseUrl: sim.url, progress: false });
    } finally {
      await sim.close();
    }
    const ledger = await readLedgerFile(tmp);
    expect(ledger.jobs.filter((j) => j.attempts > 0).map((j) => j.id)).toEqual(before.jobs.filter((j) => j.need === 'submit').map((j) => j.id));
  });

  it('without a budget nothing is over budget', async ({ tmp }) => {
    await writeManifest(tmp, ['a fox', 'an owl', 'a cat']);
    expect(await plan(tmp)).toMatchObject({ to_run: 3, credits_to_spend: 105, over_budget: 0 });
  });
});
