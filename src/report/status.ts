import { budgetLimitOf, budgetShortfallOf, isBudgetSkip, lastAttemptMayBeCharged, moneyOf, unresolvedJobs, UNRESOLVED_STATUSES } from '../ledger/money.js';
import type { JobStatus, Ledger, LedgerError, LedgerJob } from '../ledger/types.js';
import { JOB_STATUSES } from '../ledger/types.js';
import type { LockOwner } from '../ledger/output-lock.js';
import { isRehearsal } from '../ledger/service-identity.js';
import { formatNumber as n } from '../util/format-number.js';

/** A job that still needs the user (or another run) before its outcome is known (ledger/money.ts). */
export { UNRESOLVED_STATUSES };

export interface StatusEntry {
  readonly id: string;
  readonly status: JobStatus;
  readonly file: string;
  readonly video_id: string | null;
  readonly error: LedgerError | null;
  readonly what_to_do: string;
}

export interface LedgerStatus {
  readonly out: string;
  /** What the jobs ran against: `"simulator"` (a rehearsal), the API origin, or null (an older ledger). */
  readonly service: string | null;
  readonly rehearsal: boolean;
  readonly jobs: number;
  readonly by_status: Record<JobStatus, number>;
  /** Known charges, refunds (each at most its charge), estimates of charges not known: ledger/money.ts. */
  readonly credits_spent: number;
  readonly credits_refunded: number;
  readonly credits_unknown: number;
  /** The max_credits the folder was last run with (a shard's share), or null. */
  readonly max_credits: number | null;
  /** How far to raise `max_credits` to finish the budget-skipped jobs (0 when none). */
  readonly budget_shortfall: number;
  /** The runner holding the folder right now, if any (a crashed runner's lock is not reported). */
  readonly running: LockOwner | null;
  readonly unresolved: readonly StatusEntry[];
  readonly failed: readonly StatusEntry[];
}

/** What the ledger says, for people (status, the merge summary) and machines (status --json). */
export function summarizeLedger(outDir: string, ledger: Ledger, running: LockOwner | null = null): LedgerStatus {
  const { totals } = ledger;
  const money = moneyOf(ledger.jobs);
  const max_credits = budgetLimitOf(ledger.jobs);
  const entry = (job: LedgerJob): StatusEntry => ({
    id: job.id,
    status: job.status,
    file: job.file,
    video_id: job.video_id,
    error: job.error,
    what_to_do: whatToDo(job, running !== null),
  });
  return {
    out: outDir,
    service: ledger.service ?? null,
    rehearsal: isRehearsal(ledger.service),
    jobs: totals.jobs,
    by_status: totals.by_status,
    credits_spent: money.credits_spent,
    credits_refunded: money.credits_refunded,
    credits_unknown: money.credits_unknown,
    max_credits,
    budget_shortfall: budgetShortfallOf(ledger.jobs, max_credits) ?? 0,
    running,
    unresolved: unresolvedJobs(ledger.jobs).map(entry),
    failed: ledger.jobs.filter((j) => j.status === 'failed' || j.status === 'moderated').map(entry),
  };
}

/** What to do about a job the account's empty balance (500090) kept from being submitted. */
export const OUT_OF_CREDITS = "not submitted: the account ran out of credits (500090); top up the account's credits and rerun the same command";

/** The command that settles a held submit by hand (src/commands/adopt.ts). */
const ADOPT = (id: string): string => `\`paiwo-batch adopt <out> ${id} <video-id>\``;

