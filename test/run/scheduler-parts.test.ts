import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/api/api-error.js';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { Budget } from '../../src/scheduler/budget.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { GenerationSlots } from '../../src/scheduler/generation-slots.js';
import { maxVideoBytes } from '../../src/scheduler/media-size-cap.js';
import { PollSchedule } from '../../src/scheduler/poll-schedule.js';
import { retryCall } from '../../src/scheduler/retry-call.js';
import { outcomeOf, type OutcomeInputs } from '../../src/scheduler/run-summary.js';
import { exitCodeOfOutcome, outcomeError } from '../../src/errors/run-outcome.js';
import { emptyStatusCounts } from '../../src/ledger/money.js';
import type { JobStatus } from '../../src/ledger/types.js';

const req = { quality: '540p', aspect_ratio: '16:9', duration: 5, generate_audio_switch: true } as const;
const apiError = (kind: ApiError['kind'], extra: Partial<{ retryAfterMs: number }> = {}) =>
  new ApiError({ kind, operation: 'submit', code: `X_${kind}`, message: kind, ...extra });

describe('poll schedule', () => {
  it('before any completion, checks from the prior: a wide range around the table, in short steps, then backs off', () => {
    const expected = expectedGenerationMs(req);
    const s = new PollSchedule(req, { intervalMs: 5000, maxIntervalMs: 15000 });
    const first = s.firstDelay();
    expect(first).toBeGreaterThan(0.4 * expected);
    expect(first).toBeLessThan(0.7 * expected);
    expect(s.firstDelay(expected)).toBe(0); // a resumed job long past its time is checked at once
    const step = s.nextDelay(first);
    expect(step).toBeGreaterThanOrEqual(0.03 * expected);
    expect(step).toBeLessThanOrEqual(0.1 * expected);
    // Far past every time seen: growing steps, capped by max_interval.
    const after = Array.from({ length: 40 }, () => s.nextDelay(5 * expected));
    for (let i = 1; i < after.length; i++) expect(after[i]).toBeGreaterThanOrEqual(after[i - 1]!);
    expect(after.at(-1)).toBe(15000);
  });

  it('with an explicit initial delay, keeps the user\'s schedule: interval growing to max_interval', () => {
    const s = new PollSchedule(req, { initialDelayMs: 1000, intervalMs: 200, maxIntervalMs: 400 });
    expect(s.firstDelay(300)).toBe(700);
    expect([0, 0, 0].map(() => s.nextDelay(0))).toEqual([200, 300, 400]);
  });
});

