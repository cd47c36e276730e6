import { expectedGenerationMs } from '../model/generation-time.js';
import { moneyOf } from '../ledger/money.js';
import type { LedgerStore } from '../ledger/store.js';

/**
 * What a progress display shows, read from the ledgers (no second bookkeeping to drift). The words are the
 * ledger's statuses; `generating` and `downloading` are the two halves of `submitting`/`submitted` (on the
 * service, then being saved).
 */
export interface ProgressCounts {
  readonly total: number;
  readonly succeeded: number;
  /** Submitting, or submitted and still generating on the service. */
  readonly generating: number;
  /** Generated, being downloaded (or waiting for a download slot). */
  readonly downloading: number;
  readonly failed: number;
  readonly moderated: number;
  /** A submit whose outcome is unknown (held for the user). */
  readonly unknown: number;
  /** Not submitted by this run (budget, account credits); the next run tries them again. */
  readonly skipped: number;
  /** Net of refunds, across the output folders. */
  readonly creditsSpent: number;
  /** Jobs that reached a final state for this run (succeeded, failed, moderated, unknown, skipped) in this run. */
  readonly finishedThisRun: number;
  /**
   * Before anything finished, the typical generation time of the jobs still to do over the generation slots
   * (× the time scale): the ETA until the run's own pace is known. Null when the reader was given no slots.
   */
  readonly expectedRemainingMs: number | null;
  /** While the service looks down, what to say about it (outage-guard.ts `describe`); else null or absent. */
  readonly outage?: string | null;
}

export interface ProgressReaderOptions {
  /** Generation slots (the run's concurrency), for the ETA before anything finished. */
  readonly slots?: number;
  /** @default 1 */
  readonly timeScale?: number;
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
  options: ProgressReaderOptions = {},
): () => ProgressCounts {
  let startFinished: number | null = null;
  // A job's request never changes: its typical generation time is computed once, not at every redraw.
  const typical = new Map<string, number>();
  const typicalMs = (id: string, request: Parameters<typeof expectedGenerationMs>[0]): number => {
    let ms = typical.get(id);
    if (ms === undefined) typical.set(id, (ms = expectedGenerationMs(request)));
    return ms;
  };
  return () => {
    const n = { total: 0, succeeded: 0, generating: 0, failed: 0, moderated: 0, unknown: 0, skipped: 0 };
    let creditsSpent = 0;
    let expectedMs = 0;
    for (const { store, ids } of targets) {
      for (const id of ids) {
        const job = store.job(id);
        if (!job) continue;
        n.total++;
        switch (job.status) {
          case 'succeeded':
          case 'failed':
          case 'moderated':
          case 'unknown':
          case 'skipped':
            n[job.status]++;
            break;
          case 'submitted':
          case 'submitting':
            n.generating++;
            expectedMs += typicalMs(id, job.request) / 2;
            break;
          default:
            expectedMs += typicalMs(id, job.request);
        }
      }
      const money = moneyOf(store.jobs);
      creditsSpent += money.credits_spent - money.credits_refunded;
    }
    const finished = n.succeeded + n.failed + n.moderated + n.unknown + n.skipped;
    startFinished ??= finished;
    const saving = Math.min(downloading(), n.generating);
    const slots = options.slots;
    return {
      ...n,
      generating: n.generating - saving,
      downloading: saving,
      creditsSpent,
      finishedThisRun: finished - startFinished,
      expectedRemainingMs: slots && slots > 0 ? (expectedMs * (options.timeScale ?? 1)) / slots : null,
    };
  };
}

/** Jobs not yet in a final state for this run. */
export function remainingJobs(c: ProgressCounts): number {
  return c.total - c.succeeded - c.failed - c.moderated - c.unknown - c.skipped;
}

/**
 * Remaining time: this run's pace once something finished, before that the jobs' typical generation time;
 * null when neither is known.
 */
export function etaMs(counts: ProgressCounts, elapsedMs: number): number | null {
  const remaining = remainingJobs(counts);
  if (remaining <= 0) return 0;
  if (counts.finishedThisRun > 0) return (remaining * elapsedMs) / counts.finishedThisRun;
  return counts.expectedRemainingMs;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
