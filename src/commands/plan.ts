import { availableParallelism } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import type { Writable } from 'node:stream';
import stringWidth from 'string-width';
import type { CommandIO } from './command-io.js';
import type { Shard } from '../manifest/types.js';
import { ManifestError, formatDiagnostic } from '../errors/manifest-error.js';
import { loadManifests } from '../manifest/load-manifests.js';
import type { Job, LoadedManifest, ManifestSet } from '../manifest/types.js';
import { PRICE_TABLE_VERSION } from '../model/prices.js';
import { planProgress, type JobNeed, type PlanProgress } from './plan-progress.js';
import { shardBudget } from '../manifest/shard-jobs.js';
import { EXIT } from '../errors/exit-codes.js';
import { durationJson, durationText, planTiming, type PlanTiming } from './plan-estimate.js';
import { SIMULATOR_TIME_SCALE } from './run.js';

export interface PlanCommandOptions {
  /** One JSON document on stdout instead of tables. */
  readonly json?: boolean;
  /** `--max-jobs`: overrides the manifests' `max_jobs`. */
  readonly maxJobs?: number;
  readonly shard?: Shard;
  /** `--out`: the output folder of every manifest (as `run --out`); default: each manifest's own. */
  readonly out?: string;
  /** As `run --retry-failed`: failed jobs count as to run (paid again). */
  readonly retryFailed?: boolean;
  /** As `run --resubmit-unknown`: unknown jobs count as to run (they may be paid twice). */
  readonly resubmitUnknown?: boolean;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** As `run --simulator`: the rehearsal folders, and a rehearsal's duration (simulated generation, rendering). */
  readonly simulator?: boolean;
  /** As `run --concurrency`: the estimate's generation slots (default: each manifest's run.concurrency). */
  readonly concurrency?: number;
  /** As `run --time-scale`, for a rehearsal's estimate. @default SIMULATOR_TIME_SCALE */
  readonly timeScale?: number;
  /** Cores that render a rehearsal's takes. @default os.availableParallelism() */
  readonly cores?: number;
}

/** Rows of the table shown per manifest; the rest are counted (`--json` lists every job). */
export const PLAN_TABLE_ROWS = 50;
/** Jobs serialised per write: big plans stream out in pieces instead of one huge string. */
const JOBS_PER_CHUNK = 2000;

const sumCredits = (jobs: readonly Job[]): number => jobs.reduce((sum, j) => sum + j.estimatedCredits, 0);
const n = (x: number): string => x.toLocaleString('en-US');
const plural = (count: number, word: string): string => `${n(count)} ${word}${count === 1 ? '' : 's'}`;

/** Writes with backpressure; a stream that closes meanwhile (a reader that stopped early) ends the wait too. */
async function write(stream: Writable, text: string): Promise<void> {
  if (stream.destroyed) return;
  if (!stream.write(text)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      stream.once('drain', done).once('close', done).once('error', done);
    });
  }
}

/** What the run would do with these jobs (plan --json's names): counts, and the credits of the submits alone. */
interface NeedCounts {
  done: number;
  to_run: number;
  /** Already paid: polled or downloaded again. */
  to_finish: number;
  /** Failed, moderated or unknown: left alone without --retry-failed / --resubmit-unknown. */
  held: number;
  /** Jobs the budget (`max_credits`) would skip: not counted in to_run. */
  over_budget: number;
  credits_to_spend: number;
}

function counts(jobs: readonly Job[], needOf: (job: Job) => JobNeed): NeedCounts {
  const c: NeedCounts = { done: 0, to_run: 0, to_finish: 0, held: 0, over_budget: 0, credits_to_spend: 0 };
  for (const j of jobs) {
    const need = needOf(j);
    if (need === 'submit') {
      c.to_run++;
      c.credits_to_spend += j.estimatedCredits;
    } else if (need === 'done') c.done++;
    else if (need === 'held') c.held++;
    else if (need === 'over budget') c.over_budget++;
    else c.to_finish++;
  }
  return c;
}

/**
 * The manifest's `max_credits` and, with `--shard`, this shard's share of it (what `run --shard` will give it:
 * in proportion to the shard's estimated cost).
 */
function budgetOf(m: LoadedManifest, shard: Shard | undefined): { max_credits: number; share: number } | null {
  if (m.run.maxCredits === undefined) return null;
  const share = shard && shard.count > 1 ? shardBudget(m.run.maxCredits, sumCredits(m.jobs), m.unshardedCredits ?? sumCredits(m.jobs), shard.count) : m.run.maxCredits;
  return { max_credits: m.run.maxCredits, share };
}

