import type { CommandIO } from './command-io.js';
import { requireOutputFolder } from './output-folder-arg.js';
import { JOB_STATUSES } from '../ledger/types.js';
import { readLedger } from '../ledger/store.js';
import { liveLockOwner } from '../ledger/output-lock.js';
import { summarizeLedger, type LedgerStatus } from '../report/status.js';
import { outcomeOf } from '../scheduler/run-summary.js';
import { EXIT } from '../errors/exit-codes.js';
import { outcomeError } from '../errors/run-outcome.js';
import { oneLine, printable, printableJson } from '../util/printable.js';
import { formatUnresolvedGroups } from '../display/unresolved-groups.js';
import { terminalColumns, wrapText } from '../display/wrap.js';
import { creditsWord, formatNumber as n } from '../util/format-number.js';

export interface StatusOptions {
  /** Print one JSON document on stdout instead of text. */
  readonly json?: boolean;
}

/**
 * `paiwo-batch status <out>`: what the ledger (snapshot + journal) says, without contacting the service. Ends
 * like a rerun would, by `run`'s own rule (`outcomeOf`, docs/cli.md "Exit codes"): once the status is printed it
 * throws the outcome's error (budget-skipped jobs 4, unresolved 6, failed or moderated 5), else returns 0.
 * Nothing was stopped by this command, so 3 and 130 never come from it.
 */
export async function statusCommand(outDir: string, options: StatusOptions, io: CommandIO): Promise<number> {
  await requireOutputFolder('status', outDir);
  const ledger = await readLedger(outDir);
  const status = summarizeLedger(outDir, ledger, await liveLockOwner(outDir));
  // A damaged ledger may hold terminal escapes anywhere: every byte shown is made printable.
  io.stdout.write(options.json ? `${printableJson(JSON.stringify(status, null, 2))}\n` : printable(formatStatus(status, terminalColumns(io.stdout))));
  const error = outcomeError(outcomeOf({ stopped: [], jobs: status.by_status }));
  if (error) throw error;
  return EXIT.ok;
}

/** A terminal screen, not a log: past this many jobs per list the rest are counted (all are in --json). */
const LIST_LIMIT = 50;

/** The status for people; wrapped at word boundaries to `columns` on a terminal (undefined: as is). */
export function formatStatus(status: LedgerStatus, columns?: number): string {
  const lines: string[] = [];
  const counts = JOB_STATUSES.filter((s) => status.by_status[s] > 0).map((s) => `${n(status.by_status[s])} ${s}`);
  lines.push(`${status.out}: ${n(status.jobs)} job${status.jobs === 1 ? '' : 's'}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`);
  if (status.rehearsal) lines.push('rehearsal: run against the built-in simulator (simulated credits, test videos)');
  else if (status.service) lines.push(`service: ${status.service}`);
  lines.push(
    `${creditsWord(status.rehearsal)}: ${n(status.credits_spent)} spent, ${n(status.credits_refunded)} refunded, ${n(status.credits_spent - status.credits_refunded)} net` +
      (status.credits_unknown > 0 ? `; up to ${n(status.credits_unknown)} more may have been charged (unknown outcomes)` : '') +
      (status.max_credits !== null ? `; max_credits ${n(status.max_credits)}` : ''),
  );
  if (status.running) lines.push(`a run is in progress: pid ${status.running.pid} on ${status.running.hostname} since ${status.running.started_at}`);
  if (status.unresolved.length > 0) {
    lines.push('', `unresolved (${status.unresolved.length}), by what to do about them:`);
    lines.push(...formatUnresolvedGroups(status.unresolved, { maxIds: LIST_LIMIT, more: 'all of them with --json', label: (e) => `${e.id}  ${oneLine(e.file)}` }));
  }
  if (status.budget_shortfall > 0) {
    lines.push('', `budget: raise max_credits by ${n(status.budget_shortfall)} credits (estimated) to finish the jobs the budget skipped`);
  }
  if (status.failed.length > 0) {
    lines.push('', `failed or moderated (${status.failed.length}):`);
    for (const e of status.failed.slice(0, LIST_LIMIT)) {
      lines.push(`  ${e.id}  ${e.status.padEnd(10)} ${oneLine(e.file)}${e.video_id ? `  video ${e.video_id}` : ''}`);
      if (e.error) lines.push(`      error ${String(e.error.code)}: ${oneLine(e.error.message)}`);
      lines.push(`      ${e.what_to_do}`);
    }
  }
  if (status.failed.length > LIST_LIMIT) lines.push(`  … and ${status.failed.length - LIST_LIMIT} more (all of them with --json)`);
  if (status.unresolved.length === 0 && status.failed.length === 0 && status.jobs > 0) lines.push('every job succeeded.');
  return `${wrapText(lines.join('\n'), columns)}\n`;
}
