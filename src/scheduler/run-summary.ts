import { exitCodeOfOutcome, type RunOutcome } from '../errors/run-outcome.js';
import { budgetShortfallOf, budgetSpentOf, isBudgetSkip, isUnresolved, moneyOf } from '../ledger/money.js';
import { emptyStatusCounts } from '../ledger/money.js';
import { type JobBudget, type JobStatus, type LedgerError, type LedgerJob } from '../ledger/types.js';
import { OUT_OF_CREDITS, whatToDo as whatToDoNow } from '../report/status.js';
import type { StopReason } from './run-control.js';
import type { BreakerTrip } from './failure-breaker.js';
import type { OutageRecord } from './outage-guard.js';

export interface FailedJob {
  readonly id: string;
  readonly out_dir: string;
  readonly status: JobStatus;
  readonly video_id: string | null;
  readonly file: string;
  readonly error: LedgerError | null;
}

export interface UnresolvedJob extends FailedJob {
  readonly what_to_do: string;
}

/** The end of a run, for people (printed), machines (`--json`) and CI (step summary). */
export interface RunSummary {
  /** The code the run's outcome (outcomeOf) ends the process with: its error's (errors/run-outcome.ts). */
  readonly exit_code: number;
  readonly out_dirs: readonly string[];
  /** The jobs of this run (the planned ones; other jobs of the ledgers are not counted). */
  readonly total_jobs: number;
  readonly jobs: Readonly<Record<JobStatus, number>>;
  /** Of the output folders' ledgers, across every run there (ledger/money.ts: the bracket). */
  readonly credits_spent: number;
  readonly credits_refunded: number;
  readonly credits_unknown: number;
  readonly credits_spent_this_run: number;
  /** Per output folder with a budget: its max_credits (this shard's share with --shard) and what may be spent. */
  readonly budgets: readonly { readonly out_dir: string; readonly max_credits: number; readonly manifest_max_credits: number; readonly spent: number }[];
  readonly unresolved: readonly UnresolvedJob[];
  readonly failed: readonly FailedJob[];
  /** Credits missing from max_credits to finish the jobs skipped for budget; null when none was. */
  readonly budget_shortfall: number | null;
  readonly stopped: readonly StopReason[];
  /** The outages the run met: when, why, probes, unknowns, how each ended (issue 21). Empty when none. */
  readonly outages: readonly OutageRecord[];
  /** Why the failure-rate breaker stopped submitting (exit 5); null when it did not trip. */
  readonly breaker: BreakerTrip | null;
  readonly reports: readonly string[];
  readonly duration_ms: number;
  /** The service the run sent to (`"simulator"` for a rehearsal, else the API origin); set by runBatch. */
  readonly service?: string;
}

/** Why a job that was never submitted was not: the run stopped submitting, and the user can act on the cause. */
const PENDING_BECAUSE: Readonly<Partial<Record<StopReason, string>>> = {
  'insufficient-balance': OUT_OF_CREDITS,
  'account-refused': 'not submitted: the service refused the account (see the error above: key, permission or model); fix it and rerun the same command',
  interrupted: 'not submitted: the run was interrupted; rerun the same command',
  outage: 'not submitted: the service stayed unreachable longer than outage_wait (nothing was sent for it); rerun the same command once it answers (`paiwo-batch doctor` checks it for free)',
  'failure-rate': 'not submitted: most recently finished jobs failed, so submitting stopped (see why above); rerun the same command once the service or the prompts are fixed',
};

/**
 * One sentence per unresolved job, the same as `status` and the report give, except that a job never submitted
 * says why when this run stopped submitting.
 */
export function whatToDo(job: LedgerJob, stopped: readonly StopReason[] = []): string {
  if (job.status === 'pending') {
    for (const reason of stopped) {
      const text = PENDING_BECAUSE[reason];
      if (text !== undefined) return text;
    }
  }
  return whatToDoNow(job);
}

/** What decides a run's outcome: why it stopped, and where its jobs ended (a RunSummary is one). */
export interface OutcomeInputs {
  readonly stopped: readonly StopReason[];
  readonly jobs: Readonly<Record<JobStatus, number>>;
}

