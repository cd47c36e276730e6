import type * as z from 'zod';
import { UserError } from '../errors/paiwo-error.js';
import { compileJsonCheck } from '../util/json-check.js';
import { LEDGER_VERSION, ledgerEventSchema, ledgerSchema, type Ledger, type LedgerEvent } from './schema.js';
import { computeTotals } from './money.js';

/**
 * The one place ledger text is read and written: `ledger.json` and the lines of `ledger.journal.jsonl`, through
 * the schema (ledger/schema.ts). Reading fills the defaults an older ledger lacks. A 100,000-job ledger is
 * checked by the schema's compiled form (util/json-check.ts), in place; zod's own parse only names what is wrong.
 */

/** `totals` is derived: written every time, never read (a hand-made ledger may leave it out). */
const snapshotSchema = ledgerSchema.omit({ totals: true });
const checkSnapshot = compileJsonCheck(snapshotSchema);
const checkEvent = compileJsonCheck(ledgerEventSchema);

/** Jobs per piece of `ledgerText`: a piece is ~1 MB, never the whole 100 MB of a 100,000-job ledger. */
const JOBS_PER_PIECE = 1000;

/**
 * The snapshot as people and other tools read it, one job per line (compact JSON: `grep` and `diff` find a job
 * by its line, and a 100,000-job ledger is ~110 MB instead of ~150 MB pretty-printed), totals recomputed from the
 * jobs, never stored apart. In pieces, so a snapshot is written without ever holding its whole text.
 */
export function* ledgerText(ledger: Ledger): Generator<string> {
  const head = {
    version: LEDGER_VERSION,
    journal_seq: ledger.journal_seq ?? 0,
    ...(ledger.service !== undefined && { service: ledger.service }),
  };
  yield `${JSON.stringify(head).slice(0, -1)},"jobs":[\n`;
  const jobs = ledger.jobs;
  for (let i = 0; i < jobs.length; i += JOBS_PER_PIECE) {
    const piece = jobs.slice(i, i + JOBS_PER_PIECE).map((job) => JSON.stringify(job));
    yield `${i > 0 ? ',\n' : ''}${piece.join(',\n')}`;
  }
  yield `\n],\n"totals":${JSON.stringify(computeTotals(jobs))}}\n`;
}

/** `ledger.json`'s text → the ledger, defaults filled; a UserError (LEDGER_CORRUPT) says what is wrong. */
export function parseLedger(text: string, path: string): Ledger {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError('LEDGER_CORRUPT', `${path} is not valid JSON (${(error as Error).message}); it is written atomically, so it was edited by hand or by another tool`);
  }
  const head = value as { version?: unknown; jobs?: unknown } | null;
  if (head?.version !== LEDGER_VERSION || !Array.isArray(head.jobs)) {
    throw new UserError('LEDGER_CORRUPT', `${path} is not a version ${LEDGER_VERSION} paiwo-batch ledger`);
  }
  if (!checkSnapshot(value)) {
    throw new UserError('LEDGER_CORRUPT', `${path} is damaged: ${firstProblem(snapshotSchema, value)}; it is written atomically, so it was edited by hand or by another tool`);
  }
  const ledger = value as Ledger;
  return {
    version: LEDGER_VERSION,
    journal_seq: ledger.journal_seq,
    ...(ledger.service !== undefined && { service: ledger.service }),
    jobs: ledger.jobs,
    totals: computeTotals(ledger.jobs),
  };
}

/** One journal line (with its newline) for an event. */
export function journalLine(event: LedgerEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/**
 * One journal line → its event (a `put`'s job with defaults filled), or what is wrong with it: not JSON (a
 * crash-torn write looks like that) or not an event of the schema.
 */
export function parseJournalLine(line: string): { readonly event: LedgerEvent } | { readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  return checkEvent(value) ? { event: value as LedgerEvent } : { problem: firstProblem(ledgerEventSchema, value) };
}

/** What zod says of a value the compiled check refused: the first issue, with where it is (and the job's id). */
function firstProblem(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  const issue = result.error?.issues[0];
  if (!issue) return 'it does not match the ledger schema';
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  const jobIndex = issue.path[0] === 'jobs' && typeof issue.path[1] === 'number' ? issue.path[1] : null;
  const id = jobIndex !== null ? (value as { jobs: { id?: unknown }[] }).jobs[jobIndex]?.id : undefined;
  return `${where || 'the top level'}${typeof id === 'string' ? ` (job ${JSON.stringify(id)})` : ''}: ${issue.message}`;
}
