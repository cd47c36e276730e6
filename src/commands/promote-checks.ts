import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { JOURNAL_FILE, LEDGER_FILE, readLedger } from '../ledger/store.js';
import { LOCK_FILE } from '../ledger/output-lock.js';
import { RESERVE_FILE } from '../ledger/journal-reserve.js';
import type { LedgerJob } from '../ledger/types.js';
import type { SubmitRequest } from '../model/capabilities.js';
import { canonicalRequestJson } from '../manifest/canonical-request-json.js';
import { PICKS_FILE } from '../report/picks.js';
import { POSTER_DIR } from '../report/posters.js';
import { REPORT_FILE } from '../report/write-report.js';
import { SIM_STATE_FILE } from '../simulator/sim-persist.js';
import { SIM_LOCK_FILE } from '../simulator/sim-lock.js';
import { TAKES_DIR } from '../simulator/start-simulator.js';

/** Files of an output folder the tool owns, by name: `promote -o` never writes over one, in any output folder. */
const OWNED_NAMES = new Set([LEDGER_FILE, JOURNAL_FILE, PICKS_FILE, REPORT_FILE, LOCK_FILE, RESERVE_FILE, SIM_STATE_FILE, SIM_LOCK_FILE]);
/** Folders of an output folder the tool owns: nothing inside them is a manifest. */
const OWNED_DIRS = [POSTER_DIR, TAKES_DIR, `${LOCK_FILE}.aside`];

/** The path with every link of its existing part resolved (the part that does not exist yet kept as it is). */
async function realPathOf(path: string): Promise<string> {
  const real = await realpath(path).catch(() => null);
  if (real !== null) return real;
  const parent = dirname(path);
  return parent === path ? path : join(await realPathOf(parent), basename(path));
}

async function holdsLedger(dir: string): Promise<boolean> {
  for (const name of [LEDGER_FILE, JOURNAL_FILE]) if (await stat(join(dir, name)).then(() => true, () => false)) return true;
  return false;
}

/**
 * Why `promote -o file` must not write `file` (null: it may): a file the tool owns in the source folder or in any
 * output folder above the file (a folder holding a ledger) — its ledger, journal, picks, report, lock or the
 * simulator's state, anything in its `.posters/` or `simulator-takes/`, or a take its ledger names — whatever
 * the path says, links followed.
 */
export async function ownedFileReason(file: string, outDir: string, jobs: readonly LedgerJob[]): Promise<string | null> {
  const real = await realPathOf(file);
  const source = await realPathOf(outDir);
  if (real === source) return 'it is the output folder itself';
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    const isSource = dir === source;
    if (isSource || (await holdsLedger(dir))) {
      const reason = ownedIn(dir, relative(dir, real), isSource ? jobs : await jobsOf(dir));
      if (reason !== null) return reason;
    }
    if (dirname(dir) === dir) return null;
  }
}

async function jobsOf(dir: string): Promise<readonly LedgerJob[]> {
  return readLedger(dir).then((l) => l.jobs, () => []);
}

function ownedIn(folder: string, rel: string, jobs: readonly LedgerJob[]): string | null {
  const parts = rel.split(sep);
  if (parts.length === 1 && OWNED_NAMES.has(rel)) return `it is the ${rel} of the output folder ${folder}`;
  if (OWNED_DIRS.includes(parts[0]!)) return `it is inside ${parts[0]}/ of the output folder ${folder}, which the tool owns`;
  const relSlash = parts.join('/');
  const take = jobs.find((j) => j.file === relSlash || `${j.file}.part` === relSlash);
  return take ? `it is the video of job ${take.id} (${take.file}) in the output folder ${folder}` : null;
}

/** The fields a manifest can write, besides `model` and `input` (promote-manifest.ts writes them all). */
const WRITABLE = new Set(['model', 'input', 'negative_prompt', 'aspect_ratio', 'quality', 'duration', 'motion_mode', 'generate_audio_switch', 'seed']);

/** Fields of a recorded request that a manifest cannot hold (an edited ledger, or one from a newer version). */
export function unwritableFields(request: SubmitRequest): string[] {
  return Object.keys(request).filter((k) => !WRITABLE.has(k));
}

/**
 * The request as the service sees it: the seed it used when the take asked for none (0 or absent), and audio at
 * the service's default (off) when the request left it out. Two requests alike here make the same take.
 */
export function asServiceSees(request: SubmitRequest, seedUsed: number | null): string {
  const asked = request.seed !== undefined && request.seed > 0 ? request.seed : (seedUsed ?? request.seed);
  return canonicalRequestJson({ ...request, generate_audio_switch: request.generate_audio_switch === true, ...(asked !== undefined && { seed: asked }) });
}
