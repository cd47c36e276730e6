import type { JobStatus, Ledger, LedgerJob, SubmitAttempt } from '../ledger/types.js';
import { attemptsOf, computeTotals } from '../ledger/money.js';
import { describeService } from '../ledger/service-identity.js';
import { UserError } from '../errors/paiwo-error.js';
import { canonicalJson } from '../util/canonical-json.js';

export interface MergeSource {
  readonly dir: string;
  readonly ledger: Ledger;
}

export interface MergeConflict {
  readonly id: string;
  readonly dirs: readonly [string, string];
  readonly reason: string;
}

export interface MergeResult {
  readonly ledger: Ledger;
  /** Job id → the folder whose record was kept (its video file is taken from there). */
  readonly sourceOf: ReadonlyMap<string, string>;
  readonly conflicts: readonly MergeConflict[];
  /** Jobs found in more than one folder with consistent records. */
  readonly duplicates: number;
  /** Consistent duplicates worth a look, e.g. a discarded record that may have been charged. */
  readonly warnings: readonly string[];
}

/** Further along the lifecycle wins when two records of one job agree (pending → submitting → … → terminal). */
const RANK: Readonly<Record<JobStatus, number>> = {
  pending: 0,
  skipped: 0,
  submitting: 1,
  unknown: 2,
  submitted: 3,
  failed: 4,
  moderated: 4,
  succeeded: 5,
};

/**
 * The union of several ledgers by job id. The same id in two folders must be the same job where it matters
 * (request body, output file, video id, and the same outcome when both finished); otherwise it is a conflict and
 * nothing is chosen. Pure: reads and writes nothing.
 */
export function mergeLedgers(sources: readonly MergeSource[]): MergeResult {
  const kept = new Map<string, { job: LedgerJob; dir: string }>();
  const conflicts: MergeConflict[] = [];
  const warnings: string[] = [];
  let duplicates = 0;
  for (const { dir, ledger } of sources) {
    for (const job of ledger.jobs) {
      const current = kept.get(job.id);
      if (!current) {
        kept.set(job.id, { job, dir });
        continue;
      }
      const reason = conflictBetween(current.job, job);
      if (reason) {
        conflicts.push({ id: job.id, dirs: [current.dir, dir], reason });
        continue;
      }
      duplicates++;
      const replace = RANK[job.status] > RANK[current.job.status] || (RANK[job.status] === RANK[current.job.status] && job.updated_at > current.job.updated_at);
      const [winner, loser] = replace ? [{ job, dir }, current] : [current, { job, dir }];
      if ((loser.job.status === 'unknown' || loser.job.status === 'submitting') && loser.job.video_id === null && winner.job.status !== loser.job.status) {
        warnings.push(
          `job ${job.id}: kept the ${winner.job.status} record from ${winner.dir}; ${loser.dir} has it ${loser.job.status}, a submit that may have been charged too (check your DMXAPI console)`,
        );
      }
      kept.set(job.id, { ...winner, job: withEveryAttempt(winner.job, loser.job) });
    }
  }
  const jobs = [...kept.values()].map((k) => k.job);
  const service = mergedService(sources);
  return {
    ledger: { version: 1, ...(service !== undefined && { service }), jobs, totals: computeTotals(jobs) },
    sourceOf: new Map([...kept.entries()].map(([id, k]) => [id, k.dir])),
    conflicts,
    duplicates,
    warnings,
  };
}

/**
 * The one service all the ledgers ran against (service-identity.ts); a rehearsal's shards never merge with a
 * real run's. Ledgers that recorded none (older versions) take no part in the decision.
 */
function mergedService(sources: readonly MergeSource[]): string | undefined {
  const recorded = sources.filter((s) => s.ledger.service !== undefined);
  const first = recorded[0];
  const other = recorded.find((s) => s.ledger.service !== first?.ledger.service);
  if (first && other) {
    throw new UserError(
      'SERVICE_MISMATCH',
      `${first.dir} ran against ${describeService(first.ledger.service!)} and ${other.dir} against ${describeService(other.ledger.service!)}: a rehearsal and a real run (or two services) never share a ledger; nothing was written`,
    );
  }
  return first?.ledger.service;
}

/** How far an attempt's outcome got: the same attempt seen in two folders keeps its further record. */
const ATTEMPT_RANK: Readonly<Record<SubmitAttempt['outcome'], number>> = { submitting: 0, unknown: 1, accepted: 2, refused: 2 };

/**
 * The winner's record with the submit attempts of both records (ledger/money.ts counts money from attempts): a
 * job that succeeded in one folder may have an unknown, charged attempt in another, and the account paid both.
 * One attempt seen in both folders (a copied folder, a merge merged again) is the same `at` and is kept once,
 * further along; attempts are kept in time order.
 */
function withEveryAttempt(winner: LedgerJob, loser: LedgerJob): LedgerJob {
  const submits = [...attemptsOf(winner)];
  let added = false;
  for (const a of attemptsOf(loser)) {
    const i = submits.findIndex((w) => w.at === a.at && (w.video_id === a.video_id || w.video_id === null || a.video_id === null));
    if (i < 0) {
      submits.push(a);
      added = true;
    } else if (ATTEMPT_RANK[a.outcome] > ATTEMPT_RANK[submits[i]!.outcome]) {
      submits[i] = a;
      added = true;
    }
  }
  if (!added) return winner;
  submits.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  return { ...winner, submits, attempts: Math.max(winner.attempts, submits.length) };
}

/** Why two records of one id cannot be the same job, or `null` when they can. */
function conflictBetween(a: LedgerJob, b: LedgerJob): string | null {
  if (canonicalJson(a.request) !== canonicalJson(b.request)) return 'different request bodies';
  if (a.file !== b.file) return `different output files (${a.file} vs ${b.file})`;
  if (a.video_id !== null && b.video_id !== null && a.video_id !== b.video_id) {
    return `different video ids (${a.video_id} vs ${b.video_id}): the job was generated, and paid for, twice`;
  }
  if (RANK[a.status] === RANK[b.status] && a.status !== b.status) return `different outcomes (${a.status} vs ${b.status})`;
  if (a.status === 'succeeded' && b.status === 'succeeded' && a.sha256 && b.sha256 && a.sha256 !== b.sha256) {
    return 'different video files (sha256 differs)';
  }
  return null;
}
