import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/results/ledger-store.js';
import { progressReader } from '../../src/scheduler/progress-counts.js';
import { makeLedgerJob } from './make-job.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paiwo-progress-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('progress counts', () => {
  it('reads the ledger, and counts a generated job that is downloading as downloading, not generating', async () => {
    const store = await openLedger(dir);
    const statuses = ['succeeded', 'submitted', 'submitted', 'submitted', 'submitting', 'failed', 'moderated', 'unknown', 'skipped', 'pending'] as const;
    const ids = statuses.map((_, i) => `j${i}`);
    for (const [i, status] of statuses.entries()) {
      await store.put(makeLedgerJob(ids[i]!, { status, credits: status === 'pending' ? null : 35, credits_refunded: status === 'moderated' ? 35 : 0 }));
    }
    let downloading = 0; // what the scheduler's download queue holds (queued + running)
    const read = progressReader([{ store, ids }], () => downloading);

    expect(read()).toMatchObject({ total: 10, succeeded: 1, generating: 4, downloading: 0, failed: 2, held: 2, creditsSpent: 35 * 9 - 35 });
    downloading = 2; // two of the three submitted ones are generated and being saved
    expect(read()).toMatchObject({ generating: 2, downloading: 2 });
    downloading = 9; // never more than the jobs that are submitted or submitting
    expect(read()).toMatchObject({ generating: 0, downloading: 4 });
    await store.close();
  });
});
