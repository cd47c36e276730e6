import { isAbsolute, join, resolve } from 'node:path';
import { shardBudget } from './manifest/shard-jobs.js';
import type { LoadedManifest, ManifestSet, Shard } from './manifest/types.js';
import type { JobBudget, Ledger } from './ledger/types.js';
import { SIMULATOR_SERVICE } from './ledger/service-identity.js';
import type { PlannedJob } from './scheduler/plan-work.js';
import type { JobSettings } from './scheduler/run-context.js';
import { DEFAULT_BREAKER, type BreakerSettings } from './scheduler/failure-breaker.js';
import { isShippedClip } from './simulator/media-library.js';

/** Flags that override the manifests' `run:` blocks (`undefined` = the manifest decides). */
export interface RunOverrides {
  readonly concurrency?: number;
  readonly requestsPerSecond?: number;
  readonly maxCredits?: number;
  readonly jobTimeoutMs?: number;
  readonly retries?: number;
  /** Output folder for every manifest of the run. */
  readonly out?: string;
  /** `--outage-wait`, ms. */
  readonly outageWaitMs?: number;
  /** `--no-failure-breaker` (null) or `--breaker-*` flags (each overrides its field). */
  readonly failureBreaker?: { readonly minFinished?: number; readonly window?: number; readonly rate?: number } | null;
}

/** Added to a rehearsal's default output folder: `output/<name>.rehearsal/`. */
export const REHEARSAL_SUFFIX = '.rehearsal';

/** One output folder of the plan. */
export interface FolderPlan {
  readonly outDir: string;
  readonly jobs: PlannedJob[];
  /** This run's budget for the folder: with `--shard`, this shard's share of the manifest's. */
  readonly maxCredits: number | undefined;
  /** The manifest's whole budget and this run's share, recorded on the jobs. */
  readonly budget: JobBudget | null;
}

/**
 * A manifest's output folder (absolute): `out` (the `--out` flag), else its `run.out`, else
 * `output/<manifest name>/`; a rehearsal without `out` adds `.rehearsal` to that folder's name
 * (`output/<name>.rehearsal/`), so it never takes the real run's folder, unless the name ends in `.rehearsal`
 * already (a promoted rehearsal's `run.out`: its takes land beside their sources); a shard without `out` uses
 * `<that>/shard-k-of-n/` so shards never share a ledger.
 */
export function outputFolderOf(m: LoadedManifest, out: string | undefined, shard: Shard | undefined, cwd: string, rehearsal = false): string {
  if (out !== undefined) return resolve(cwd, out);
  const base = m.run.out ?? join('output', m.name);
  const real = isAbsolute(base) ? base : resolve(cwd, base);
  // A manifest whose run.out already names a rehearsal's folder (promote of a rehearsal) rehearses into it.
  const dir = rehearsal && !real.endsWith(REHEARSAL_SUFFIX) ? `${real}${REHEARSAL_SUFFIX}` : real;
  return shard ? join(dir, `shard-${shard.index}-of-${shard.count}`) : dir;
}

/**
 * Groups the jobs by output folder (outputFolderOf). Per-job settings
 * come from the job's own manifest; a folder's budget is the strictest `max_credits` of the manifests in it (or
 * `--max-credits`), and a shard's is its share of that, in proportion to its jobs' estimated cost.
 */