function manifestSummary(m: LoadedManifest, progress: PlanProgress, shard: Shard | undefined): Record<string, unknown> {
  const budget = budgetOf(m, shard);
  return {
    path: m.path,
    name: m.name,
    jobs: m.jobs.length,
    estimated_credits: sumCredits(m.jobs),
    max_jobs: m.maxJobs,
    ...(m.run.out !== undefined && { out: m.run.out }),
    ...(budget && { max_credits: budget.max_credits, ...(shard && shard.count > 1 && { max_credits_share: budget.share }) }),
    out_dir: progress.outDirOf(m),
    ...counts(m.jobs, (j) => progress.needIn(m, j)),
  };
}

async function writeJson(set: ManifestSet, progress: PlanProgress, shard: Shard | undefined, out: Writable, timing: PlanTiming): Promise<void> {
  const head = {
    manifests: set.manifests.map((m) => ({ ...manifestSummary(m, progress, shard), ...durationJson(timing.ofManifest(m)) })),
    total_jobs: set.jobs.length,
    estimated_credits: sumCredits(set.jobs),
    ...counts(set.jobs, progress.need),
    price_table_version: PRICE_TABLE_VERSION,
    ...(shard && { shard: { index: shard.index, count: shard.count } }),
    ...durationJson(timing.total),
    ...(timing.pace && { rehearsal: true, time_scale: timing.pace.timeScale, cores: timing.pace.cores }),
  };
  await write(out, `${JSON.stringify(head).slice(0, -1)},"jobs":[`);
  for (let i = 0; i < set.jobs.length; i += JOBS_PER_CHUNK) {
    const chunk = set.jobs
      .slice(i, i + JOBS_PER_CHUNK)
      .map((j) => JSON.stringify({ id: j.id, manifest: j.manifest, file: j.file, request: j.request, estimated_credits: j.estimatedCredits, need: progress.need(j), ...(j.images && { images: planImages(j) }), ...(j.promotedFrom !== undefined && { promoted_from: j.promotedFrom }) }))
      .join(',\n');
    await write(out, `${i === 0 ? '\n' : ',\n'}${chunk}`);
  }
  await write(out, ']}\n');
}

/** Terminal columns a string takes (string-width: wide characters and emoji take two, combining marks none). */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** Cut on grapheme boundaries: an emoji sequence or a letter with its combining marks is never split. */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text + ' '.repeat(width - displayWidth(text));
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (displayWidth(out + segment) > width - 1) break;
    out += segment;
  }
  return `${out}…${' '.repeat(width - 1 - displayWidth(out))}`;
}

const NEED_LABEL: Record<JobNeed, string> = { submit: 'to run', poll: 'poll', download: 'download', done: 'done', held: 'held', 'over budget': 'over budget' };

/** "10 done, 2 to run: 150 credits to spend", plus the jobs a run finishes for free and those it leaves alone. */
function progressLine(c: NeedCounts): string {
  const parts = [`${n(c.done)} done`, `${n(c.to_run)} to run: ${plural(c.credits_to_spend, 'credit')} to spend`];
  if (c.to_finish > 0) parts.push(`${n(c.to_finish)} to poll or download (already paid)`);
  if (c.held > 0) parts.push(`${n(c.held)} held (failed, moderated or unknown: see status)`);
  if (c.over_budget > 0) parts.push(`${n(c.over_budget)} over budget (max_credits would skip them)`);
  return parts.join(', ');
}

/** An image job's images in `plan --json`: each key's source and the sha256 its id covers (none for a URL). */
function planImages(j: Job): Record<string, { source: string; sha256?: string }> {
  return Object.fromEntries(Object.entries(j.images ?? {}).map(([k, r]) => [k, { source: r.source, ...(r.sha256 !== undefined && { sha256: r.sha256 }) }]));
}

/** What the plan shows of a job's source images: the image, first → last frame, or "-" for a text job. */
function imageColumn(j: Job): string {
  const im = j.images;
  if (!im) return '-';
  if (im.image) return im.image.source;
  return `${im.first_frame?.source ?? '?'} → ${im.last_frame?.source ?? '?'}`;
}

