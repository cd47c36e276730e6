import { describe, expect, it } from 'vitest';
import { mergeLedgers } from '../../src/commands/merge.js';
import type { Ledger, LedgerJob, SubmitAttempt } from '../../src/ledger/types.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';

const src = (dir: string, jobs: LedgerJob[]) => ({ dir, ledger: makeLedger(jobs) as Ledger });
const attempt = (at: string, outcome: SubmitAttempt['outcome'], extra: Partial<SubmitAttempt> = {}): SubmitAttempt => ({
  at,
  outcome,
  video_id: null,
  credits: null,
  estimated_credits: 35,
  credits_refunded: 0,
  request_id: null,
  ...extra,
});
const money = (l: Ledger) => [l.totals.credits_spent, l.totals.credits_refunded, l.totals.credits_unknown];
const sum = (...ls: Ledger[]) => ls.map(money).reduce((a, b) => a.map((x, i) => x + b[i]!));

describe('merge keeps every submit attempt (issue 22, item 1)', () => {
  const paid = attempt('2026-12-01T10:00:05.000Z', 'accepted', { video_id: '385043936810001', credits: 35 });
  const succeeded = makeLedgerJob({ id: 'j1', estimated_credits: 35, credits: 35, submits: [paid] });
  const held = { ...succeeded, status: 'unknown' as const, video_id: null, credits: null, sha256: null, bytes: null, seed: null, submits: [attempt('2026-12-01T09:00:00.000Z', 'unknown')] };

  it('a job succeeded in one folder and unknown in another: the merged money is the sum of the sources', () => {
    const a = makeLedger([succeeded]);
    const b = makeLedger([held]);
    for (const order of [[src('a', [succeeded]), src('b', [held])], [src('b', [held]), src('a', [succeeded])]]) {
      const merged = mergeLedgers(order).ledger;
      expect(money(merged)).toEqual(sum(a, b)); // [35, 0, 35]: the account paid 35 or 70
      expect(merged.jobs[0]?.status).toBe('succeeded');
      expect(merged.jobs[0]?.submits?.map((s) => s.outcome)).toEqual(['unknown', 'accepted']);
    }
  });

  it('an attempt seen in both folders counts once, at its furthest record; merging the merge again changes nothing', () => {
    const onTheWire = { ...held, status: 'submitting' as const, submits: [attempt(paid.at, 'submitting')] };
    const once = mergeLedgers([src('a', [succeeded]), src('b', [onTheWire])]).ledger;
    expect(money(once)).toEqual([35, 0, 0]);
    const withHeld = mergeLedgers([src('a', [succeeded]), src('b', [held])]).ledger;
    const again = mergeLedgers([src('into', withHeld.jobs as LedgerJob[]), src('a', [succeeded]), src('b', [held])]).ledger;
    expect(money(again)).toEqual(money(withHeld));
    expect(again.jobs[0]?.submits).toHaveLength(2);
  });

  it('ledgers from before attempts were kept merge their derived attempts too', () => {
    const { submits: _a, ...oldDone } = succeeded;
    const { submits: _b, ...oldHeld } = { ...held, submitted_at: '2026-12-01T09:00:00.000Z' };
    const merged = mergeLedgers([src('a', [oldDone]), src('b', [oldHeld])]).ledger;
    expect(money(merged)).toEqual(sum(makeLedger([oldDone]), makeLedger([oldHeld])));
  });
});
