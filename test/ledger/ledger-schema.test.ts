import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { attemptsOf } from '../../src/ledger/money.js';
import { ledgerEventSchema, ledgerJobSchema, ledgerSchema } from '../../src/ledger/schema.js';
import { JOURNAL_FILE, LEDGER_FILE, openLedger, readLedger } from '../../src/ledger/store.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

/** A job as the first ledgers wrote it: no attempt history, no budget, no promoted_from. */
function firstFormatJob(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const { submits: _s, budget: _b, ...job } = makePendingLedgerJob(id);
  return { ...job, ...fields };
}

describe('reading a ledger through the schema', () => {
  it('gives an older-format ledger the defaults it lacks (journal_seq, budget) and derives its attempts', async () => {
    const jobs = [firstFormatJob('s', { status: 'succeeded', credits: 35, video_id: '7' }), firstFormatJob('u', { status: 'unknown', attempts: 1 })];
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, jobs, totals: { jobs: 2 } }));
    const ledger = await readLedger(dir);
    expect(ledger.journal_seq).toBe(0);
    expect(ledger.service).toBeUndefined();
    expect(ledger.jobs.map((j) => [j.budget, j.submits, j.promoted_from])).toEqual([
      [null, undefined, undefined],
      [null, undefined, undefined],
    ]);
    expect(ledger.jobs.map((j) => attemptsOf(j).map((a) => a.outcome))).toEqual([['accepted'], ['unknown']]);
    expect(ledger.totals).toMatchObject({ jobs: 2, credits_spent: 35, credits_unknown: 35 });
    // What the zod schema itself makes of the same file: the reader's defaults are the schema's.
    const parsed = ledgerSchema.omit({ totals: true }).parse({ version: 1, jobs });
    expect(parsed.journal_seq).toBe(0);
    expect(parsed.jobs.map((j) => j.budget)).toEqual([null, null]);
  });

  it('keeps fields the schema does not name (a newer additive field survives a rewrite)', async () => {
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 0, jobs: [firstFormatJob('a', { note_from_newer: { x: 1 } })], totals: {} }));
    const store = await openLedger(dir);
    await store.update('a', { seed: 5 });
    await store.close();
    const file = JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8'));
    expect(file.jobs[0]).toMatchObject({ note_from_newer: { x: 1 }, seed: 5, budget: null });
  });

  it('refuses a newer version with the same clear error as before', async () => {
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 2, jobs: [], totals: {} }));
    await expect(readLedger(dir)).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', exitCode: 2, message: expect.stringMatching(/ledger\.json is not a version 1 paiwo-batch ledger$/) });
  });

  it('refuses a damaged job, saying which field of which job', async () => {
    const jobs = [makePendingLedgerJob('a'), makePendingLedgerJob('b', { status: 'done' as never })];
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 0, jobs, totals: {} }));
    const error = await readLedger(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LEDGER_CORRUPT', exitCode: 2 });
    expect((error as Error).message).toMatch(/ledger\.json is damaged: jobs\[1\]\.status \(job "b"\): Invalid option: expected one of "pending"\|/);
  });

  it('a set event does not reset the fields it does not name to their defaults', async () => {
    const a = makePendingLedgerJob('a', { budget: { max_credits: 100, share: 50 } });
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 0, jobs: [a], totals: {} }));
    await writeFile(join(dir, JOURNAL_FILE), `${JSON.stringify({ s: 1, t: 'set', id: 'a', p: { seed: 3 } })}\n`);
    const [job] = (await readLedger(dir)).jobs;
    expect([job!.seed, job!.budget]).toEqual([3, { max_credits: 100, share: 50 }]);
  });

  it('a put event gets the defaults; an invalid event is damage in the middle and a torn write at the end', async () => {
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 0, jobs: [], totals: {} }));
    const bad = JSON.stringify({ s: 2, t: 'set', id: 'a', p: { status: 'paid' } });
    await writeFile(join(dir, JOURNAL_FILE), `${JSON.stringify({ s: 1, t: 'put', job: firstFormatJob('a') })}\n${bad}\n`);
    const ledger = await readLedger(dir);
    expect([ledger.jobs[0]!.budget, ledger.jobs[0]!.status, ledger.journal_seq]).toEqual([null, 'pending', 1]);
    await writeFile(join(dir, JOURNAL_FILE), `${bad}\n${JSON.stringify({ s: 3, t: 'set', id: 'a', p: { seed: 1 } })}\n`);
    const error = await readLedger(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LEDGER_CORRUPT', exitCode: 2 });
    expect((error as Error).message).toMatch(/ledger\.journal\.jsonl:1: the ledger journal is damaged \(not a crash-torn last line\): p\.status: Invalid option/);
  });
});

describe('what the store writes', () => {
  it('is a ledger and journal of the schema: every event, and the snapshot complete (nothing defaulted or stripped)', async () => {
    const store = await openLedger(dir, { service: 'simulator' });
    await store.put(makePendingLedgerJob('a', { budget: { max_credits: 100, share: 100 }, promoted_from: 'f00d' }));
    await store.put(makePendingLedgerJob('b'));
    const attempt = { at: '2026-12-01T00:00:00.000Z', outcome: 'accepted' as const, video_id: '9007199254740993123', credits: 35, estimated_credits: 35, credits_refunded: 0, request_id: 'r1' };
    await store.update('a', { status: 'submitted', video_id: attempt.video_id, credits: 35, attempts: 1, submits: [attempt] }, { durable: true });
    await store.update('b', { status: 'failed', error: { code: 400, message: 'no' } });
    const journal = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).split('\n').filter(Boolean);
    expect(journal).toHaveLength(4);
    for (const line of journal) expect(ledgerEventSchema.safeParse(JSON.parse(line)).success, line).toBe(true);
    await store.close();

    const file = JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8'));
    const parsed = ledgerSchema.safeParse(file);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toEqual(file); // nothing stripped, nothing defaulted: the file is complete
  });

  it('a new job record (ledgerRecordOf) already has every field, defaulted ones included', () => {
    const record = makePendingLedgerJob('n', { promoted_from: 'abc' });
    expect(ledgerJobSchema.parse(record)).toEqual(record);
    expect(Object.keys(record)).toEqual(expect.arrayContaining(Object.entries(ledgerJobSchema.shape).filter(([, s]) => s.def.type === 'default').map(([k]) => k)));
  });
});
