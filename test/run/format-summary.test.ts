import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../../src/display/format-summary.js';
import { wrapText } from '../../src/display/wrap.js';
import { summarizeRun } from '../../src/scheduler/run-summary.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { demoLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';

function summaryOf(jobs: LedgerJob[], outDir = join(process.cwd(), 'output', 'demo'), stopped: Parameters<typeof summarizeRun>[0]['stopped'] = []) {
  return summarizeRun({
    targets: [{ outDir, jobs, allJobs: jobs, spentAtStart: 0, maxCredits: undefined, budget: null }],
    stopped,
    reports: [join(outDir, 'report.html')],
    durationMs: 3_800,
  });
}

describe('the summary at the end of a run', () => {
  it('names failed and unresolved takes by their file (and job id), in the ledger\'s status words', () => {
    const { jobs } = demoLedger({ 1: 'failed', 2: 'moderated', 5: 'unknown', 6: 'skipped' });
    const text = formatRunSummary(summaryOf(jobs));
    expect(text).toContain('paiwo-batch run: 8 jobs — 4 succeeded, 1 failed, 1 moderated, 1 unknown, 1 skipped (3.8 s)');
    expect(text).toContain(`  output/demo/cat_16x9_540p_5s_seed2.mp4  failed  8: generation failed on the provider side  (job job1)`);
    expect(text).toContain(`  output/demo/cat_9x16_540p_5s_seed1.mp4  moderated  7: rejected by content moderation  (job job2)`);
    expect(text).toMatch(/^ {2}1 unknown outcome \(may have been charged\) — .*\n {4}output\/demo\/fox_16x9_540p_5s_seed2\.mp4 {2}\(job job5\)\n {6}the submit's outcome is unknown/m);
    expect(text).toMatch(/^ {2}1 skipped by the budget — .*\n {4}output\/demo\/fox_9x16_540p_5s_seed1\.mp4 {2}\(job job6\)\n {6}skipped by the budget: raise max_credits \(or --max-credits\) by 80/m);
    expect(text).not.toMatch(/\bheld\b/);
  });

  it('groups many unresolved jobs by what to do about them: a header each and their ids, not lines per job', () => {
    const unknown = Array.from({ length: 26 }, (_, i) => makeLedgerJob({ id: `u${String(i).padStart(2, '0')}`, status: 'unknown', attempts: 1, file: `night-sweep/take-${i}.mp4` }));
    const pending = Array.from({ length: 30 }, (_, i) => makeLedgerJob({ id: `p${String(i).padStart(2, '0')}`, status: 'pending', file: `night-sweep/later-${i}.mp4` }));
    const text = formatRunSummary(summaryOf([...unknown, ...pending], join(process.cwd(), 'output', 'night-sweep'), ['interrupted']));
    const section = text.slice(text.indexOf('unresolved (56)'), text.indexOf('\nexit '));
    expect(section.trim().split('\n')).toHaveLength(5);
    expect(section).toContain('\n  30 not submitted — the run was interrupted; rerun the same command:\n    p00, p01, p02,');
    expect(section).toContain(', p19, … and 10 more (paiwo-batch status output/night-sweep)');
    expect(section).toMatch(/\n {2}26 unknown outcome \(may have been charged\) — check your DMXAPI console for them, then settle each with `paiwo-batch adopt <out> <id> <video-id>` or rerun with --resubmit-unknown \(pays again\).*:\n {4}u00, u01, /);
    expect(section).not.toContain('take-');
  });

  it('wraps to the terminal at word boundaries: at 60 columns no path or word is split, nothing is lost', () => {
    const unknown = Array.from({ length: 26 }, (_, i) => makeLedgerJob({ id: `u${i}`, status: 'unknown', attempts: 1, file: `take-${i}.mp4` }));
    const summary = summaryOf([...demoLedger({ 1: 'failed' }).jobs, ...unknown], join(process.cwd(), 'output', 'night-sweep'), ['interrupted']);
    const plain = formatRunSummary(summary);
    const wrapped = formatRunSummary(summary, 60);
    for (const line of wrapped.split('\n')) expect(stringWidth(line), line).toBeLessThanOrEqual(60);
    expect(wrapped).toContain('output/night-sweep/');
    // The same words in the same order: only line breaks (and the hanging indents) were added.
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    expect(words(wrapped)).toEqual(words(plain));
    // Pipes and logs: one line per entry.
    expect(plain.split('\n').some((l) => stringWidth(l) > 60)).toBe(true);
  });

  it('wrapText keeps a word wider than the line whole, and a double space inside a line', () => {
    expect(wrapText('  a b  c '.repeat(1) + 'x'.repeat(30), 10)).toBe(`  a b  c\n    ${'x'.repeat(30)}`);
    expect(wrapText('short', 60)).toBe('short');
    expect(wrapText('one two three', undefined)).toBe('one two three');
  });
});
