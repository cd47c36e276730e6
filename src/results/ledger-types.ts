import type { SubmitRequest } from '../model/capabilities.js';
import type { AxisValue } from '../manifest/types.js';
import { moneyOf } from './ledger-money.js';

export const JOB_STATUSES = ['pending', 'submitting', 'submitted', 'succeeded', 'failed', 'moderated', 'unknown', 'skipped'] as const;
/**
 * - `submitting`: the intent to submit is on disk; the request may be on the wire.
 * - `unknown`: a submit whose outcome cannot be known (it may have been charged); held for the user.
 * - `submitted`: the service answered with a video id; generating or not yet downloaded.
 */
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface LedgerError {
  /** The service's ErrCode, the gateway's HTTP status/code, or one of ours (e.g. `BUDGET`, `TIMEOUT`). */
  readonly code: string | number;
  readonly message: string;
}

/**
 * One submit of a job that may have reached the service. Every charge the account may have taken is one of these:
 * `--resubmit-unknown` and `--retry-failed` add an attempt, they never overwrite an earlier one.
 * - `submitting`: the intent was on disk, no answer recorded (on the wire, or the runner died): may be charged.
 * - `unknown`: the answer could not prove either way: may be charged.
 * - `accepted`: the service answered with a video id; `credits` is what it said it charged.
 * - `refused`: the answer proved nothing was created (nothing charged).
 */
export interface SubmitAttempt {
  /** When the intent to submit was recorded. */
  at: string;
  outcome: 'submitting' | 'unknown' | 'accepted' | 'refused';
  video_id: string | null;
  /** What the service said it charged (`Resp.credits`); null without an answer. */
  credits: number | null;
  /** The price table's estimate when it was sent. */
  estimated_credits: number;
  /** What the service refunded for this attempt's video, never more than its charge (ledger-money.ts). */
  credits_refunded: number;
  /** The answer's `X-Rixapi-Request-Id` (what DMXAPI support asks for); null without one. */
  request_id: string | null;
}

/** The budget in force when a run last planned this job: the manifest's `max_credits` and this shard's share of it. */
export interface JobBudget {
  max_credits: number;
  share: number;
}

export interface LedgerJob {
  id: string;
  manifest: string;
  manifest_name: string;
  /** The exact body sent (or to be sent). */
  request: SubmitRequest;
  status: JobStatus;
  /** The exact decimal string of the id from the response text; never a JS number. */
  video_id: string | null;
  seed_requested: number | null;
  /** The seed the service used (from the fetch result). */
  seed: number | null;
  estimated_credits: number;
  /** What the submit response charged. */
  credits: number | null;
  /** Credits returned by the provider (moderation refunds). */
  credits_refunded: number;
  /** Relative to the output folder. */
  file: string;
  bytes: number | null;
  sha256: string | null;
  width: number | null;
  height: number | null;
  has_audio: boolean | null;
  /** Submit attempts that may have reached the service. */
  attempts: number;
  /** Their history, oldest first; absent in ledgers written before 0.x (derived then: ledger-money.ts). */
  submits?: SubmitAttempt[];
  /** Absent when no budget was set. */
  budget?: JobBudget | null;
  error: LedgerError | null;
  axes: Record<string, AxisValue>;
  /** The job this one re-renders (`paiwo-batch promote`); absent for every other job. */
  promoted_from?: string;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  finished_at: string | null;
}

export interface LedgerTotals {
  jobs: number;
  by_status: Record<JobStatus, number>;
  /** Known charges, across every attempt. */
  credits_spent: number;
  /** Refunds, each at most its charge. */
  credits_refunded: number;
  /** Estimates of the submits whose charge is not known (outcome unknown, or no usable charge in the answer). */
  credits_unknown: number;
}

export interface Ledger {
  version: 1;
  /**
   * The sequence number of the last journal event folded into this snapshot (ledger-store.ts): replaying
   * `ledger.journal.jsonl` skips events at or below it, so a replay over a newer snapshot is idempotent.
   */
  journal_seq?: number;
  /**
   * The service the folder's jobs ran against (service-identity.ts): `"simulator"` for a rehearsal, else the API
   * origin (scheme://host:port, never a path or key). Absent in ledgers written before it existed.
   */
  service?: string;
  jobs: LedgerJob[];
  totals: LedgerTotals;
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
