import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { ApiClient } from '../../src/api/api-client.js';
import { openLedger, readLedger } from '../../src/ledger/store.js';
import { Budget } from '../../src/scheduler/budget.js';
import { planWork } from '../../src/scheduler/plan-work.js';
import type { JobSettings, RunTarget } from '../../src/scheduler/run-context.js';
import { RunControl } from '../../src/scheduler/run-control.js';
import { downloadQueue, scheduleJobs } from '../../src/scheduler/schedule-jobs.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/start-simulator.js';
import { silentLogger } from '../../src/util/logger.js';
import { it } from '../helpers/temp-dir.js';
import { makePlannedJob } from './make-planned-job.js';

const TS = 0.004;
const settings: JobSettings = { poll: { intervalMs: 5000, maxIntervalMs: 15000 }, jobTimeoutMs: 1_800_000, retries: 5 };

let dir: string;
let sim: Simulator;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});
afterEach(async () => {
  await sim?.close();
});

async function runJobs(jobs: ReturnType<typeof makePlannedJob>[], simOptions: SimulatorOptions, opts: { concurrency?: number; maxCredits?: number } = {}) {
  sim = await startSimulator({ timeScale: TS, ...simOptions });
  const store = await openLedger(dir);
  const target: RunTarget = { outDir: dir, store, budget: new Budget(opts.maxCredits) };
  const items = await planWork(target, jobs.map((job) => ({ job, settings })), { retryFailed: false, resubmitUnknown: false }, silentLogger);
  const client = new ApiClient({ baseUrl: sim.url, apiKey: 'k' });
  const control = new RunControl();
  // The queue the progress display reads: every saved video went through it, and it is empty at the end.
  const queue = downloadQueue();
  const downloads = { added: 0, peak: 0, now: () => queue.size + queue.pending };
  queue.on('add', () => {
    downloads.added++;
    downloads.peak = Math.max(downloads.peak, downloads.now());
  });
  const stats = await scheduleJobs(items, { client, control, logger: silentLogger, concurrency: opts.concurrency ?? 4, timeScale: TS, callTimeoutMs: 10_000, downloads: queue });
  client.close();
  await store.close();
  return { stats, ledger: await readLedger(dir), control, downloads };
}

