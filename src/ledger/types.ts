import { moneyOf } from './ledger-money.js';
import { JOB_STATUSES, type JobStatus, type LedgerJob, type LedgerTotals } from './ledger-schema.js';

// The ledger's types are defined by its schema (ledger-schema.ts); they are named here too, where most code
// imports them from.
export { JOB_STATUSES } from './ledger-schema.js';
export type { JobBudget, JobStatus, Ledger, LedgerError, LedgerJob, LedgerTotals, SubmitAttempt } from './ledger-schema.js';

export function emptyStatusCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}

/** Totals are derived, never stored separately from the jobs. */
export function computeTotals(jobs: readonly LedgerJob[]): LedgerTotals {
  const by_status = emptyStatusCounts();
  for (const job of jobs) by_status[job.status]++;
  return { jobs: jobs.length, by_status, ...moneyOf(jobs) };
}
