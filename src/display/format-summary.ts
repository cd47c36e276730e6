import { join, relative } from 'node:path';
import { JOB_STATUSES } from '../ledger/types.js';
import type { RunOutcome } from '../errors/run-outcome.js';
import { outcomeOf, type FailedJob, type RunSummary, type UnresolvedJob } from '../scheduler/run-summary.js';
import type { OutageRecord } from '../scheduler/outage-guard.js';
import { isRehearsal } from '../ledger/service-identity.js';
import { oneLine } from '../util/printable.js';
import { formatUnresolvedGroups } from './unresolved-groups.js';
import { wrapText } from './wrap.js';
import { creditsWord, formatNumber as n } from '../util/format-number.js';

const LIST_MAX = 10;
/** Ids shown per group of unresolved jobs (the rest counted; status lists them all with --json). */
const IDS_MAX = 20;

const OUTCOME_MEANING: Readonly<Record<RunOutcome, string>> = {
  ok: 'all jobs succeeded',
  'account-refused': 'the service refused the account (auth, permissions or model)',
  'insufficient-balance': 'budget or account credits exhausted',
  'over-budget': 'budget or account credits exhausted',
  'failed-jobs': 'finished with failed or moderated jobs',
  'unresolved-jobs': 'finished with unresolved jobs (unknown outcome, still generating, or not submitted)',
  interrupted: 'interrupted; everything recorded is saved — rerun the same command to continue',
};

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** A take is named by the file it is (or would be) saved as, where the user will look for it. */
function take(j: FailedJob): string {
  return shown(join(j.out_dir, j.file));
}

/**
 * The one-screen summary at the end of a run, in the ledger's status words; wrapped at word boundaries to
 * `columns` when printed on a terminal (undefined: one line per entry, for pipes and logs).
 */
export function formatRunSummary(s: RunSummary, columns?: number): string {
  const out: string[] = [];
  const counts = JOB_STATUSES.filter((st) => s.jobs[st] > 0).map((st) => `${n(s.jobs[st])} ${st}`);
  out.push('');
  const rehearsal = isRehearsal(s.service);
  out.push(`paiwo-batch ${rehearsal ? 'rehearsal' : 'run'}: ${n(s.total_jobs)} job${s.total_jobs === 1 ? '' : 's'}${counts.length ? ` — ${counts.join(', ')}` : ''} (${(s.duration_ms / 1000).toFixed(1)} s)`);
  out.push(
    `${creditsWord(rehearsal)}: ${n(s.credits_spent)} spent in ${s.out_dirs.length === 1 ? 'this folder' : 'these folders'} (${n(s.credits_spent_this_run)} in this run), ${n(s.credits_refunded)} refunded` +
      (s.credits_unknown > 0 ? `, up to ${n(s.credits_unknown)} more may have been charged (unknown outcomes)` : ''),
  );
  for (const b of s.budgets) out.push(`budget: ${n(b.spent)} of max_credits ${n(b.max_credits)}${b.max_credits !== b.manifest_max_credits ? ` (this shard's share of ${n(b.manifest_max_credits)})` : ''}${s.budgets.length > 1 ? ` in ${shown(b.out_dir)}` : ''}`);
  for (const dir of s.out_dirs) {
    const report = s.reports.find((r) => r.startsWith(dir));
    out.push(`output: ${shown(dir)}/  — videos, ${shown(join(dir, 'ledger.json'))}${report ? `, ${shown(report)}` : ''}`);
  }
  if (rehearsal) out.push('rehearsal: against the built-in simulator — simulated credits, test videos. Run without --simulator for real (it writes its own folder).');
  if (s.failed.length > 0) {
    out.push('', `failed or moderated (${s.failed.length}):`);
    for (const j of s.failed.slice(0, LIST_MAX)) {
      out.push(`  ${take(j)}  ${j.status}${j.error ? `  ${j.error.code}: ${oneLine(j.error.message)}` : ''}  (job ${j.id})`);
    }
    if (s.failed.length > LIST_MAX) out.push(`  …and ${s.failed.length - LIST_MAX} more (paiwo-batch status ${shown(s.out_dirs[0] ?? '.')})`);
  }
  if (s.unresolved.length > 0) {
    // Grouped by what to do about them: an interrupted run may leave hundreds, and a line or three each
    // scrolled the top of the summary away.
    out.push('', `unresolved (${s.unresolved.length}), by what to do about them:`);
    const listing = { maxIds: IDS_MAX, more: `paiwo-batch status ${shown(s.out_dirs[0] ?? '.')}`, label: (j: UnresolvedJob) => `${take(j)}  (job ${j.id})` };
    out.push(...formatUnresolvedGroups(s.unresolved, listing));
  }
  for (const o of s.outages ?? []) out.push('', outageLine(o));
  if (s.breaker) out.push('', s.breaker.message);
  if (s.budget_shortfall !== null) out.push('', `budget: ${n(s.budget_shortfall)} more credits of max_credits would finish the ${s.jobs.skipped} skipped job(s).`);
  out.push('', `exit ${s.exit_code}: ${OUTCOME_MEANING[outcomeOf(s)]}`, '');
  return wrapText(out.join('\n'), columns);
}

const OUTAGE_END: Readonly<Record<NonNullable<OutageRecord['ended']>, string>> = {
  recovered: 'it answered again and submitting resumed',
  'gave-up': 'it outlasted outage_wait: submitting stopped, jobs never sent stay pending for the next run',
  'run-ended': 'the run had nothing left to wait for',
};

/** One outage of the run, in a sentence (also the step summary's). */
export function outageLine(o: OutageRecord): string {
  const seconds = o.until ? ` for ${((Date.parse(o.until) - Date.parse(o.since)) / 1000).toFixed(1)} s` : '';
  const unknown = o.unknown > 0 ? `; ${o.unknown} submit${o.unknown === 1 ? '' : 's'} on the wire may be unknown` : '';
  const end = o.ended === 'gave-up' && o.why ? `${o.why}: submitting stopped, jobs never sent stay pending for the next run` : o.ended ? OUTAGE_END[o.ended] : 'still down';
  return `service unreachable from ${o.since}${seconds} (${o.cause}; ${o.probes} free probe${o.probes === 1 ? '' : 's'})${unknown}; ${end}`;
}
