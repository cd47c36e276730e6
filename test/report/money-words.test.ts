import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../../src/display/format-summary.js';
import { summarizeRun } from '../../src/scheduler/run-summary.js';
import { formatStatus } from '../../src/commands/status.js';
import { formatStatusMarkdown, summarizeLedger } from '../../src/report/status.js';
import { reportPageText } from '../../src/report/html.js';
import { formatNumber } from '../../src/util/format-number.js';
import type { Ledger } from '../../src/ledger/types.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';

/** 875 takes of 80 credits: 70,000 credits, against the simulator (a rehearsal) or the real service. */
function ledgerOf(service: string): Ledger {
  const jobs = Array.from({ length: 875 }, (_, i) => makeLedgerJob({ id: `j${i}` }));
  return { ...makeLedger(jobs), service };
}

describe('money words: a rehearsal says "simulated credits", and numbers are written one way (70,000)', () => {
  it('formats numbers with thousands separators', () => {
    expect([formatNumber(0), formatNumber(999), formatNumber(70000), formatNumber(1234567), formatNumber(-4500), formatNumber(2.5)]).toEqual(['0', '999', '70,000', '1,234,567', '-4,500', '2.5']);
  });

  it('the report of a rehearsal: the banner and the chips agree that its credits are simulated', () => {
    const page = [...reportPageText(ledgerOf('simulator'))].join('');
    expect(page).toContain('<dt>simulated credits spent</dt><dd data-total="credits_spent">70,000</dd>');
    expect(page).toContain('its credits are simulated');
    expect(page).not.toContain('no credits were spent');
    expect(page).toContain('<dd data-total="succeeded">875</dd>');
    const real = [...reportPageText(ledgerOf('https://www.dmxapi.cn'))].join('');
    expect(real).toContain('<dt>credits spent</dt><dd data-total="credits_spent">70,000</dd>');
    expect(real.split('<script')[0]).not.toContain('simulated');
  });

  it('status of a rehearsal folder says simulated credits, with 70,000', () => {
    const text = formatStatus(summarizeLedger('out', ledgerOf('simulator')));
    expect(text).toContain('simulated credits: 70,000 spent, 0 refunded, 70,000 net');
    expect(formatStatus(summarizeLedger('out', ledgerOf('https://www.dmxapi.cn')))).toMatch(/^credits: 70,000 spent/m);
    expect(text).toContain('out: 875 jobs (875 succeeded)');
    expect(formatStatusMarkdown(summarizeLedger('out', ledgerOf('simulator')), 'sweep')).toContain('**Simulated credits:** 70,000 spent, 0 refunded.');
  });

  it('the run summary of a rehearsal says simulated credits, with 70,000', () => {
    const outDir = join(process.cwd(), 'output', 'sweep');
    const { jobs } = ledgerOf('simulator');
    const base = summarizeRun({ targets: [{ outDir, jobs, allJobs: jobs, spentAtStart: 0, maxCredits: undefined, budget: null }], stopped: [], reports: [], durationMs: 1000 });
    expect(formatRunSummary({ ...base, service: 'simulator' })).toContain('simulated credits: 70,000 spent in this folder (70,000 in this run), 0 refunded');
    expect(formatRunSummary({ ...base, service: 'https://www.dmxapi.cn' })).toMatch(/^credits: 70,000 spent in this folder/m);
  });
});
