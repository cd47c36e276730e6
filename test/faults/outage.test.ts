import { describe, expect, it } from 'vitest';
import { expectSafeEnd, manifestOf, runAgainstSimulator, statusCounts } from './fault-run.js';

/** n distinct prompts (one job each). */
const prompts = (n: number) => Array.from({ length: n }, (_, i) => `a lighthouse at dusk, take ${i + 1}`);

describe.concurrent('outages (issue 21): pause, probe with free calls, resume', () => {
  it('a 20 s gateway outage after 10 of 60 jobs (limit 4, time-scale 0.02): ≤ 4 unknown, ≤ 8 submits into it, every other job succeeds', async () => {
    const o = await runAgainstSimulator({
      sim: { timeScale: 0.02, concurrency: 4, faults: 'outage@after=10&for=20s' },
      manifest: manifestOf(prompts(60), { concurrency: 4 }),
      args: ['--time-scale', '0.02'],
      timeoutMs: 150_000,
    });
    try {
      const counts = statusCounts(o.ledger.jobs);
      const unknown = counts.unknown ?? 0;
      expect(unknown, o.stderr.slice(-2000)).toBeLessThanOrEqual(4);
      expect(counts.succeeded).toBe(60 - unknown);
      expect(o.stats.outage_requests.submit).toBeLessThanOrEqual(8);
      expect(o.stats.faults.outage).toBeGreaterThan(0);
      expect(o.code).toBe(unknown > 0 ? 6 : 0);
      // The run saw it, probed, and resumed.
      expect(o.summary.outages.length).toBeGreaterThanOrEqual(1);
      expect(o.summary.outages[0]!.ended).toBe('recovered');
      expect(o.summary.outages[0]!.probes).toBeGreaterThan(0);
      expect(o.summary.stopped).toEqual([]);
      await expectSafeEnd(o);
    } finally {
      await o.close();
    }
  }, 180_000);

  it('an outage longer than --outage-wait: exit 6, the jobs never sent stay pending (never unknown), nothing more is sent', async () => {
    const o = await runAgainstSimulator({
      sim: { concurrency: 2, faults: 'outage@after=2' },
      manifest: manifestOf(prompts(8), { concurrency: 2 }),
      // 60 s × 0.01: the run gives up after 0.6 s of outage.
      args: ['--outage-wait', '60'],
    });
    try {
      expect(o.code, o.stderr.slice(-2000)).toBe(6);
      const counts = statusCounts(o.ledger.jobs);
      expect(counts.unknown ?? 0).toBeLessThanOrEqual(2);
      expect(counts.pending).toBe(8 - (counts.succeeded ?? 0) - (counts.submitted ?? 0) - (counts.unknown ?? 0));
      expect(counts.pending).toBeGreaterThanOrEqual(4);
      expect(o.stats.outage_requests.submit).toBeLessThanOrEqual(2);
      expect(o.summary.stopped).toContain('outage');
      expect(o.summary.outages.map((x) => x.ended)).toEqual(['gave-up']);
      const pending = o.summary.unresolved.filter((j) => j.status === 'pending');
      expect(pending.every((j) => /outage_wait/.test(j.what_to_do))).toBe(true);
      expect(o.stderr).toMatch(/service unreachable from .*outlasted outage_wait/);
      await expectSafeEnd(o);
      // Once the service is back, a rerun sends exactly the jobs never sent.
      o.sim.setFaults('');
      const rerun = await o.again();
      expect(statusCounts(rerun.ledger.jobs).pending ?? 0).toBe(0);
      expect(rerun.stats.submits.duplicate_bodies).toBe(0);
    } finally {
      await o.close();
    }
  });

  it('videos already generating are polled through an outage of the fetches, not abandoned when their retries run out', async () => {
    const o = await runAgainstSimulator({
      // Every fetch fails for 1.5 s once the three submits are in; with one retry per call a poller alone gives up.
      sim: { faults: 'outage/fetch@after=3&for=1500ms' },
      manifest: manifestOf(prompts(3), { concurrency: 3 }),
      args: ['--retries', '1'],
    });
    try {
      expect(o.code, o.stderr.slice(-2000)).toBe(0);
      expect(statusCounts(o.ledger.jobs)).toEqual({ succeeded: 3 });
      expect(o.stats.faults.outage).toBeGreaterThan(0);
      expect(o.summary.outages.length).toBeGreaterThanOrEqual(1);
      await expectSafeEnd(o);
    } finally {
      await o.close();
    }
  });

  it('a gateway that answers free calls while every submit fails: a few canaries, then submitting stops (exit 6), the rest pending', async () => {
    const o = await runAgainstSimulator({
      sim: { concurrency: 2, faults: 'outage/submit@after=2' },
      manifest: manifestOf(prompts(12), { concurrency: 2 }),
    });
    try {
      expect(o.code, o.stderr.slice(-2000)).toBe(6);
      const counts = statusCounts(o.ledger.jobs);
      // What was on the wire when it began (≤ the concurrency), then one canary after each recovery (3).
      expect(counts.unknown ?? 0).toBeLessThanOrEqual(2 + 3);
      expect(o.stats.outage_requests.submit).toBeLessThanOrEqual(2 + 3);
      expect(counts.pending).toBeGreaterThanOrEqual(12 - 2 - 5);
      expect(o.summary.stopped).toContain('outage');
      expect(o.summary.outages.at(-1)).toMatchObject({ ended: 'gave-up', why: expect.stringMatching(/submits kept failing .* although the gateway answered free calls/) });
      await expectSafeEnd(o);
    } finally {
      await o.close();
    }
  });

  it('a lone poller with no retries left is not abandoned: the gateway is probed and the video asked for again', async () => {
    const o = await runAgainstSimulator({
      sim: { faults: 'outage/fetch@after=1&for=1s' },
      manifest: manifestOf(prompts(1), { concurrency: 1 }),
      args: ['--retries', '0'],
    });
    try {
      expect(o.code, o.stderr.slice(-2000)).toBe(0);
      expect(statusCounts(o.ledger.jobs)).toEqual({ succeeded: 1 });
      expect(o.stats.faults.outage).toBeGreaterThan(0);
      await expectSafeEnd(o);
    } finally {
      await o.close();
    }
  });
});

