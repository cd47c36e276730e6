import { moneyOf } from '../results/ledger-money.js';
import type { LedgerStore } from '../results/ledger-store.js';

/** What a progress display shows, read from the ledgers (no second bookkeeping to drift). */
export interface ProgressCounts {
  readonly total: number;
  readonly succeeded: number;
  /** Submitting, or submitted and still generating on the service. */
  readonly generating: number;
  /** Generated, being downloaded (or waiting for a download slot). */
  readonly downloading: number;
  /** Failed or moderated. */
  readonly failed: number;
  /** Unknown outcome, skipped. */
  readonly held: number;
  /** Net of refunds, across the output folders. */
  readonly creditsSpent: number;
  /** Jobs that reached succeeded/failed/moderated in this run, for the ETA. */
  readonly finishedThisRun: number;
}

/**
 * A reader over this run's jobs: O(jobs) per call, called a few times a second at most. A generated job is
 * `submitted` in the ledger until its video is saved (a download has no event of its own); `downloading` (the
 * scheduler's download queue, queued + running) tells those apart from the ones still generating, so "generating"
 * never shows more than the account's concurrency.
 */
export function progressReader(
  targets: readonly { readonly store: LedgerStore; readonly ids: readonly string[] }[],
  downloading: () => number = () => 0,
): () => ProgressCounts {
  let startFinished: number | null = null;
  return () => {
    let total = 0;
    let succeeded = 0;
    let generating = 0;
    let failed = 0;
    let held = 0;
    let creditsSpent = 0;
    for (const { store, ids } of targets) {
      for (const id of ids) {
        const job = store.job(id);
        if (!job) continue;
        total++;
        if (job.status === 'succeeded') succeeded++;
        else if (job.status === 'submitted' || job.status === 'submitting') generating++;
        else if (job.status === 'failed' || job.status === 'moderated') failed++;
        else if (job.status === 'unknown' || job.status === 'skipped') held++;
      }
      const money = moneyOf(store.jobs);
      creditsSpent += money.credits_spent - money.credits_refunded;
    }
    startFinished ??= succeeded + failed;
    const saving = Math.min(downloading(), generating);
    return { total, succeeded, generating: generating - saving, downloading: saving, failed, held, creditsSpent, finishedThisRun: succeeded + failed - startFinished };
  };
}

/** Remaining time from this run's pace so far; null until something finished. */
export function etaMs(counts: ProgressCounts, elapsedMs: number): number | null {
  if (counts.finishedThisRun <= 0) return null;
  const remaining = counts.total - counts.succeeded - counts.failed - counts.held;
  return Math.max(0, (remaining * elapsedMs) / counts.finishedThisRun);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
