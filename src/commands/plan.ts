import type { Writable } from 'node:stream';
import type { CommandIO, Shard } from '../cli/io.js';
import { ManifestError, formatDiagnostic } from '../errors/manifest-error.js';
import { loadManifests } from '../manifest/load-manifests.js';
import type { Job, LoadedManifest, ManifestSet } from '../manifest/types.js';
import { PRICE_TABLE_VERSION } from '../model/prices.js';
import { shardBudget } from '../manifest/shard-jobs.js';

export interface PlanCommandOptions {
  /** One JSON document on stdout instead of tables. */
  readonly json?: boolean;
  /** `--max-jobs`: overrides the manifests' `max_jobs`. */
  readonly maxJobs?: number;
  readonly shard?: Shard;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/** Rows of the table shown per manifest; the rest are counted (`--json` lists every job). */
export const PLAN_TABLE_ROWS = 50;
/** Jobs serialised per write: big plans stream out in pieces instead of one huge string. */
const JOBS_PER_CHUNK = 2000;

const sumCredits = (jobs: readonly Job[]): number => jobs.reduce((sum, j) => sum + j.estimatedCredits, 0);
const n = (x: number): string => x.toLocaleString('en-US');
const plural = (count: number, word: string): string => `${n(count)} ${word}${count === 1 ? '' : 's'}`;

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
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

function manifestSummary(m: LoadedManifest, shard: Shard | undefined): Record<string, unknown> {
  const budget = budgetOf(m, shard);
  return {
    path: m.path,
    name: m.name,
    jobs: m.jobs.length,
    estimated_credits: sumCredits(m.jobs),
    max_jobs: m.maxJobs,
    ...(m.run.out !== undefined && { out: m.run.out }),
    ...(budget && { max_credits: budget.max_credits, ...(shard && shard.count > 1 && { max_credits_share: budget.share }) }),
  };
}

async function writeJson(set: ManifestSet, shard: Shard | undefined, out: Writable): Promise<void> {
  const head = {
    manifests: set.manifests.map((m) => manifestSummary(m, shard)),
    total_jobs: set.jobs.length,
    estimated_credits: sumCredits(set.jobs),
    price_table_version: PRICE_TABLE_VERSION,
    ...(shard && { shard: { index: shard.index, count: shard.count } }),
  };
  await write(out, `${JSON.stringify(head).slice(0, -1)},"jobs":[`);
  for (let i = 0; i < set.jobs.length; i += JOBS_PER_CHUNK) {
    const chunk = set.jobs
      .slice(i, i + JOBS_PER_CHUNK)
      .map((j) => JSON.stringify({ id: j.id, manifest: j.manifest, file: j.file, request: j.request, estimated_credits: j.estimatedCredits }))
      .join(',\n');
    await write(out, `${i === 0 ? '\n' : ',\n'}${chunk}`);
  }
  await write(out, ']}\n');
}

/** Terminal columns a string takes: East Asian wide characters and emoji take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text + ' '.repeat(width - displayWidth(text));
  let out = '';
  for (const ch of text) {
    if (displayWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…${' '.repeat(width - 1 - displayWidth(out))}`;
}

function table(m: LoadedManifest, shard: Shard | undefined): string {
  const rows = m.jobs.slice(0, PLAN_TABLE_ROWS).map((j) => [
    j.id,
    j.file,
    j.request.aspect_ratio,
    j.request.quality,
    `${j.request.duration}s`,
    j.request.seed === undefined ? 'auto' : String(j.request.seed),
    String(j.estimatedCredits),
  ]);
  const header = ['id', 'file', 'aspect', 'quality', 'duration', 'seed', 'credits'];
  const widths = header.map((h, c) => Math.min(c === 1 ? 60 : 20, Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[c]!)))));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, c) => (c === cells.length - 1 ? cell.padStart(widths[c]!) : fit(cell, widths[c]!))).join('  ')}`.trimEnd();
  const budget = budgetOf(m, shard);
  const budgetText = budget ? `; max_credits ${n(budget.max_credits)}${budget.share !== budget.max_credits || (shard && shard.count > 1) ? `, this shard's share ${n(budget.share)}` : ''}` : '';
  const lines = [
    `${m.name}  (${m.path})  ${plural(m.jobs.length, 'job')}, ${plural(sumCredits(m.jobs), 'credit')}${budgetText}`,
    line(header),
    ...rows.map(line),
  ];
  if (m.jobs.length > rows.length) lines.push(`  … and ${plural(m.jobs.length - rows.length, 'more job')} (plan --json lists them all)`);
  return `${lines.join('\n')}\n`;
}

function writeTables(set: ManifestSet, shard: Shard | undefined, out: Writable): void {
  for (const m of set.manifests) out.write(`${table(m, shard)}\n`);
  const credits = sumCredits(set.jobs);
  out.write(
    `total: ${plural(set.manifests.length, 'manifest')}, ${plural(set.jobs.length, 'job')}, about ${plural(credits, 'credit')}` +
      `${shard ? ` (shard ${shard.index}/${shard.count})` : ''}\n` +
      `estimated from the price table of ${PRICE_TABLE_VERSION}; the service's own charge per submit is what counts. Nothing was sent.\n`,
  );
}

/**
 * `paiwo-batch plan`: the jobs the manifests expand to and their estimated credits, as tables or (`--json`) one
 * JSON document streamed to stdout. Exit 0, or 2 with every manifest problem on stderr. Never contacts the
 * network.
 */
export async function planCommand(patterns: readonly string[], options: PlanCommandOptions, io: CommandIO): Promise<number> {
  let set: ManifestSet;
  try {
    set = await loadManifests(patterns, {
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.maxJobs !== undefined && { maxJobs: options.maxJobs }),
      ...(options.shard && { shard: options.shard }),
    });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    for (const d of error.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    const errors = error.diagnostics.filter((d) => d.severity === 'error').length;
    io.stderr.write(`${plural(errors, 'error')} in the manifests; nothing was planned or sent.\n`);
    return 2;
  }
  for (const d of set.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  if (options.json) await writeJson(set, options.shard, io.stdout);
  else writeTables(set, options.shard, io.stdout);
  return 0;
}