function table(m: LoadedManifest, progress: PlanProgress, shard: Shard | undefined, cwd: string, timing: PlanTiming): string {
  const rows = m.jobs.slice(0, PLAN_TABLE_ROWS).map((j) => [
    j.id,
    j.file,
    j.request.model,
    j.request.aspect_ratio ?? '-',
    imageColumn(j),
    j.request.quality,
    `${j.request.duration}s`,
    j.request.seed === undefined ? 'auto' : String(j.request.seed),
    NEED_LABEL[progress.needIn(m, j)],
    String(j.estimatedCredits),
  ]);
  const header = ['id', 'file', 'model', 'aspect', 'image', 'quality', 'duration', 'seed', 'state', 'credits'];
  const widths = header.map((h, c) => Math.min(c === 1 ? 60 : 20, Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[c]!)))));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, c) => (c === cells.length - 1 ? cell.padStart(widths[c]!) : fit(cell, widths[c]!))).join('  ')}`.trimEnd();
  const rel = relative(cwd, progress.outDirOf(m));
  const dir = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? progress.outDirOf(m) : rel;
  const budget = budgetOf(m, shard);
  const budgetText = budget ? `; max_credits ${n(budget.max_credits)}${budget.share !== budget.max_credits || (shard && shard.count > 1) ? `, this shard's share ${n(budget.share)}` : ''}` : '';
  const lines = [
    `${m.name}  (${m.path})  ${plural(m.jobs.length, 'job')}, ${plural(sumCredits(m.jobs), 'credit')}${budgetText}`,
    `  in ${dir}: ${progressLine(counts(m.jobs, (j) => progress.needIn(m, j)))}`,
    `  time: ${durationText(timing.ofManifest(m), timing.pace)}`,
    line(header),
    ...rows.map(line),
  ];
  if (m.jobs.length > rows.length) lines.push(`  … and ${plural(m.jobs.length - rows.length, 'more job')} (plan --json lists them all)`);
  return `${lines.join('\n')}\n`;
}

/** The plan's time line: the estimate, what it is for and what it leaves out. */
function totalTime(timing: PlanTiming, manifests: number): string {
  if (timing.total.generating === 0) return durationText(timing.total, timing.pace);
  const scope = manifests > 1 ? ' for all manifests in one run' : '';
  return `${durationText(timing.total, timing.pace)}${scope}, from the typical generation times; ${timing.pace ? 'a busy machine' : 'the service\'s queue'} may add to it`;
}

function writeTables(set: ManifestSet, progress: PlanProgress, shard: Shard | undefined, cwd: string, out: Writable, timing: PlanTiming): void {
  for (const m of set.manifests) out.write(`${table(m, progress, shard, cwd, timing)}\n`);
  const credits = sumCredits(set.jobs);
  out.write(
    `total: ${plural(set.manifests.length, 'manifest')}, ${plural(set.jobs.length, 'job')}, about ${plural(credits, 'credit')}` +
      `${shard ? ` (shard ${shard.index}/${shard.count})` : ''}\n` +
      `to spend now: ${progressLine(counts(set.jobs, progress.need))}\n` +
      `time: ${totalTime(timing, set.manifests.length)}\n` +
      `estimated from the price table of ${PRICE_TABLE_VERSION}; the service's own charge per submit is what counts. Nothing was sent.\n`,
  );
}

/**
 * `paiwo-batch plan`: the jobs the manifests expand to, their estimated credits, and what the output folders
 * already hold (done, to run, the credits of those to run alone — read with the run's own rule), as tables or
 * (`--json`) one JSON document streamed to stdout. Exit 0, or 2 with every manifest problem on stderr. Never
 * contacts the network.
 */
export async function planCommand(patterns: readonly string[], options: PlanCommandOptions, io: CommandIO): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  let set: ManifestSet;
  try {
    set = await loadManifests(patterns, {
      cwd,
      ...(options.maxJobs !== undefined && { maxJobs: options.maxJobs }),
      ...(options.shard && { shard: options.shard }),
    });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    for (const d of error.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    const errors = error.diagnostics.filter((d) => d.severity === 'error').length;
    io.stderr.write(`${plural(errors, 'error')} in the manifests; nothing was planned or sent.\n`);
    return EXIT.usage;
  }
  for (const d of set.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  const progress = await planProgress(set, {
    cwd,
    retryFailed: options.retryFailed ?? false,
    resubmitUnknown: options.resubmitUnknown ?? false,
    ...(options.out !== undefined && { out: options.out }),
    ...(options.shard && { shard: options.shard }),
    rehearsal: options.simulator === true,
  });
  const pace = options.simulator ? { timeScale: options.timeScale ?? SIMULATOR_TIME_SCALE, cores: options.cores ?? availableParallelism() } : null;
  const timing = planTiming(set, progress, options.concurrency, pace);
  if (options.json) await writeJson(set, progress, options.shard, io.stdout, timing);
  else writeTables(set, progress, options.shard, cwd, io.stdout, timing);
  return EXIT.ok;
}