describe('retryCall', () => {
  it('retries a retryable error and gives up after `retries`', async () => {
    let calls = 0;
    await expect(
      retryCall(async () => {
        calls++;
        throw apiError('overloaded');
      }, { retries: 3, timeScale: 0.0001 }),
    ).rejects.toMatchObject({ kind: 'overloaded' });
    expect(calls).toBe(4);
  });

  it('never retries a fatal error, nor anything that is not an ApiError', async () => {
    for (const error of [apiError('outcome-unknown'), apiError('account-refused'), apiError('moderated'), new Error('disk full')]) {
      let calls = 0;
      await expect(
        retryCall(async () => {
          calls++;
          throw error;
        }, { retries: 5, timeScale: 0.0001 }),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  it('waits out 429/500044 without using up retries, telling the slots each time', async () => {
    let calls = 0;
    let throttled = 0;
    const result = await retryCall(
      async () => {
        calls++;
        if (calls <= 5) throw apiError(calls % 2 ? 'rate-limited' : 'concurrency-limit', { retryAfterMs: 1000 });
        return 'ok';
      },
      { retries: 1, timeScale: 0.0001, onThrottled: () => throttled++ },
    );
    expect([result, calls, throttled]).toEqual(['ok', 6, 5]);
  });
});

describe('budget', () => {
  const request = { model: 'paiwo-v5.6-ttv', input: 'x', aspect_ratio: '16:9', quality: '540p', duration: 5 } as const;
  it('counts spent, in-flight reservations and refunds against max_credits', async () => {
    const b = new Budget(200, [makePendingLedgerJob('a', { status: 'succeeded', credits: 80, submits: [{ at: 't', outcome: 'accepted', video_id: '1', credits: 80, estimated_credits: 80, credits_refunded: 0, request_id: null }] })]);
    expect(b.spentCredits).toBe(80);
    const first = await b.reserve(request, 80);
    expect(first?.amount).toBe(80);
    expect(await b.reserve(request, 80)).toBeNull(); // 80 spent + 80 in flight + 80 > 200
    b.settle(first!, { kind: 'accepted', credits: 80 });
    expect(b.spentCredits).toBe(160);
    b.refund(80);
    expect(await b.reserve(request, 35)).not.toBeNull();
    expect(await new Budget(undefined).reserve(request, 1e9)).not.toBeNull();
  });
});

describe('generation slots', () => {
  it('drop to what is generating on a throttle and climb back one per cooldown', async () => {
    const slots = new GenerationSlots({ limit: 6, cooldownMs: 20 });
    slots.throttle(2);
    expect(slots.concurrency).toBe(2);
    slots.throttle(0);
    expect(slots.concurrency).toBe(1);
    const seen = new Set<number>();
    await vi.waitFor(() => {
      seen.add(slots.concurrency);
      expect(slots.concurrency).toBe(6);
    }, { timeout: 20_000, interval: 2 });
    expect(Math.max(...seen)).toBe(6);
    slots.close();
  });
});

describe('exit code', () => {
  const counts = (c: Partial<Record<JobStatus, number>>) => ({ ...emptyStatusCounts(), ...c });
  // The code the CLI ends with: the outcome's error's (the run's summary states the same).
  const exitCodeOf = (inputs: OutcomeInputs): number => {
    const code = outcomeError(outcomeOf(inputs))?.exitCode ?? 0;
    expect(exitCodeOfOutcome(outcomeOf(inputs))).toBe(code);
    return code;
  };
  it('follows 130, then 3, 4, 6, 5, else 0', () => {
    expect(exitCodeOf({ stopped: [], jobs: counts({ succeeded: 3 }) })).toBe(0);
    expect(exitCodeOf({ stopped: [], jobs: counts({ failed: 1, moderated: 1 }) })).toBe(5);
    expect(exitCodeOf({ stopped: [], jobs: counts({ failed: 1, unknown: 1 }) })).toBe(6);
    expect(exitCodeOf({ stopped: [], jobs: counts({ submitted: 1, failed: 1 }) })).toBe(6);
    expect(exitCodeOf({ stopped: [], jobs: counts({ skipped: 1, unknown: 1, failed: 1 }) })).toBe(4);
    expect(exitCodeOf({ stopped: ['insufficient-balance'], jobs: counts({ pending: 3 }) })).toBe(4);
    expect(exitCodeOf({ stopped: ['account-refused', 'insufficient-balance'], jobs: counts({ skipped: 1 }) })).toBe(3);
    expect(exitCodeOf({ stopped: ['interrupted', 'account-refused'], jobs: counts({}) })).toBe(130);
  });
});

describe('media size cap', () => {
  it('leaves room for any real clip and refuses hundreds of MiB for a small one', () => {
    expect(maxVideoBytes({ quality: '360p', aspect_ratio: '16:9', duration: 5 })).toBeLessThan(256 * 1024 * 1024 / 8);
    expect(maxVideoBytes({ quality: '1080p', aspect_ratio: '16:9', duration: 8 })).toBeGreaterThan(50 * 1024 * 1024);
  });
});

describe('request rate', () => {
  it('never lets more than requests_per_second calls start in one window (scaled by the time-scale)', async () => {
    const { RequestRate } = await import('../../src/scheduler/request-rate.js');
    const rate = new RequestRate(3, 0.5); // 3 calls per 500 ms window
    let started = 0;
    const all = Promise.all(Array.from({ length: 4 }, () => rate.schedule(async () => void started++)));
    // Counted, not timed: however busy the machine, the window holds the fourth call back.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(3);
    await all;
    expect(started).toBe(4);
    const none = new RequestRate(undefined);
    expect(await none.schedule(async () => 'direct')).toBe('direct');
  });
});