describe('scheduler against the simulator', () => {
  it('submits, polls and saves every video with the fields the ledger promises', async () => {
    const jobs = [
      makePlannedJob({ input: 'a cat', seed: 0 }),
      makePlannedJob({ input: 'a dog', seed: 1234 }),
      makePlannedJob({ input: 'a fox' }),
      makePlannedJob({ input: 'a cow', quality: '720p', aspect_ratio: '9:16', generate_audio_switch: true }),
      makePlannedJob({ input: 'an owl', quality: '360p', duration: 10 }),
    ];
    const { ledger, downloads } = await runJobs(jobs, { bigIds: true });
    expect(downloads.added).toBe(5);
    expect(downloads.peak).toBeGreaterThan(0);
    expect(downloads.now()).toBe(0);
    const simVideos = new Map(sim.stats().videos.map((v) => [v.id, v]));
    expect(ledger.jobs.map((j) => j.status)).toEqual(Array(5).fill('succeeded'));
    for (const j of ledger.jobs) {
      const v = simVideos.get(j.video_id!)!;
      expect(v, j.id).toBeDefined();
      expect(BigInt(j.video_id!) > 2n ** 53n).toBe(true);
      const bytes = await readFile(join(dir, j.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(v.sha256);
      expect([j.sha256, j.bytes, j.seed, j.width, j.height, j.has_audio, j.credits]).toEqual([v.sha256, bytes.length, v.seed, v.width, v.height, v.has_audio, v.credits]);
      expect(j.attempts).toBe(1);
    }
    const cat = ledger.jobs.find((j) => j.request.input === 'a cat')!;
    expect(cat.seed_requested).toBe(0);
    expect(cat.seed).not.toBe(0);
    expect(ledger.jobs.find((j) => j.request.input === 'a dog')!.seed).toBe(1234);
    expect(ledger.jobs.find((j) => j.request.input === 'a fox')!.seed_requested).toBeNull();
    expect(sim.stats().submits.duplicate_bodies).toBe(0);
  });

  it('holds finished generations in their slots while the download backlog is full, so no more is submitted', async () => {
    sim = await startSimulator({ timeScale: TS });
    const store = await openLedger(dir);
    const target: RunTarget = { outDir: dir, store, budget: new Budget(undefined) };
    const jobs = Array.from({ length: 12 }, (_, i) => makePlannedJob({ input: `backlog ${i}` }));
    const items = await planWork(target, jobs.map((job) => ({ job, settings })), { retryFailed: false, resubmitUnknown: false }, silentLogger);
    const client = new ApiClient({ baseUrl: sim.url, apiKey: 'k' });
    const queue = downloadQueue();
    queue.pause(); // downloads stalled: the backlog (2) fills, then the 3 slots hold finished generations
    let waitingPeak = 0;
    queue.on('add', () => (waitingPeak = Math.max(waitingPeak, queue.size)));
    const run = scheduleJobs(items, { client, control: new RunControl(), logger: silentLogger, concurrency: 3, downloadBacklog: 2, timeScale: TS, callTimeoutMs: 10_000, downloads: queue });
    await expect.poll(() => sim.stats().videos.filter((v) => v.finished_at).length, { timeout: 20_000 }).toBe(5);
    await new Promise((r) => setTimeout(r, 1000)); // generations take ~0.25 s here: unbounded, more would be sent
    expect(sim.stats().submits.accepted).toBe(5);
    queue.start();
    await run;
    client.close();
    await store.close();
    expect(waitingPeak).toBe(2);
    expect((await readLedger(dir)).jobs.every((j) => j.status === 'succeeded')).toBe(true);
    expect(sim.stats().submits.accepted).toBe(12);
  });

  it('settles at the account limit on 500044 without failing or paying twice', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => makePlannedJob({ input: `job ${i}` }));
    const { ledger, stats } = await runJobs(jobs, { concurrency: 2 }, { concurrency: 6 });
    expect(ledger.jobs.every((j) => j.status === 'succeeded')).toBe(true);
    const s = sim.stats();
    expect(s.concurrency.peak).toBe(2);
    expect(s.submits.accepted).toBe(12);
    expect(s.submits.duplicate_bodies).toBe(0);
    expect(stats.throttles).toBeGreaterThan(0);
  });

  it('holds a submit with an unknown outcome and never resubmits it', async () => {
    const jobs = [makePlannedJob({ input: 'x1' }), makePlannedJob({ input: 'x2' })];
    const { ledger } = await runJobs(jobs, { faults: '504-after-charge@first=1' });
    const statuses = ledger.jobs.map((j) => j.status).sort();
    expect(statuses).toEqual(['succeeded', 'unknown']);
    const unknown = ledger.jobs.find((j) => j.status === 'unknown')!;
    expect(unknown.error?.code).toBe('HTTP_504');
    expect(unknown.attempts).toBe(1);
    expect(sim.stats().submits.accepted).toBe(2); // charged on the service, held by us
  });

  it('records moderation: status 7 with its refund, and a 500054 refusal at submit with no charge', async () => {
    const jobs = [makePlannedJob({ input: 'something forbidden' }), makePlannedJob({ input: 'fine one' }), makePlannedJob({ input: 'prohibited words' })];
    const { ledger } = await runJobs(jobs, { failureRate: 0 });
    const by = (p: string) => ledger.jobs.find((j) => j.request.input === p)!;
    expect([by('something forbidden').status, by('something forbidden').credits_refunded]).toEqual(['moderated', 35]);
    expect(by('prohibited words').status).toBe('moderated');
    expect(by('prohibited words').credits).toBeNull();
    expect(by('fine one').status).toBe('succeeded');
    expect(ledger.totals.credits_refunded).toBe(35);
  });

  it('skips jobs that do not fit max_credits', async () => {
    const jobs = [makePlannedJob({ input: 'b1' }), makePlannedJob({ input: 'b2' }), makePlannedJob({ input: 'b3' })];
    const { ledger } = await runJobs(jobs, {}, { maxCredits: 70, concurrency: 1 });
    expect(ledger.jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'skipped']);
    expect(ledger.jobs[2]!.error?.code).toBe('BUDGET');
    expect(sim.stats().submits.accepted).toBe(2);
  });
});
