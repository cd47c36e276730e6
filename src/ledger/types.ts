// The ledger's types are defined by its schema (ledger/schema.ts); they are named here too, where most code
// imports them from.
export { JOB_STATUSES } from './schema.js';
export type { JobBudget, JobStatus, Ledger, LedgerError, LedgerJob, LedgerTotals, SubmitAttempt } from './schema.js';
