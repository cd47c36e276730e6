import { appendFile } from 'node:fs/promises';
import { JOB_STATUSES } from '../ledger/types.js';
import type { RunSummary } from '../scheduler/run-summary.js';
import { isRehearsal } from '../ledger/service-identity.js';
import { outageLine } from './format-summary.js';

/** Table cells come from manifests and the service: keep them on one line and out of the table syntax. */
function cell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').slice(0, 300);
}

const LIST_MAX = 50;

/** The Markdown a GitHub Actions job shows on its summary page: counts, credits, failures, what is left to do. */
export function formatStepSummary(summary: RunSummary): string {
  const lines: string[] = [];
  const rehearsal = isRehearsal(summary.service);
  lines.push(`## paiwo-batch ${rehearsal ? 'rehearsal' : 'run'} — exit ${summary.exit_code}`, '');
  if (rehearsal) lines.push('**Rehearsal** against the built-in simulator: simulated credits, test videos.', '');
  lines.push(`${summary.total_jobs} jobs in ${summary.out_dirs.map((d) => `\`${cell(d)}\``).join(', ')} (${(summary.duration_ms / 1000).toFixed(1)} s)`, '');
  lines.push('| status | jobs |', '|---|---:|');
  for (const s of JOB_STATUSES) if (summary.jobs[s] > 0) lines.push(`| ${s} | ${summary.jobs[s]} |`);
  lines.push('');
  lines.push(
    `**Credits:** ${summary.credits_spent} spent (${summary.credits_spent_this_run} in this run), ${summary.credits_refunded} refunded` +
      (summary.credits_unknown > 0 ? `, up to ${summary.credits_unknown} more not known (unknown outcomes)` : '') +
      '.' +
      summary.budgets.map((b) => ` **Budget:** ${b.spent} of max_credits ${b.max_credits}${b.max_credits !== b.manifest_max_credits ? ` (this shard's share of ${b.manifest_max_credits})` : ''}.`).join('') +
      (summary.budget_shortfall !== null ? ` **Budget:** ${summary.budget_shortfall} more credits of max_credits would finish the skipped jobs.` : ''),
  );
  if (summary.stopped.length > 0) lines.push('', `**Stopped early:** ${summary.stopped.join(', ')}`);
  for (const o of summary.outages ?? []) lines.push('', `**Outage:** ${cell(outageLine(o))}`);
  if (summary.breaker) lines.push('', `**Failure-rate breaker:** ${cell(summary.breaker.message)}`);
  if (summary.failed.length > 0) {
    lines.push('', `### Failed or moderated (${summary.failed.length})`, '', '| job | status | error | file |', '|---|---|---|---|');
    for (const j of summary.failed.slice(0, LIST_MAX)) {
      lines.push(`| \`${j.id}\` | ${j.status} | ${cell(j.error ? `${j.error.code}: ${j.error.message}` : '')} | ${cell(j.file)} |`);
    }
    if (summary.failed.length > LIST_MAX) lines.push('', `…and ${summary.failed.length - LIST_MAX} more (\`paiwo-batch status\`).`);
  }
  if (summary.unresolved.length > 0) {
    lines.push('', `### Unresolved (${summary.unresolved.length})`, '', '| job | status | video id | what to do |', '|---|---|---|---|');
    for (const j of summary.unresolved.slice(0, LIST_MAX)) {
      lines.push(`| \`${j.id}\` | ${j.status} | ${j.video_id ?? ''} | ${cell(j.what_to_do)} |`);
    }
    if (summary.unresolved.length > LIST_MAX) lines.push('', `…and ${summary.unresolved.length - LIST_MAX} more (\`paiwo-batch status\`).`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** Appends to the file named by `GITHUB_STEP_SUMMARY` (several runs in one job add up). */
export async function appendStepSummary(path: string, summary: RunSummary): Promise<void> {
  await appendFile(path, formatStepSummary(summary));
}
