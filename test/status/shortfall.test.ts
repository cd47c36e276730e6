import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunSummary } from '../../src/scheduler/run-summary.js';
import type { LedgerStatus } from '../../src/report/status.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const KEY = 'sk-9Qf2Lz7Kp3Xw'; // random-looking, as real keys are: redaction removes any 8-character run of the key
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.005, apiKey: KEY });
  dir = await makeTempDir('shortfall');
});
afterAll(async () => {
  await sim?.close();
  await removeTempDir(dir);
});

const manifest = (prompts: unknown[]) =>
  stringify({
    name: 'shortfall',
    defaults: { aspect_ratio: '16:9', quality: '540p', duration: 5, generate_audio_switch: false },
    matrix: { prompt: prompts },
    run: { concurrency: 2, max_credits: 100 },
  });

it('run and status give the same budget shortfall: budget 100, 70 spent, one skipped 80-credit job → 50', async () => {
  const path = join(dir, 'm.yaml');
  const out = join(dir, 'out');
  const run = () => runCli(['run', path, '--out', out, '--base-url', sim.url, '--time-scale', '0.005', '--json', '--no-progress', '--log-level', 'warn'], { env: { DMXAPI_API_KEY: KEY }, timeoutMs: 60_000 });
  await writeFile(path, manifest(['a cat', 'a dog']));
  expect((await run()).code).toBe(0);
  await writeFile(path, manifest(['a cat', 'a dog', { text: 'a loud fox', generate_audio_switch: true }]));
  const second = await run();
  expect(second.code).toBe(4);
  const summary = JSON.parse(second.stdout) as RunSummary;
  const status = JSON.parse((await runCli(['status', out, '--json'], { timeoutMs: 60_000 })).stdout) as LedgerStatus;
  expect(summary.credits_spent).toBe(70);
  expect(summary.budget_shortfall).toBe(50);
  expect(status.budget_shortfall).toBe(50);
  expect(status.max_credits).toBe(100);
  expect((await runCli(['status', out], { timeoutMs: 60_000 })).stdout).toContain('raise max_credits by 50 credits');
}, 120_000);
