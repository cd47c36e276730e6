import { describe, expect } from 'vitest';
import { openLedger } from '../../src/ledger/store.js';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { etaMs, progressReader } from '../../src/scheduler/progress-counts.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

describe('progress counts', () => {
  it('reads the ledger, and counts a generated job that is downloading as downloading, not generating', async () => {
    const store = await openLedger(dir);
    const statuses = ['succeeded', 'submitted', 'submitted', 'submitted', 'submitting', 'failed', 'moderated', 'unknown', 'skipped', 'pending'] as const;
    const ids = statuses.map((_, i) => `j${i}`);
    for (const [i, status] of statuses.entries()) {
      await store.put(makePendingLedgerJob(ids[i]!, { status, credits: status === 'pending' ? null : 35, credits_refunded: status === 'moderated' ? 35 : 0 }));
    }
    let downloading = 0; // what the scheduler's download queue holds (queued + running)
    const read = progressReader([{ store, ids }], () => downloading);

    expect(read()).toMatchObject({ total: 10, succeeded: 1, generating: 4, downloading: 0, failed: 1, moderated: 1, unknown: 1, skipped: 1, creditsSpent: 35 * 9 - 35 });
    downloading = 2; // two of the three submitted ones are generated and being saved
    expect(read()).toMatchObject({ generating: 2, downloading: 2 });
    downloading = 9; // never more than the jobs that are submitted or submitting
    expect(read()).toMatchObject({ generating: 0, downloading: 4 });
    await store.close();
  });

  it('gives an ETA before anything finished from the typical generation time over the slots, then from the run\'s pace', async () => {
    const store = await openLedger(dir);
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) await store.put(makePendingLedgerJob(id, { status: 'pending', credits: null }));
    const read = progressReader([{ store, ids }], () => 0, { slots: 2, timeScale: 0.5 });
    const perJob = expectedGenerationMs(store.job('a')!.request);
    const before = read();
    expect(before.expectedRemainingMs).toBeCloseTo((4 * perJob * 0.5) / 2);
    expect(etaMs(before, 1_000)).toBeCloseTo((4 * perJob * 0.5) / 2);
    await store.update('a', { status: 'succeeded' });
    await store.update('b', { status: 'unknown' });
    const after = read();
    expect(after.finishedThisRun).toBe(2);
    expect(etaMs(after, 10_000)).toBe(10_000); // 2 left at the pace of 2 in 10 s
    for (const id of ['c', 'd']) await store.update(id, { status: 'skipped' });
    expect(etaMs(read(), 12_000)).toBe(0);
    expect(progressReader([{ store, ids }])().expectedRemainingMs).toBeNull();
    await store.close();
  });
});
