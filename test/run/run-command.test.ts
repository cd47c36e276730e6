import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { readLedgerFile, runInProcess, eachTestInProject, TS, writeManifest } from './run-helpers.js';

let dir: string;
let sim: Simulator;

eachTestInProject((d) => (dir = d), () => sim);

const start = async (options: Parameters<typeof startSimulator>[0] = {}) => {
  sim = await startSimulator({ timeScale: TS, ...options });
  return sim;
};

describe('run (in process, against the simulator)', () => {
  it('saves every video, writes the ledger with exact big ids, and prints a --json summary', async () => {
    await start({ bigIds: true });
    const file = await writeManifest(dir, ['a cat', 'a dog'], [0, 7]);
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, json: true });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      exit_code: 0,
      out_dirs: [join(dir, 'output/t')],
      total_jobs: 4,
      credits_spent: 140,
      credits_refunded: 0,
      unresolved: [],
      failed: [],
      budget_shortfall: null,
    });
    expect(summary.jobs.succeeded).toBe(4);
    expect(typeof summary.duration_ms).toBe('number');
    const text = await readFile(join(dir, 'output/t/ledger.json'), 'utf8');
    const ledger = JSON.parse(text);
    const videos = new Map(sim.stats().videos.map((v) => [v.id, v]));
    for (const job of ledger.jobs) {
      expect(typeof job.video_id).toBe('string');
      expect(text).toContain(`"video_id":"${job.video_id}"`); // a string in the file, never a number
      const v = videos.get(job.video_id)!;
      const bytes = await readFile(join(dir, 'output/t', job.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(v.sha256);
      expect(job.sha256).toBe(v.sha256);
      expect(job.seed).toBe(v.seed);
      if (job.seed_requested === 0) expect(job.seed).not.toBe(0);
      else expect(job.seed).toBe(job.seed_requested);
    }
    expect(ledger.totals.by_status.succeeded).toBe(4);
    const report = await readFile(join(dir, 'output/t/report.html'), 'utf8');
    for (const job of ledger.jobs) expect(report).toContain(job.video_id!);
  });

  it('resumes: a second run sends nothing; an edited manifest runs only the new job; a lost file is downloaded again', async () => {
    await start();
    const file = await writeManifest(dir, ['a cat', 'a dog']);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url })).code).toBe(0);
    const first = sim.stats();
    const again = await runInProcess(dir, [file], { baseUrl: sim.url });
    expect(again.code).toBe(0);
    const second = sim.stats();
    expect([second.submits.accepted, second.fetches, second.media.requests]).toEqual([first.submits.accepted, first.fetches, first.media.requests]);

    await writeManifest(dir, ['a cat', 'a dog', 'a bird']);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url })).code).toBe(0);
    const third = sim.stats();
    expect(third.submits.accepted).toBe(3);
    expect((third.videos.at(-1)!.request as { input: string }).input).toBe('a bird');

    const ledger = await readLedgerFile(dir);
    const cat = ledger.jobs.find((j) => j.request.input === 'a cat')!;
    await writeFile(join(dir, 'output/t', cat.file), 'short');
    expect((await runInProcess(dir, [file], { baseUrl: sim.url })).code).toBe(0);
    const fourth = sim.stats();
    expect(fourth.submits.accepted).toBe(3); // fetched and downloaded again, not resubmitted
    expect(fourth.media.requests).toBe(third.media.requests + 1);
    expect((await stat(join(dir, 'output/t', cat.file))).size).toBe(cat.bytes);
    expect(fourth.submits.duplicate_bodies).toBe(0);
  });

  it('skips what the budget cannot pay, says by how much, and exits 4; a later run with more budget finishes', async () => {
    await start();
    const file = await writeManifest(dir, ['p1', 'p2', 'p3', 'p4'], [1], 'run:\n  concurrency: 1\n  max_credits: 70\n');
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, json: true });
    expect(r.code).toBe(4);
    const summary = JSON.parse(r.stdout);
    expect(summary.jobs).toMatchObject({ succeeded: 2, skipped: 2 });
    expect(summary.budget_shortfall).toBe(70);
    expect(summary.unresolved.filter((u: { status: string }) => u.status === 'skipped')).toHaveLength(2);
    expect(r.stderr).toContain('70 more credits');
    expect(sim.stats().submits.accepted).toBe(2);
    const more = await runInProcess(dir, [file], { baseUrl: sim.url, maxCredits: 140 });
    expect(more.code).toBe(0);
    expect(sim.stats().submits.accepted).toBe(4);
  });

  it('stops submitting at 500090 mid-run (exit 4) and at an account refusal (exit 3)', async () => {
    await start({ balance: 35 * 3 });
    const file = await writeManifest(dir, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'], [1], 'run:\n  concurrency: 1\n');
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, json: true });
    expect(r.code).toBe(4);
    const s = sim.stats();
    expect(s.submits.accepted).toBe(3);
    expect(s.submits.rejected).toBe(1); // the 500090, and nothing after it
    const summary = JSON.parse(r.stdout);
    expect(summary.jobs).toMatchObject({ succeeded: 3, skipped: 1, pending: 2 });
    expect(summary.stopped).toEqual(['insufficient-balance']);
    // Every job left over says what to do about the cause, not just "rerun".
    const todo = summary.unresolved.map((j: { status: string; what_to_do: string }) => `${j.status}: ${j.what_to_do}`);
    expect(todo).toHaveLength(3);
    for (const line of todo) expect(line).toContain('top up the account');

    sim.setFaults('401');
    const refused = await runInProcess(dir, [file], { baseUrl: sim.url });
    expect(refused.code).toBe(3);
    expect(sim.stats().submits.accepted).toBe(3);
  });

  it('holds an unknown outcome (exit 6), does not resubmit it on a rerun, and resubmits it only with --resubmit-unknown', async () => {
    await start({ faults: '504-after-charge@first=1' });
    const file = await writeManifest(dir, ['p1', 'p2']);
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, json: true });
    expect(r.code).toBe(6);
    const summary = JSON.parse(r.stdout);
    expect(summary.unresolved).toHaveLength(1);
    expect(summary.unresolved[0]).toMatchObject({ status: 'unknown', video_id: null });
    expect(summary.unresolved[0].what_to_do).toContain('--resubmit-unknown');
    expect(sim.stats().submits.accepted).toBe(2);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url })).code).toBe(6);
    expect(sim.stats().submits.accepted).toBe(2);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url, resubmitUnknown: true })).code).toBe(0);
    const s = sim.stats();
    expect(s.submits.accepted).toBe(3);
    expect(s.submits.duplicate_bodies).toBe(1); // the user chose to pay that risk
    const ledger = await readLedgerFile(dir);
    expect(ledger.jobs.every((j) => j.status === 'succeeded')).toBe(true);
    expect(ledger.jobs.map((j) => j.attempts).sort()).toEqual([1, 2]);
  });

  it('records moderation with its refund (exit 5) and never retries it', async () => {
    await start();
    const file = await writeManifest(dir, ['something forbidden', 'fine']);
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, json: true });
    expect(r.code).toBe(5);
    const summary = JSON.parse(r.stdout);
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]).toMatchObject({ status: 'moderated', error: { code: 'STATUS_7' } });
    expect(summary.credits_refunded).toBe(35);
    expect(sim.stats().credits.refunded).toBe(35);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url, retryFailed: true })).code).toBe(5);
    expect(sim.stats().submits.accepted).toBe(2);
  });

  it('marks status 8 failed (exit 5) and reruns it only with --retry-failed, adding up the credits', async () => {
    await start({ faults: 'fail-generation@first=1' });
    const file = await writeManifest(dir, ['p1']);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url })).code).toBe(5);
    expect((await readLedgerFile(dir)).jobs[0]).toMatchObject({ status: 'failed', error: { code: 'STATUS_8' } });
    expect((await runInProcess(dir, [file], { baseUrl: sim.url })).code).toBe(5);
    expect(sim.stats().submits.accepted).toBe(1);
    expect((await runInProcess(dir, [file], { baseUrl: sim.url, retryFailed: true })).code).toBe(0);
    const job = (await readLedgerFile(dir)).jobs[0]!;
    expect([job.status, job.attempts, job.credits]).toEqual(['succeeded', 2, 70]);
    expect(sim.stats().submits.accepted).toBe(2);
  });

  it('retries transient refusals with backoff and still pays once', async () => {
    // Refusals on a schedule (a rate could draw none): the first two submits get 500069, every third one 429.
    await start({ faults: '500069@first=2,429@every=3,html-502/fetch:0.2,reset-before/fetch:0.1', seed: 5 });
    const file = await writeManifest(dir, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, retries: 8 });
    expect(r.code, r.stderr).toBe(0);
    const s = sim.stats();
    expect(s.submits.accepted).toBe(6);
    expect(s.submits.duplicate_bodies).toBe(0);
    expect(s.submits.rejected).toBeGreaterThanOrEqual(3);
  });

  it('appends a Markdown summary to GITHUB_STEP_SUMMARY', async () => {
    await start();
    const file = await writeManifest(dir, ['something forbidden', 'fine']);
    const summaryFile = join(dir, 'step-summary.md');
    await writeFile(summaryFile, '# earlier step\n');
    await runInProcess(dir, [file], { baseUrl: sim.url }, { GITHUB_STEP_SUMMARY: summaryFile });
    const md = await readFile(summaryFile, 'utf8');
    expect(md.startsWith('# earlier step\n')).toBe(true);
    expect(md).toContain('## paiwo-batch run — exit 5');
    expect(md).toMatch(/\| succeeded \| 1 \|/);
    expect(md).toMatch(/\| moderated \| 1 \|/);
    expect(md).toContain('STATUS_7');
    expect(md).toContain('70 spent');
  });

  it('writes each shard to its own folder', async () => {
    await start();
    const file = await writeManifest(dir, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    const a = await runInProcess(dir, [file], { baseUrl: sim.url, shard: { index: 1, count: 2 }, json: true });
    const b = await runInProcess(dir, [file], { baseUrl: sim.url, shard: { index: 2, count: 2 }, json: true });
    const [sa, sb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(sa.out_dirs).toEqual([join(dir, 'output/t/shard-1-of-2')]);
    expect(sb.out_dirs).toEqual([join(dir, 'output/t/shard-2-of-2')]);
    expect(sa.total_jobs + sb.total_jobs).toBe(6);
    expect(sim.stats().submits.accepted).toBe(6);
  });
});
