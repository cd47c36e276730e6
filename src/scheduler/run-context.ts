import type PQueue from 'p-queue';
import type { ApiClient } from '../api/api-client.js';
import type { PollSettings } from '../manifest/types.js';
import type { LedgerStore } from '../ledger/store.js';
import type { Logger } from '../util/logger.js';
import type { Budget } from './budget.js';
import type { FailureBreaker } from './failure-breaker.js';
import type { GenerationSlots } from './generation-slots.js';
import type { OutageGuard } from './outage-guard.js';
import type { PaceModel } from './pace-model.js';
import type { RequestRate } from './request-rate.js';
import type { RunControl } from './run-control.js';

/** The per-job settings of the manifest a job came from, after flags. */
export interface JobSettings {
  readonly poll: PollSettings;
  readonly jobTimeoutMs: number;
  readonly retries: number;
}

/** One output folder of the run: its ledger and its budget. */
export interface RunTarget {
  readonly outDir: string;
  readonly store: LedgerStore;
  readonly budget: Budget;
}

/** A job the scheduler has to move on: submit it (then poll), or poll it (it already has a video id). */
export interface WorkItem {
  readonly target: RunTarget;
  readonly id: string;
  readonly settings: JobSettings;
  readonly kind: 'submit' | 'poll';
}

/** What every stage of a job's life shares during a run. */
export interface RunContext {
  readonly client: ApiClient;
  readonly rate: RequestRate;
  readonly slots: GenerationSlots;
  readonly downloads: PQueue;
  readonly control: RunControl;
  readonly logger: Logger;
  /** Multiplies every client-side delay. */
  readonly timeScale: number;
  /** Deadline of one HTTP exchange (API call) and idle timeout of a media download, already scaled. */
  readonly callTimeoutMs: number;
  /** What the run has learned about the service's pace (poll-schedule.ts reads it, poll-job.ts teaches it). */
  readonly pace: PaceModel;
  /** Whether the service looks down: submits wait, polls wait, probes run (outage-guard.ts). */
  readonly outage: OutageGuard;
  /** Counts how jobs finish; stops submitting when most recent ones fail (failure-breaker.ts). */
  readonly breaker: FailureBreaker;
  /** Jobs with a video id whose generation is not over yet (what the account's limit counts). */
  generating: number;
  /**
   * What a job's timeout and a throttled call's wait count (ms) in a rehearsal: simulated time, which may stop.
   * Absent in a real run: the machine's clock.
   */
  readonly deadlineClock?: () => number;
  /** Told of every video saved (the run makes its poster in the background). */
  readonly onSaved?: (outDir: string, jobId: string) => void;
}
