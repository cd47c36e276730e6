import type { ManifestData } from './manifest-schema.js';
import type { RunSettings } from './types.js';

/** The manifest's `run:` block (seconds, defaults already filled in by the schema) as code wants it (ms). */
export function toRunSettings(run: ManifestData['run']): RunSettings {
  const seconds = (s: number): number => Math.round(s * 1000);
  return {
    concurrency: run.concurrency,
    ...(run.requests_per_second !== undefined && { requestsPerSecond: run.requests_per_second }),
    ...(run.max_credits !== undefined && { maxCredits: run.max_credits }),
    poll: {
      ...(run.poll.initial_delay !== undefined && { initialDelayMs: seconds(run.poll.initial_delay) }),
      intervalMs: seconds(run.poll.interval),
      maxIntervalMs: seconds(run.poll.max_interval),
    },
    jobTimeoutMs: seconds(run.job_timeout),
    retries: run.retries,
    ...(run.out !== undefined && { out: run.out }),
    outageWaitMs: seconds(run.outage_wait),
    failureBreaker: run.failure_breaker.enabled
      ? { minFinished: run.failure_breaker.min_finished, window: run.failure_breaker.window, rate: run.failure_breaker.rate }
      : null,
  };
}
