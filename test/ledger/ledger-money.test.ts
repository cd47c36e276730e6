import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { attemptsOf, budgetShortfallOf, budgetSpentOf, moneyOf, unresolvedJobs } from '../../src/ledger/money.js';
import { readLedger } from '../../src/ledger/store.js';
import type { SubmitAttempt } from '../../src/ledger/types.js';
import { summarizeLedger } from '../../src/report/status.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

const attempt = (over: Partial<SubmitAttempt>): SubmitAttempt => ({
  at: '2026-12-01T00:00:00.000Z',
  outcome: 'accepted',
  video_id: '1',
  credits: 35,
  estimated_credits: 35,
  credits_refunded: 0,
  request_id: null,
  ...over,
});

describe('ledger money', () => {
  it('counts every attempt: a charged unknown stays counted after its resubmit succeeded', () => {
    const job = makePendingLedgerJob('a', { status: 'succeeded', credits: 35, submits: [attempt({ outcome: 'unknown', video_id: null, credits: null }), attempt({})] });
    expect(moneyOf([job])).toEqual({ credits_spent: 35, credits_refunded: 0, credits_unknown: 35 });
    expect(budgetSpentOf([job])).toBe(70);
  });

  it('never counts a refund above its charge, and counts a zero charge on a priced job as not known', () => {
    const moderated = makePendingLedgerJob('m', { status: 'moderated', submits: [attempt({ credits_refunded: 1_000_000 })] });
    const free = makePendingLedgerJob('z', { status: 'succeeded', submits: [attempt({ credits: 0 })] });
    expect(moneyOf([moderated, free])).toEqual({ credits_spent: 35, credits_refunded: 35, credits_unknown: 35 });
    expect(budgetSpentOf([moderated, free])).toBe(35);
  });

  it('derives the history of a ledger written before attempts were kept', () => {
    const old = makePendingLedgerJob('o', { status: 'unknown', credits: 80, credits_refunded: 0, attempts: 2 });
    delete old.submits;
    expect(attemptsOf(old).map((a) => a.outcome)).toEqual(['accepted', 'unknown']);
    expect(moneyOf([old])).toEqual({ credits_spent: 80, credits_refunded: 0, credits_unknown: 35 });
  });

  it('the shortfall is what may have been spent + the skipped estimates − the budget (100, 70 spent, 80 skipped: 50)', () => {
    const budget = { max_credits: 100, share: 100 };
    const jobs = [
      makePendingLedgerJob('a', { status: 'succeeded', budget, submits: [attempt({})] }),
      makePendingLedgerJob('b', { status: 'succeeded', budget, submits: [attempt({})] }),
      makePendingLedgerJob('c', { status: 'skipped', budget, estimated_credits: 80, error: { code: 'BUDGET', message: 'over budget' } }),
    ];
    expect(budgetShortfallOf(jobs)).toBe(50);
    expect(budgetShortfallOf(jobs, 200)).toBe(0);
    expect(budgetShortfallOf(jobs.slice(0, 2))).toBeNull();
    expect(unresolvedJobs(jobs).map((j) => j.id)).toEqual(['c']);
  });

  it('an older ledger.json without attempts still loads, and status brackets its money', async ({ tmp: dir }) => {
    const jobs = [
      makePendingLedgerJob('s', { status: 'succeeded', credits: 35, video_id: '7' }),
      makePendingLedgerJob('u', { status: 'unknown', attempts: 1 }),
      makePendingLedgerJob('m', { status: 'moderated', credits: 35, credits_refunded: 35, video_id: '8' }),
    ].map(({ submits: _s, budget: _b, ...rest }) => rest);
    const totals = { jobs: 3, by_status: {}, credits_spent: 70, credits_refunded: 35 };
    await writeFile(join(dir, 'ledger.json'), JSON.stringify({ version: 1, journal_seq: 0, jobs, totals }));
    const status = summarizeLedger(dir, await readLedger(dir));
    expect(status).toMatchObject({ credits_spent: 70, credits_refunded: 35, credits_unknown: 35, max_credits: null, budget_shortfall: 0 });
  });
});