/**
 * The one place a run's outcome is decided, also what `status` says a rerun would end with (docs/cli.md "Exit
 * codes"): interrupted; else the first that applies of account refused, credits or budget exhausted,
 * unresolved jobs, failed or moderated jobs; else ok. The command throws the outcome's error
 * (errors/run-outcome.ts), which carries the exit code.
 */
export function outcomeOf({ stopped, jobs }: OutcomeInputs): RunOutcome {
  if (stopped.includes('interrupted')) return 'interrupted';
  if (stopped.includes('account-refused')) return 'account-refused';
  if (stopped.includes('insufficient-balance')) return 'insufficient-balance';
  // The breaker stopped paying for jobs the service fails: that is the news, whatever is left pending (exit 5).
  if (stopped.includes('failure-rate')) return 'failed-jobs';
  if (jobs.skipped > 0) return 'over-budget';
  if (jobs.unknown + jobs.submitting + jobs.submitted + jobs.pending > 0) return 'unresolved-jobs';
  if (jobs.failed + jobs.moderated > 0) return 'failed-jobs';
  return 'ok';
}

export interface SummaryInputs {
  readonly targets: readonly {
    readonly outDir: string;
    /** This run's jobs in this folder, as the ledger has them now. */
    readonly jobs: readonly LedgerJob[];
    /** All jobs of the folder's ledger. */
    readonly allJobs: readonly LedgerJob[];
    readonly spentAtStart: number;
    readonly maxCredits: number | undefined;
    readonly budget: JobBudget | null;
  }[];
  readonly stopped: readonly StopReason[];
  readonly outages?: readonly OutageRecord[];
  readonly breaker?: BreakerTrip | null;
  readonly reports: readonly string[];
  readonly durationMs: number;
}

export function summarizeRun(input: SummaryInputs): RunSummary {
  const jobs = emptyStatusCounts();
  const unresolved: UnresolvedJob[] = [];
  const failed: FailedJob[] = [];
  const budgets: RunSummary['budgets'][number][] = [];
  let total = 0;
  let spent = 0;
  let refunded = 0;
  let unknown = 0;
  let spentThisRun = 0;
  let shortfall: number | null = null;
  for (const t of input.targets) {
    const money = moneyOf(t.allJobs);
    spent += money.credits_spent;
    refunded += money.credits_refunded;
    unknown += money.credits_unknown;
    spentThisRun += money.credits_spent - t.spentAtStart;
    for (const j of t.jobs) {
      total++;
      jobs[j.status]++;
      const base = { id: j.id, out_dir: t.outDir, status: j.status, video_id: j.video_id, file: j.file, error: j.error };
      if (isUnresolved(j)) unresolved.push({ ...base, what_to_do: whatToDo(j, input.stopped) });
      if (j.status === 'failed' || j.status === 'moderated') failed.push(base);
    }
    if (t.maxCredits !== undefined) {
      budgets.push({ out_dir: t.outDir, max_credits: t.maxCredits, manifest_max_credits: t.budget?.max_credits ?? t.maxCredits, spent: budgetSpentOf(t.allJobs) });
      const short = budgetShortfallOf(t.jobs.some(isBudgetSkip) ? t.allJobs : [], t.maxCredits);
      if (short !== null) shortfall = (shortfall ?? 0) + short;
    }
  }
  return {
    exit_code: exitCodeOfOutcome(outcomeOf({ stopped: input.stopped, jobs })),
    out_dirs: input.targets.map((t) => t.outDir),
    total_jobs: total,
    jobs,
    credits_spent: spent,
    credits_refunded: refunded,
    credits_unknown: unknown,
    credits_spent_this_run: spentThisRun,
    budgets,
    unresolved,
    failed,
    budget_shortfall: shortfall,
    stopped: input.stopped,
    outages: input.outages ?? [],
    breaker: input.breaker ?? null,
    reports: input.reports,
    duration_ms: input.durationMs,
  };
}