/** One sentence per job: what happened and what the user can do about it. */
export function whatToDo(job: LedgerJob, runInProgress = false): string {
  const video = job.video_id ? `video ${job.video_id}` : 'a video';
  const when = job.submitted_at ?? job.updated_at;
  switch (job.status) {
    case 'unknown':
      return (
        `the submit's outcome is unknown and it may have been charged: check your DMXAPI console for ${video}` +
        `${when ? ` submitted around ${when}` : ''}; rerun with --resubmit-unknown to pay again, or, if you find it, record it with ${ADOPT(job.id)}`
      );
    case 'submitting':
      return runInProgress
        ? 'being submitted by the run in progress'
        : `a submit was in flight when the run stopped and may have been charged: the next run holds it as unknown; check your DMXAPI console for ${video}${when ? ` around ${when}` : ''}, or rerun with --resubmit-unknown to pay again; if you find it, record it with ${ADOPT(job.id)}`;
    case 'submitted':
      return runInProgress ? `generating (${video}); the run in progress is polling it` : `generated or generating (${video}), not downloaded yet: rerun the same command to keep polling and download it (no new charge)`;
    case 'skipped':
      if (isBudgetSkip(job) && lastAttemptMayBeCharged(job)) {
        return `a resubmit skipped by the budget; its earlier submit may have been charged (check your DMXAPI console for ${video}): raise max_credits (or --max-credits) by ${job.estimated_credits} and rerun with --resubmit-unknown to pay again`;
      }
      if (isBudgetSkip(job)) return `skipped by the budget: raise max_credits (or --max-credits) by ${job.estimated_credits} to run it, then rerun the same command`;
      if (job.error?.code === 'ERR_500090') return OUT_OF_CREDITS;
      return `skipped: ${job.error?.message ?? 'no reason recorded'}; rerun the same command`;
    case 'pending':
      return runInProgress ? 'waiting in the run in progress' : 'not submitted yet: rerun the same command';
    case 'failed':
      return 'rerun with --retry-failed to try again (it is paid again)';
    case 'moderated':
      return 'rejected by content moderation (credits refunded): change the prompt; it is not retried';
    default:
      return '';
  }
}

/** Table cells come from manifests and the service: one line, no table syntax, no markup. */
function markdownCell(text: string): string {
  return text.replace(/[\r\n\u0000-\u001f]+/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/`/g, "'").slice(0, 300);
}

const MARKDOWN_LIST_MAX = 50;

/**
 * The Markdown of a whole batch for a GitHub Actions summary page (`GITHUB_STEP_SUMMARY`): what `merge` appends
 * so the final job of a sharded workflow shows the batch, not one shard.
 */
export function formatStatusMarkdown(status: LedgerStatus, title: string): string {
  const lines = [`## ${markdownCell(title)}`, '', `${n(status.jobs)} jobs in \`${markdownCell(status.out)}\``, '', '| status | jobs |', '|---|---:|'];
  for (const s of JOB_STATUSES) if (status.by_status[s] > 0) lines.push(`| ${s} | ${n(status.by_status[s])} |`);
  const credits = status.rehearsal ? 'Simulated credits' : 'Credits';
  lines.push('', `**${credits}:** ${n(status.credits_spent)} spent, ${n(status.credits_refunded)} refunded${status.credits_unknown > 0 ? `, up to ${n(status.credits_unknown)} more not known (unknown outcomes)` : ''}.`);
  if (status.budget_shortfall > 0) lines.push('', `**Budget:** raise max_credits by ${n(status.budget_shortfall)} (estimated) to finish the skipped jobs.`);
  const table = (heading: string, entries: readonly StatusEntry[]) => {
    if (entries.length === 0) return;
    lines.push('', `### ${heading} (${entries.length})`, '', '| job | status | video id | error | what to do |', '|---|---|---|---|---|');
    for (const e of entries.slice(0, MARKDOWN_LIST_MAX)) {
      const error = e.error ? `${String(e.error.code)}: ${e.error.message}` : '';
      lines.push(`| \`${markdownCell(e.id)}\` | ${e.status} | ${markdownCell(e.video_id ?? '')} | ${markdownCell(error)} | ${markdownCell(e.what_to_do)} |`);
    }
    if (entries.length > MARKDOWN_LIST_MAX) lines.push('', `…and ${entries.length - MARKDOWN_LIST_MAX} more (\`paiwo-batch status --json\`).`);
  };
  table('Failed or moderated', status.failed);
  table('Unresolved', status.unresolved);
  return `${lines.join('\n')}\n\n`;
}