describe.concurrent('the failure-rate breaker (issue 21)', () => {
  it('a service failing every job: submits stop by the 20th of 60, exit 5, naming the common error', async () => {
    const o = await runAgainstSimulator({
      sim: { concurrency: 4, faults: 'fail-every-job' },
      manifest: manifestOf(prompts(60), { concurrency: 4 }),
    });
    try {
      expect(o.code, o.stderr.slice(-2000)).toBe(5);
      expect(o.stats.submits.accepted).toBeLessThanOrEqual(20);
      expect(o.summary.stopped).toContain('failure-rate');
      expect(o.summary.breaker?.kind).toBe('failed');
      expect(o.summary.breaker?.common_error?.code).toBe('STATUS_8');
      expect(o.stderr).toMatch(/stopped submitting: \d+ of the last \d+ finished jobs failed .*STATUS_8/);
      const counts = statusCounts(o.ledger.jobs);
      expect(counts.pending).toBe(60 - o.stats.submits.accepted);
      await expectSafeEnd(o);
    } finally {
      await o.close();
    }
  });

  it('without the breaker (--no-failure-breaker) every job is paid for', async () => {
    const o = await runAgainstSimulator({
      sim: { concurrency: 4, faults: 'fail-every-job' },
      manifest: manifestOf(prompts(24), { concurrency: 4 }),
      args: ['--no-failure-breaker'],
    });
    try {
      expect(o.code).toBe(5);
      expect(o.stats.submits.accepted).toBe(24);
      expect(o.summary.breaker).toBeNull();
    } finally {
      await o.close();
    }
  });

  it('a run of moderated prompts is stopped the same way (counted apart: refunded)', async () => {
    const o = await runAgainstSimulator({
      sim: { concurrency: 2 },
      manifest: manifestOf(
        prompts(30).map((p) => `${p}, forbidden`),
        { concurrency: 2, failure_breaker: { min_finished: 4, window: 10, rate: 0.8 } },
      ),
    });
    try {
      expect(o.code, o.stderr.slice(-2000)).toBe(5);
      expect(o.stats.submits.accepted).toBeLessThanOrEqual(8);
      expect(o.summary.breaker?.kind).toBe('moderated');
      expect(o.summary.breaker?.common_error?.code).toBe('STATUS_7');
      await expectSafeEnd(o);
    } finally {
      await o.close();
    }
  });
});
