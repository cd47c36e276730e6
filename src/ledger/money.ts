import { JOB_STATUSES, type JobStatus, type LedgerJob, type LedgerTotals, type SubmitAttempt } from './schema.js';

/**
 * The money of a ledger, one function each, pure over ledger records: `run`, `status`, the report, the progress
 * display, the step summary, `merge` and the budget all read these, so they can never disagree.
 *
 * The account's real net charge for a set of jobs lies within
 * `[credits_spent − credits_refunded, credits_spent − credits_refunded + credits_unknown]` (the bracket):
 * - `credits_spent`: the charges the service reported, across every attempt of every job;
 * - `credits_refunded`: its refunds, each at most the charge of its attempt (a refund reported above it is not
 *   believed: counting it would let a budget pass);
 * - `credits_unknown`: the estimate of every attempt whose charge is not known — outcome unknown, a submit on
 *   the wire when the runner died, or an answer that accepted a priced job with no usable charge (0 or none).
 */
export interface MoneyTotals {
  readonly credits_spent: number;
  readonly credits_refunded: number;
  readonly credits_unknown: number;
}

/** The attempt history of a job; for a ledger written before attempts were kept, derived from the old fields. */
export function attemptsOf(job: LedgerJob): readonly SubmitAttempt[] {
  if (job.submits) return job.submits;
  const out: SubmitAttempt[] = [];
  const at = job.submitted_at ?? job.updated_at;
  const base = { at, estimated_credits: job.estimated_credits, request_id: null };
  if (job.credits !== null) {
    out.push({ ...base, outcome: 'accepted', video_id: job.video_id, credits: job.credits, credits_refunded: job.credits_refunded });
  }
  if (job.status === 'unknown' || job.status === 'submitting') {
    out.push({ ...base, outcome: job.status === 'unknown' ? 'unknown' : 'submitting', video_id: null, credits: null, credits_refunded: 0 });
  }
  return out;
}

/**
 * Whether the job's last submit may have been charged with no video id recorded (its outcome unknown, or on the
 * wire when the runner died): such a job is sent again only with `--resubmit-unknown`, even once skipped.
 */
export function lastAttemptMayBeCharged(job: LedgerJob): boolean {
  const last = attemptsOf(job).at(-1);
  return last?.outcome === 'unknown' || last?.outcome === 'submitting';
}

/** The charge of an attempt the ledger knows, or null when it may have been charged an unknown amount. */
export function knownChargeOf(a: SubmitAttempt): number | null {
  if (a.outcome === 'refused') return 0;
  if (a.outcome !== 'accepted' || a.credits === null) return null;
  // A priced job accepted "for free" is a gateway that did not say: the amount is not known.
  if (a.credits <= 0 && a.estimated_credits > 0) return null;
  return a.credits;
}

/** The most an attempt can be refunded: its known charge, else its estimate. */
export function refundCapOf(a: SubmitAttempt): number {
  return knownChargeOf(a) ?? a.estimated_credits;
}

/** Totals over jobs; see the bracket above. */
export function moneyOf(jobs: readonly LedgerJob[]): MoneyTotals {
  let spent = 0;
  let refunded = 0;
  let unknown = 0;
  for (const job of jobs) {
    for (const a of attemptsOf(job)) {
      const charge = knownChargeOf(a);
      if (charge === null) {
        if (a.outcome === 'accepted') spent += Math.max(0, a.credits ?? 0);
        unknown += a.estimated_credits;
      } else spent += charge;
      refunded += Math.min(Math.max(0, a.credits_refunded), refundCapOf(a));
    }
  }
  return { credits_spent: spent, credits_refunded: refunded, credits_unknown: unknown };
}

/** What a budget counts as spent: the top of the bracket (everything that may have been charged, net of refunds). */
export function budgetSpentOf(jobs: readonly LedgerJob[]): number {
  const m = moneyOf(jobs);
  return m.credits_spent - m.credits_refunded + m.credits_unknown;
}

/** Jobs that still need the user (or another run) before their outcome is known. */
export const UNRESOLVED_STATUSES: readonly JobStatus[] = ['unknown', 'submitting', 'submitted', 'skipped', 'pending'];

export function isUnresolved(job: LedgerJob): boolean {
  return UNRESOLVED_STATUSES.includes(job.status);
}

/** The unresolved set: one rule for run, status, the report and the step summary. */
export function unresolvedJobs(jobs: readonly LedgerJob[]): LedgerJob[] {
  return jobs.filter(isUnresolved);
}

/** A job skipped by the budget (not by the account's balance). */
export function isBudgetSkip(job: LedgerJob): boolean {
  return job.status === 'skipped' && (job.error === null || String(job.error.code).toUpperCase() === 'BUDGET');
}

/**
 * The budget a folder's ledger was last run with: this shard's share when every job agrees on it, else (a
 * merged folder of several shards) the whole manifest's `max_credits`; null when no job recorded a budget.
 */
export function budgetLimitOf(jobs: readonly LedgerJob[]): number | null {
  const shares = new Set<number>();
  let whole: number | null = null;
  for (const j of jobs) {
    if (!j.budget) continue;
    shares.add(j.budget.share);
    whole = whole === null ? j.budget.max_credits : Math.min(whole, j.budget.max_credits);
  }
  if (shares.size === 0) return null;
  return shares.size === 1 ? [...shares][0]! : whole;
}

/**
 * How many more credits of `max_credits` would let the budget-skipped jobs run: what may have been spent plus
 * their estimates, minus the budget (budget 100, 70 spent, one skipped 80-credit job: 50). Null when no job
 * was skipped by the budget or no budget is known.
 */
export function budgetShortfallOf(jobs: readonly LedgerJob[], maxCredits: number | null | undefined = budgetLimitOf(jobs)): number | null {
  let skipped = 0;
  let any = false;
  for (const j of jobs) {
    if (!isBudgetSkip(j)) continue;
    any = true;
    skipped += j.estimated_credits;
  }
  if (!any || maxCredits === null || maxCredits === undefined) return null;
  return Math.max(0, budgetSpentOf(jobs) + skipped - maxCredits);
}

export function emptyStatusCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}

/** Totals are derived, never stored separately from the jobs. */
export function computeTotals(jobs: readonly LedgerJob[]): LedgerTotals {
  const by_status = emptyStatusCounts();
  for (const job of jobs) by_status[job.status]++;
  return { jobs: jobs.length, by_status, ...moneyOf(jobs) };
}
