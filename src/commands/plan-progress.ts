import type { Shard } from '../manifest/types.js';
import { UserError } from '../errors/paiwo-error.js';
import type { Job, LoadedManifest, ManifestSet } from '../manifest/types.js';
import { readLedger } from '../ledger/store.js';
import type { LedgerJob } from '../ledger/types.js';
import { outputFolderOf } from '../plan-folders.js';
import { fileIntact, needOf, type JobNeed, type ResumeOptions } from '../scheduler/plan-work.js';

export type { JobNeed };

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
  const needs = new Map<string, Map<string, JobNeed>>();
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
  const byPath = new Map(set.manifests.map((m) => [m.path, m]));
  const byName = new Map(set.manifests.map((m) => [m.name, m]));
  const needIn = (m: LoadedManifest, job: Job): JobNeed => needs.get(dirs.get(m)!)?.get(job.id) ?? 'submit';
  return {
    outDirOf: (m) => dirs.get(m)!,
    needIn,
    need: (job) => needIn(byPath.get(job.manifest) ?? byName.get(job.manifestName) ?? set.manifests[0]!, job),
  };
}
