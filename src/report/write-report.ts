import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../ledger/types.js';
import { reportPageText } from './html.js';
import { ensurePosters } from './posters.js';
import { readPicks, type Picks } from './picks.js';
import { ensureSources } from './sources.js';
import { relativeFileUrl } from '../util/escape-html.js';
import { statMany } from '../util/stat-many.js';

export const REPORT_FILE = 'report.html';

export interface WriteReportOptions {
  /**
   * Strings that must never appear in the page (the API key). Defence in depth: the ledger holds no key, but an
   * error message echoed from a misbehaving gateway might. @default [process.env.DMXAPI_API_KEY]
   */
  readonly secrets?: readonly (string | undefined)[];
  /** @default now */
  readonly now?: Date;
  /** Extract missing poster frames with ffmpeg (`false`: use those already cached). @default true */
  readonly extractPosters?: boolean;
  /** Extract at most this many missing posters (a run's report: `report`/`review` make the rest). @default all */
  readonly posterLimit?: number;
  /** The ffmpeg to run for posters. @default process.env.PAIWO_FFMPEG ?? 'ffmpeg' */
  readonly ffmpeg?: string;
}

export interface BuildReportOptions extends WriteReportOptions {
  /** The page is served by `paiwo-batch review`, which saves marks to picks.json. */
  readonly review?: boolean;
}

/**
 * The report page for a folder, in pieces: posters made (once per video) or reused, `<out>/picks.json` shown as
 * marks, secrets scrubbed from every piece (a piece holds whole takes, so a secret is never cut between two). A
 * picks.json that cannot be read is left out rather than failing the run that writes this.
 */
export async function reportPagePieces(outDir: string, ledger: Ledger, options: BuildReportOptions = {}): Promise<Iterable<string>> {
  const missingFiles = await findMissingFiles(outDir, ledger);
  const { posters, ffmpeg, deferred, small } = await ensurePosters(outDir, ledger.jobs, { extract: options.extractPosters, ffmpeg: options.ffmpeg, ...(options.posterLimit !== undefined && { maxExtract: options.posterLimit }) });
  await ensureSources(outDir, ledger.jobs);
  const picks: Picks | null = await readPicks(outDir).catch(() => null);
  const pieces = reportPageText(ledger, { missingFiles, posters, smallPosters: small, ffmpeg, postersDeferred: deferred, picks, review: options.review, generatedAt: (options.now ?? new Date()).toISOString() });
  const secrets = options.secrets ?? [process.env.DMXAPI_API_KEY];
  return (function* scrubbed() {
    for (const piece of pieces) yield redactSecrets(piece, secrets);
  })();
}

/** The whole report page as one string (what `review` serves). */
export async function buildReportPage(outDir: string, ledger: Ledger, options: BuildReportOptions = {}): Promise<string> {
  return [...(await reportPagePieces(outDir, ledger, options))].join('');
}

/**
 * Writes `<outDir>/report.html`, the review page of the ledger's takes, and returns its path. The page is written
 * piece by piece to a temporary file and renamed, so a reader never sees half a report.
 */
export async function writeReport(outDir: string, ledger: Ledger, options: WriteReportOptions = {}): Promise<string> {
  const pieces = await reportPagePieces(outDir, ledger, options);
  const path = join(outDir, REPORT_FILE);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(temp, 'wx');
    try {
      for (const piece of pieces) await fh.writeFile(piece);
    } finally {
      await fh.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return path;
}

/** Replaces every occurrence of each secret (as written and as HTML-escaped) with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // A very short "key" would blank ordinary words; real keys are long.
    if (!secret || secret.length < 6) continue;
    for (const form of new Set([secret, secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')])) {
      // A 100,000-take page is ~100 MB: a search finds nothing far faster than split/join copies it.
      if (out.includes(form)) out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/** Succeeded jobs whose video is not (or no longer) in the folder, so the page labels them instead of a dead player. */
async function findMissingFiles(outDir: string, ledger: Ledger): Promise<Set<string>> {
  const succeeded = ledger.jobs.filter((j) => j.status === 'succeeded');
  const linked = succeeded.filter((j) => relativeFileUrl(j.file) !== null);
  const isFile = await statMany(linked.map((j) => join(outDir, j.file)), (stats) => stats?.isFile() === true);
  const present = new Set(linked.filter((_, i) => isFile[i]).map((j) => j.id));
  return new Set(succeeded.filter((j) => !present.has(j.id)).map((j) => j.id));
}
