import { afterEach, describe, expect } from 'vitest';
import { ApiClient } from '../../src/api/api-client.js';
import { openLedger, readLedger } from '../../src/ledger/store.js';
import { Budget } from '../../src/scheduler/budget.js';
import { planWork } from '../../src/scheduler/plan-work.js';
import type { JobSettings, RunTarget } from '../../src/scheduler/run-context.js';
import { RunControl } from '../../src/scheduler/run-control.js';
import { downloadQueue, scheduleJobs } from '../../src/scheduler/schedule-jobs.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { silentLogger } from '../../src/util/logger.js';
import { makePlannedJob } from './make-planned-job.js';
import { it } from '../helpers/temp-dir.js';

const TS = 0.004;
const settings: JobSettings = { poll: { intervalMs: 5000, maxIntervalMs: 15000 }, jobTimeoutMs: 1_800_000, retries: 5 };
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
});

/** Resolves once `check` holds, looking after every event-loop turn (a condition, not a duration). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

describe('generation slots', () => {
  it('a slot freed by a finished job is refilled by the next submit, not held by the download', async ({ tmp: dir }) => {
    // The account allows ONE generation: a submit sent before the previous one ended would be refused (500044).
    sim = await startSimulator({ timeScale: TS, concurrency: 1 });
    const store = await openLedger(dir);
    const target: RunTarget = { outDir: dir, store, budget: new Budget(undefined, []) };
    const jobs = ['a cat', 'a dog', 'a fox', 'an owl'].map((input) => makePlannedJob({ input }));
    const items = await planWork(target, jobs.map((job) => ({ job, settings })), { retryFailed: false, resubmitUnknown: false }, silentLogger);
    const client = new ApiClient({ baseUrl: sim.url, apiKey: 'k' });
    // Downloads are held: if a download kept the generation slot, the second submit would never be sent.
    const downloads = downloadQueue();
    downloads.pause();
    const run = scheduleJobs(items, { client, control: new RunControl(), logger: silentLogger, concurrency: 1, timeScale: TS, callTimeoutMs: 10_000, downloads });
    await until(() => sim!.stats().submits.accepted === 4 && downloads.size === 4);
    const held = sim.stats();
    expect(held.media.requests).toBe(0); // nothing downloaded yet, every generation already ran
    downloads.start();
    const stats = await run;
    client.close();
    await store.close();

    const s = sim.stats();
    // Each submit came after the previous generation ended and was seen done (the order), never while it ran.
    expect(s.submits.rejected).toBe(0);
    expect(s.concurrency.peak).toBe(1);
    expect(stats.peakGenerating).toBe(1);
    for (let i = 1; i < s.videos.length; i++) {
      expect(Date.parse(s.videos[i]!.created_at)).toBeGreaterThanOrEqual(Date.parse(s.videos[i - 1]!.detected_at!));
    }
    expect((await readLedger(dir)).jobs.map((j) => j.status)).toEqual(Array(4).fill('succeeded'));
  });
});
