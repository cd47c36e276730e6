import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../../src/display/format-summary.js';
import { startLineProgress, startTtyProgress } from '../../src/display/progress-display.js';
import { formatStepSummary } from '../../src/display/step-summary.js';
import { emptyStatusCounts } from '../../src/ledger/money.js';
import { exitCodeOfOutcome } from '../../src/errors/run-outcome.js';
import { outcomeOf, summarizeRun } from '../../src/scheduler/run-summary.js';
import type { ProgressCounts } from '../../src/scheduler/progress-counts.js';
import { demoLedger } from '../fixtures/ledgers/make-ledger.js';

const outDir = join(process.cwd(), 'output', 'demo');

describe('what a run says of outages and of the failure-rate breaker (issue 21)', () => {
  it('the breaker ends the run with exit 5 even with jobs never sent; an outage given up with exit 6', () => {
    const counts = (c: Partial<ReturnType<typeof emptyStatusCounts>>) => ({ ...emptyStatusCounts(), ...c });
    expect(exitCodeOfOutcome(outcomeOf({ stopped: ['failure-rate'], jobs: counts({ failed: 10, pending: 46, submitted: 4 }) }))).toBe(5);
    expect(exitCodeOfOutcome(outcomeOf({ stopped: ['outage'], jobs: counts({ succeeded: 10, pending: 50 }) }))).toBe(6);
    expect(exitCodeOfOutcome(outcomeOf({ stopped: ['account-refused', 'failure-rate'], jobs: counts({ failed: 1 }) }))).toBe(3);
  });

  it('the summary, its pending jobs\' advice and the step summary tell the outage and the breaker', () => {
    const { jobs } = demoLedger({ 5: 'pending', 6: 'pending' });
    const summary = summarizeRun({
      targets: [{ outDir, jobs, allJobs: jobs, spentAtStart: 0, maxCredits: undefined, budget: null }],
      stopped: ['outage'],
      outages: [{ since: '2026-12-05T03:12:04.000Z', until: '2026-12-05T03:42:04.000Z', cause: 'submit: HTTP_502', probes: 7, unknown: 4, ended: 'gave-up' }],
      breaker: null,
      reports: [],
      durationMs: 1_000,
    });
    expect(summary.outages).toHaveLength(1);
    const text = formatRunSummary(summary);
    expect(text).toContain('service unreachable from 2026-12-05T03:12:04.000Z for 1800.0 s (submit: HTTP_502; 7 free probes); 4 submits on the wire may be unknown; it outlasted outage_wait');
    expect(summary.unresolved.filter((j) => j.status === 'pending').every((j) => j.what_to_do.includes('outage_wait'))).toBe(true);
    expect(formatStepSummary(summary)).toContain('**Outage:** service unreachable from 2026-12-05T03:12:04.000Z');
    const tripped = summarizeRun({
      targets: [{ outDir, jobs, allJobs: jobs, spentAtStart: 0, maxCredits: undefined, budget: null }],
      stopped: ['failure-rate'],
      breaker: { kind: 'failed', finished: 10, count: 10, looked_at: 10, common_error: { code: 'STATUS_8', message: 'generation failed', count: 10 }, message: 'stopped submitting: 10 of the last 10 finished jobs failed' },
      reports: [],
      durationMs: 1_000,
    });
    expect(tripped.exit_code).toBe(5);
    expect(formatRunSummary(tripped)).toContain('stopped submitting: 10 of the last 10 finished jobs failed');
    expect(formatStepSummary(tripped)).toContain('**Failure-rate breaker:** stopped submitting');
  });

  it('the piped progress line says the service is down while it is', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const counts: ProgressCounts = {
      total: 60, succeeded: 10, generating: 4, downloading: 0, failed: 0, moderated: 0, unknown: 1, skipped: 0, creditsSpent: 490,
      finishedThisRun: 11, expectedRemainingMs: null, outage: 'service unreachable since 03:12:04 — 7 probes, next in 40 s; 4 jobs on the wire may be unknown',
    };
    const display = startLineProgress(out, () => counts, 60_000);
    display.stop();
    expect(text).toContain('490 credits spent, service unreachable since 03:12:04 — 7 probes, next in 40 s; 4 jobs on the wire may be unknown');
    // On a terminal it is the live line itself, cut to the width.
    const tty = Object.assign(new PassThrough(), { columns: 60 });
    let drawn = '';
    tty.on('data', (d: Buffer) => (drawn += d.toString()));
    startTtyProgress(tty, () => counts).stop();
    expect(drawn).toContain('service unreachable since 03:12:04 — 7 probes, next in 40');
    expect(drawn).not.toContain('may be unknown');
  });
});
