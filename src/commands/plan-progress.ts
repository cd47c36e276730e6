import type { Shard } from '../manifest/types.js';
import { UserError } from '../errors/paiwo-error.js';
import type { Job, LoadedManifest, ManifestSet } from '../manifest/types.js';
import { readLedger } from '../ledger/store.js';
import type { LedgerJob } from '../ledger/types.js';
import { outputFolderOf, planFolders } from '../plan-folders.js';
import { Budget } from '../scheduler/budget.js';
import { submitOrder } from '../scheduler/schedule-jobs.js';
import { fileIntact, needOf, type JobNeed as RunNeed, type ResumeOptions } from '../scheduler/plan-work.js';

/** What `run` would do with a job (needOf), and `over budget`: a job it would submit but the budget would skip. */
export type JobNeed = RunNeed | 'over budget';

export interface PlanProgressOptions extends ResumeOptions {
  /** `--out`: one output folder for every manifest. */
  readonly out?: string;
  readonly shard?: Shard;
  readonly cwd: string;
  /** `plan --simulator`: the rehearsal folders (`<folder>.rehearsal`), as `run --simulator` picks them. */
  readonly rehearsal?: boolean;
}

/** What the output folders already hold, job by job, read the way `run` reads them (needOf). */
export interface PlanProgress {
  /** The manifest's output folder (absolute), as `run` would use it. */
  outDirOf(m: LoadedManifest): string;
  /** What a job of this manifest still needs in the manifest's folder. */
  needIn(m: LoadedManifest, job: Job): JobNeed;
  /** What a job of the deduplicated set still needs, in the folder `run` would give it (its first manifest's). */
  need(job: Job): JobNeed;
}

/** A folder without a ledger has nothing done: every job is new. */
async function ledgerJobs(outDir: string): Promise<Map<string, LedgerJob>> {
  try {
    return new Map((await readLedger(outDir)).jobs.map((j) => [j.id, j]));
  } catch (error) {
    if (error instanceof UserError && error.code === 'LEDGER_NOT_FOUND') return new Map();
    throw error;
  }
}

/**
 * Reads the ledger (snapshot + journal, without the lock: safe while a run writes) of every output folder of
 * the plan, and decides for each job what the run would do with it — with the run's own rule (needOf in
 * scheduler/plan-work.ts), so `plan` and `run` never disagree about what is done.
 */
export async function planProgress(set: ManifestSet, options: PlanProgressOptions): Promise<PlanProgress> {
  const dirs = new Map<LoadedManifest, string>();
  const ledgers = new Map<string, Map<string, LedgerJob>>();
  const needs = new Map<string, Map<string, RunNeed>>();
  for (const m of set.manifests) {
    const dir = outputFolderOf(m, options.out, options.shard, options.cwd, options.rehearsal === true);
    dirs.set(m, dir);
    if (!ledgers.has(dir)) ledgers.set(dir, await ledgerJobs(dir));
    const records = ledgers.get(dir)!;
    let folderNeeds = needs.get(dir);
    if (!folderNeeds) needs.set(dir, (folderNeeds = new Map()));
    for (const job of m.jobs) {
      if (folderNeeds.has(job.id)) continue;
      const rec = records.get(job.id);
      folderNeeds.set(job.id, needOf(rec, await fileIntact(dir, rec), options));
    }
  }
  const overBudget = await budgetSkips(set, options, ledgers, needs);
  const byPath = new Map(set.manifests.map((m) => [m.path, m]));
  const byName = new Map(set.manifests.map((m) => [m.name, m]));
  const needIn = (m: LoadedManifest, job: Job): JobNeed => {
    const dir = dirs.get(m)!;
    const need = needs.get(dir)?.get(job.id) ?? 'submit';
    return need === 'submit' && overBudget.get(dir)?.has(job.id) ? 'over budget' : need;
  };
  return {
    outDirOf: (m) => dirs.get(m)!,
    needIn,
    need: (job) => needIn(byPath.get(job.manifest) ?? byName.get(job.manifestName) ?? set.manifests[0]!, job),
  };
}

/**
 * The jobs of each folder that the run's budget would skip: the run's own folders and budgets (planFolders: the
 * strictest `max_credits`, a shard's share) and its own `Budget`, fed the jobs to submit in the run's order, each
 * assumed charged what the budget holds for it (its estimate, scaled by the charges the ledger already saw), in
 * the order run starts them (submitOrder).
 */
async function budgetSkips(
  set: ManifestSet,
  options: PlanProgressOptions,
  ledgers: ReadonlyMap<string, ReadonlyMap<string, LedgerJob>>,
  needs: ReadonlyMap<string, ReadonlyMap<string, RunNeed>>,
): Promise<Map<string, Set<string>>> {
  const skips = new Map<string, Set<string>>();
  const overrides = options.out !== undefined ? { out: options.out } : {};
  for (const folder of planFolders(set, overrides, options.shard, options.cwd, false)) {
    if (folder.maxCredits === undefined) continue;
    const budget = new Budget(folder.maxCredits, [...(ledgers.get(folder.outDir)?.values() ?? [])]);
    const skipped = new Set<string>();
    for (const { job } of submitOrder(folder.jobs, (p) => p.job.request)) {
      if (needs.get(folder.outDir)?.get(job.id) !== 'submit' || skipped.has(job.id)) continue;
      const hold = await budget.reserve(job.request, job.estimatedCredits);
      if (hold === null) skipped.add(job.id);
      else budget.settle(hold, { kind: 'accepted', credits: hold.amount });
    }
    skips.set(folder.outDir, skipped);
  }
  return skips;
}
