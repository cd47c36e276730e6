import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../../src/display/format-summary.js';
import { summarizeRun } from '../../src/scheduler/run-summary.js';
import { demoLedger } from '../fixtures/ledgers/make-ledger.js';

describe('the summary at the end of a run', () => {
  it('names failed and unresolved takes by their file (and job id), in the ledger\'s status words', () => {
    const outDir = join(process.cwd(), 'output', 'demo');
    const { jobs } = demoLedger({ 1: 'failed', 2: 'moderated', 5: 'unknown', 6: 'skipped' });
    const summary = summarizeRun({
      targets: [{ outDir, jobs, allJobs: jobs, spentAtStart: 0, maxCredits: undefined, budget: null }],
      stopped: [],
      reports: [join(outDir, 'report.html')],
      durationMs: 3_800,
    });
    const text = formatRunSummary(summary);
    expect(text).toContain('paiwo-batch run: 8 jobs — 4 succeeded, 1 failed, 1 moderated, 1 unknown, 1 skipped (3.8 s)');
    expect(text).toContain(`  output/demo/cat_16x9_540p_5s_seed2.mp4  failed  8: generation failed on the provider side  (job job1)`);
    expect(text).toContain(`  output/demo/cat_9x16_540p_5s_seed1.mp4  moderated  7: rejected by content moderation  (job job2)`);
    expect(text).toMatch(/^ {2}output\/demo\/fox_16x9_540p_5s_seed2\.mp4 {2}unknown {2}— the submit's outcome is unknown/m);
    expect(text).toMatch(/^ {2}output\/demo\/fox_9x16_540p_5s_seed1\.mp4 {2}skipped {2}— /m);
    expect(text).not.toMatch(/\bheld\b/);
  });
});