export function planFolders(set: ManifestSet, overrides: RunOverrides, shard: Shard | undefined, cwd: string, rehearsal: boolean): FolderPlan[] {
  const byPath = new Map(set.manifests.map((m) => [m.path, m]));
  const byName = new Map(set.manifests.map((m) => [m.name, m]));
  const folders = new Map<string, { outDir: string; jobs: PlannedJob[]; budgets: number[]; wholeCredits: number }>();
  const outOf = (m: LoadedManifest): string => outputFolderOf(m, overrides.out, shard, cwd, rehearsal);
  const settingsOf = new Map<LoadedManifest, JobSettings>();
  for (const m of set.manifests) {
    settingsOf.set(m, {
      poll: m.run.poll,
      jobTimeoutMs: overrides.jobTimeoutMs ?? m.run.jobTimeoutMs,
      retries: overrides.retries ?? m.run.retries,
    });
    const outDir = outOf(m);
    let folder = folders.get(outDir);
    if (!folder) {
      folder = { outDir, jobs: [], budgets: [], wholeCredits: 0 };
      folders.set(outDir, folder);
    }
    if (m.run.maxCredits !== undefined) folder.budgets.push(m.run.maxCredits);
    folder.wholeCredits += m.unshardedCredits ?? m.jobs.reduce((sum, j) => sum + j.estimatedCredits, 0);
  }
  for (const job of set.jobs) {
    const manifest = byPath.get(job.manifest) ?? byName.get(job.manifestName) ?? set.manifests[0]!;
    folders.get(outOf(manifest))!.jobs.push({ job, settings: settingsOf.get(manifest)! });
  }
  return [...folders.values()].map(({ outDir, jobs, budgets, wholeCredits }) => {
    const whole = overrides.maxCredits ?? (budgets.length > 0 ? Math.min(...budgets) : undefined);
    if (whole === undefined) return { outDir, jobs, maxCredits: undefined, budget: null };
    const mine = jobs.reduce((sum, p) => sum + p.job.estimatedCredits, 0);
    const share = shard && shard.count > 1 ? shardBudget(whole, mine, wholeCredits, shard.count) : whole;
    return { outDir, jobs, maxCredits: share, budget: { max_credits: whole, share } };
  });
}

/** The run's request rate: the flag, else the strictest manifest's (one account, one limit). */
export function requestRateOf(manifests: readonly LoadedManifest[], overrides: RunOverrides): { requestsPerSecond?: number } {
  if (overrides.requestsPerSecond !== undefined) return { requestsPerSecond: overrides.requestsPerSecond };
  const limits = manifests.map((m) => m.run.requestsPerSecond).filter((r): r is number => r !== undefined);
  return limits.length > 0 ? { requestsPerSecond: Math.min(...limits) } : {};
}

/** The run's generation slots: the flag, else the strictest manifest's. */
export function concurrencyOf(manifests: readonly LoadedManifest[], overrides: RunOverrides): number {
  return overrides.concurrency ?? Math.min(...manifests.map((m) => m.run.concurrency));
}

/**
 * The service a folder's ledger ran against. Ledgers from before it was recorded have none — unless their videos
 * are the simulator's shipped clips, which only a rehearsal (the old `--simulator` wrote to the real folder) has.
 */
export function recordedService(ledger: Ledger | null): string | undefined {
  if (!ledger) return undefined;
  if (ledger.service !== undefined) return ledger.service;
  return ledger.jobs.some((j) => j.status === 'succeeded' && j.sha256 !== null && isShippedClip(j.sha256)) ? SIMULATOR_SERVICE : undefined;
}

/** How long the run waits for an unreachable service: the flag, else the shortest manifest's (default 30 min). */
export function outageWaitOf(manifests: readonly LoadedManifest[], overrides: RunOverrides): number | undefined {
  if (overrides.outageWaitMs !== undefined) return overrides.outageWaitMs;
  const waits = manifests.map((m) => m.run.outageWaitMs).filter((w): w is number => w !== undefined);
  return waits.length > 0 ? Math.min(...waits) : undefined;
}

/**
 * The run's failure-rate breaker (one service, one breaker): off with `--no-failure-breaker`, or when every
 * manifest turns it off and no `--breaker-*` flag is given; else the strictest of the manifests that have it on
 * (fewest finished, smallest window, lowest rate; the scheduler's defaults when none says), each field
 * overridable by its flag.
 */
export function failureBreakerOf(manifests: readonly LoadedManifest[], overrides: RunOverrides): BreakerSettings | null {
  const flags = overrides.failureBreaker;
  if (flags === null) return null;
  const on = manifests.map((m) => m.run.failureBreaker).filter((b): b is BreakerSettings => b !== null && b !== undefined);
  if (on.length === 0 && flags === undefined && manifests.some((m) => m.run.failureBreaker === null)) return null;
  const base: BreakerSettings =
    on.length === 0
      ? DEFAULT_BREAKER
      : { minFinished: Math.min(...on.map((b) => b.minFinished)), window: Math.min(...on.map((b) => b.window)), rate: Math.min(...on.map((b) => b.rate)) };
  return { ...base, ...flags };
}
