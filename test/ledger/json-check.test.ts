import fc from 'fast-check';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ledgerEventSchema, ledgerSchema } from '../../src/ledger/schema.js';
import { compileJsonCheck } from '../../src/util/json-check.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';

/** Every place in a JSON value a mutation can hit: [parent, key] pairs. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([value, i]), slots(v, out)));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) (out.push([value as Record<string, unknown>, k]), slots(v, out));
  return out;
}

const interesting = fc.constantFrom<unknown>(null, '', 0, -1, 1.5, 1e308, true, false, [], {}, 'pending', 'accepted', 'put', 'set', '16:9', 5, 7, { max_credits: 1, share: 1 });
const mutation = fc.record({ at: fc.nat(), how: fc.constantFrom('delete', 'replace', 'interesting'), value: fc.jsonValue({ maxDepth: 2 }), pick: interesting });

function mutate(value: unknown, m: { at: number; how: string; value: unknown; pick: unknown }): void {
  const all = slots(value);
  if (all.length === 0) return;
  const [parent, key] = all[m.at % all.length]!;
  if (m.how === 'delete' && !Array.isArray(parent)) delete parent[key as string];
  else (parent as Record<string | number, unknown>)[key] = m.how === 'replace' ? m.value : structuredClone(m.pick);
}

const job = (id: string, fields: object = {}) => JSON.parse(JSON.stringify(makePendingLedgerJob(id, fields))) as Record<string, unknown>;
const samples: [string, z.ZodType, () => unknown][] = [
  ['a ledger', ledgerSchema.omit({ totals: true }), () => {
    const { budget: _b, ...old } = job('o', { status: 'unknown' });
    const attempt = { at: 'x', outcome: 'accepted', video_id: '1', credits: 35, estimated_credits: 35, credits_refunded: 0, request_id: null };
    return { version: 1, service: 'simulator', jobs: [job('a', { budget: { max_credits: 9, share: 3 }, submits: [attempt], error: { code: 'X', message: 'm' } }), old] };
  }],
  ['a put event', ledgerEventSchema, () => ({ s: 1, t: 'put', job: job('p', { promoted_from: 'q', axes: { a: 1, b: true, c: 'x' } }) })],
  ['a set event', ledgerEventSchema, () => ({ s: 2, t: 'set', id: 'p', p: { status: 'submitted', video_id: '12', submits: [], budget: null, updated_at: 'now' } })],
];

describe('compileJsonCheck: the ledger schema compiled for large files', () => {
  it.each(samples)('accepts exactly what zod accepts, for %s under random damage, and fills the same defaults', (_name, schema, sample) => {
    const check = compileJsonCheck(schema);
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), (mutations) => {
        const value = sample();
        for (const m of mutations) mutate(value, m);
        const byZod = schema.safeParse(structuredClone(value));
        expect(check(value)).toBe(byZod.success);
        seen[byZod.success ? 'valid' : 'invalid']++;
        // In place: the checked value holds everything zod's parse returns (defaults included), and more only
        // where zod strips a key the schema does not name.
        if (byZod.success) expect(value).toMatchObject(byZod.data as object);
      }),
      { numRuns: 300, seed: 11 },
    );
    // The damage is neither always fatal nor always harmless, so both answers were compared.
    expect(seen.valid).toBeGreaterThan(20);
    expect(seen.invalid).toBeGreaterThan(20);
  });

  it('refuses to compile what it cannot check, instead of passing it unchecked', () => {
    for (const schema of [
      z.string().min(1),
      z.number().int(),
      z.strictObject({ a: z.string() }),
      z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]),
      z.string().transform((s) => s.length),
      z.record(z.enum(['a', 'b']), z.number()),
      z.array(z.string().default('x')),
      z.date(),
    ]) {
      expect(() => compileJsonCheck(schema as z.ZodType)).toThrow(/is not supported/);
    }
  });
});
