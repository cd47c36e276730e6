import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { ledgerJsonSchema, renderLedgerJsonSchema } from '../../src/ledger/json-schema.js';
import { ledgerJobSchema } from '../../src/ledger/schema.js';
import { LEDGER_FILE, openLedger } from '../../src/ledger/store.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

const ROOT = new URL('../../', import.meta.url);
const names = (schema: unknown): string[] => Object.keys((schema as { properties: object }).properties);

describe('schemas/ledger.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(new URL('schemas/ledger.schema.json', ROOT), 'utf8')).toBe(renderLedgerJsonSchema());
  });

  it('describes the file as it may be found: defaults shown and optional, every job field named', () => {
    const schema = ledgerJsonSchema() as { $schema: string; required: string[]; properties: { journal_seq: { default: unknown }; jobs: { items: { required: string[]; properties: { budget: { default: unknown } } } } } };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['version', 'jobs', 'totals']);
    expect(schema.properties.journal_seq.default).toBe(0);
    const job = schema.properties.jobs.items;
    expect(job.properties.budget.default).toBeNull();
    expect(job.required).not.toContain('budget');
    expect(job.required).not.toContain('submits');
    expect(names(job)).toEqual(Object.keys(ledgerJobSchema.shape));
  });

  it('names every field of a ledger the store writes (it allows unnamed ones, so this is checked here)', async ({ tmp: dir }) => {
    const store = await openLedger(dir, { service: 'simulator' });
    await store.put(makePendingLedgerJob('a', { budget: { max_credits: 100, share: 100 }, promoted_from: 'f00d' }));
    const attempt = { at: '2026-12-01T00:00:00.000Z', outcome: 'accepted' as const, video_id: '1', credits: 35, estimated_credits: 35, credits_refunded: 0, request_id: 'r1' };
    await store.update('a', { status: 'failed', video_id: '1', credits: 35, attempts: 1, submits: [attempt], error: { code: 8, message: 'no' } });
    await store.close();
    const file = JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8'));
    const top = ledgerJsonSchema() as { properties: { jobs: { items: { properties: { submits: { items: unknown }; error: { anyOf: unknown[] } } } } } };
    const job = top.properties.jobs.items;
    expect(names(top)).toEqual(expect.arrayContaining(Object.keys(file)));
    expect(names(job)).toEqual(expect.arrayContaining(Object.keys(file.jobs[0])));
    expect(names(job.properties.submits.items)).toEqual(expect.arrayContaining(Object.keys(file.jobs[0].submits[0])));
    expect(names(job.properties.error.anyOf[0])).toEqual(expect.arrayContaining(Object.keys(file.jobs[0].error)));
  });
});
