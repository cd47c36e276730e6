import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { readTextIfPresent, writeFileAtomic } from '../ledger/snapshot.js';

/** `<out>/picks.json`: the marks a person gave takes in the report (agreed with `promote --picks`). */
export const PICKS_FILE = 'picks.json';

export const MARKS = ['favourite', 'reject'] as const;
export type Mark = (typeof MARKS)[number];

export interface TakePick {
  readonly mark: Mark | null;
  readonly note: string;
  /** When the mark was given (ISO): the file lists takes, and `promote --picks` re-renders them, in this order. */
  readonly marked_at?: string;
  /** What a person finds the take by, written beside the mark by the page (absent in older files). */
  readonly file?: string;
  readonly prompt?: string;
  readonly seed?: number | null;
}

/**
 * `{"version":1,"updated_at":"<ISO>","takes":{"<job id>":{"mark":"favourite"|"reject"|null,"note":"<text>",
 * "marked_at":"<ISO>","file":"<file>","prompt":"<text>","seed":<n>|null}}}` (the last four optional).
 */
export interface Picks {
  readonly version: 1;
  readonly updated_at: string;
  readonly takes: Readonly<Record<string, TakePick>>;
}

/** A note longer than this is refused: a review note is a sentence, and the POST body has a size limit. */
export const NOTE_MAX = 4000;

export function emptyPicks(): Picks {
  return { version: 1, updated_at: new Date(0).toISOString(), takes: {} };
}

/**
 * Checks a picks document from disk or from the page. Unmarked takes (mark null, empty note) are dropped, so
 * the file lists only what someone decided. Throws a `UserError` naming the first problem.
 */
export function parsePicks(value: unknown, where = PICKS_FILE, options: { readonly anyDate?: boolean } = {}): Picks {
  const fail = (why: string): never => {
    throw new UserError('PICKS_INVALID', `${where} is not a picks file (version 1): ${why}; expected {"version":1,"updated_at":"<ISO>","takes":{"<job id>":{"mark":"favourite"|"reject"|null,"note":"<text>"}}}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const doc = value as Record<string, unknown>;
  if (doc.version !== 1) return fail('"version" is not 1');
  const dated = typeof doc.updated_at === 'string' && !Number.isNaN(Date.parse(doc.updated_at)) ? doc.updated_at : null;
  // `promote` reads a hand-edited file too: its date says nothing about which takes to re-render.
  const updated = dated ?? (options.anyDate ? new Date(0).toISOString() : null);
  if (updated === null) return fail('"updated_at" is not an ISO date');
  if (typeof doc.takes !== 'object' || doc.takes === null || Array.isArray(doc.takes)) return fail('"takes" is not an object');
  const takes: Record<string, TakePick> = {};
  for (const [id, raw] of Object.entries(doc.takes as Record<string, unknown>)) {
    if (id.length === 0 || id.length > 200) return fail(`take id ${JSON.stringify(id.slice(0, 40))} is empty or too long`);
    if (typeof raw !== 'object' || raw === null) return fail(`take ${id} is not an object`);
    const { mark = null, note = '' } = raw as { mark?: unknown; note?: unknown };
    if (mark !== null && !MARKS.includes(mark as Mark)) return fail(`takes.${id}.mark must be "favourite", "reject" or null`);
    if (typeof note !== 'string' || note.length > NOTE_MAX) return fail(`take ${id}: note must be text of at most ${NOTE_MAX} characters`);
    if (mark === null && note.trim() === '') continue;
    takes[id] = { mark: mark as Mark | null, note, ...takeNames(raw as Record<string, unknown>, id, fail) };
  }
  return { version: 1, updated_at: updated, takes };
}

/** The optional fields of a take's entry, each checked (a wrong one is refused, an absent one left out). */
function takeNames(raw: Record<string, unknown>, id: string, fail: (why: string) => never): Partial<TakePick> {
  const out: { -readonly [K in keyof TakePick]?: TakePick[K] } = {};
  const text = (key: 'file' | 'prompt' | 'marked_at', max: number): void => {
    const v = raw[key];
    if (v === undefined || v === null) return;
    if (typeof v !== 'string' || v.length > max) fail(`takes.${id}.${key} must be text of at most ${max} characters`);
    else out[key] = v;
  };
  text('marked_at', 40);
  if (out.marked_at !== undefined && Number.isNaN(Date.parse(out.marked_at))) fail(`takes.${id}.marked_at is not an ISO date`);
  text('file', 1000);
  text('prompt', 10_000);
  if (raw.seed !== undefined) {
    if (raw.seed !== null && !Number.isSafeInteger(raw.seed)) fail(`takes.${id}.seed must be a whole number or null`);
    out.seed = raw.seed as number | null;
  }
  return out;
}

/** Takes in the order they were marked (by `marked_at`; takes without one keep their place, before the dated ones). */
export function inMarkingOrder(takes: Readonly<Record<string, TakePick>>): [string, TakePick][] {
  return Object.entries(takes)
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => {
      const x = a.entry[1].marked_at ?? '';
      const y = b.entry[1].marked_at ?? '';
      return x < y ? -1 : x > y ? 1 : a.i - b.i;
    })
    .map(({ entry }) => entry);
}

/** The picks in `<outDir>/picks.json`, or `null` when there is none. A broken file is a `UserError`. */
export async function readPicks(outDir: string): Promise<Picks | null> {
  const path = join(outDir, PICKS_FILE);
  const text = await readTextIfPresent(path);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError('PICKS_INVALID', `${path} is not valid JSON (${(error as Error).message})`);
  }
  return parsePicks(value, path);
}

/**
 * Writes `<outDir>/picks.json` atomically (temp file opened with `wx`, fsync, rename): a planted link at either
 * name is replaced, never written through. Callers serialise their writes (one temp name per process).
 */
export async function writePicks(outDir: string, picks: Picks): Promise<string> {
  const path = join(outDir, PICKS_FILE);
  // In marking order, so the file reads as the review went (older entries without a date by id, first).
  const byId = Object.entries(picks.takes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sorted = Object.fromEntries(inMarkingOrder(Object.fromEntries(byId)));
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, updated_at: picks.updated_at, takes: sorted }, null, 2)}\n`);
  return path;
}

/**
 * The ids marked "favourite" in a picks file (what `promote --picks` re-renders), in the order they were marked
 * (`marked_at`; an older file without it: the file's order); a clear
 * UserError (exit 2) for a file that cannot be read or is not a picks file.
 */
export async function favouritesOf(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError('PICKS_UNREADABLE', `cannot read the picks file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError('PICKS_INVALID', `${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const picks = parsePicks(value, file, { anyDate: true });
  return inMarkingOrder(picks.takes).filter(([, take]) => take.mark === 'favourite').map(([id]) => id);
}
