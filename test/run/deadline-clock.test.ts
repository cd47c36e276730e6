import { describe, expect } from 'vitest';
import { ApiError } from '../../src/api/api-error.js';
import { retryCall } from '../../src/scheduler/retry-call.js';
import { it } from '../helpers/temp-dir.js';

/**
 * Issue 25: a rehearsal counts how long "the account is at its limit" may keep a call waiting on the simulator's
 * clock, which stops while takes are rendered behind the time-scale; a real run (no clock) counts the machine's.
 */
const throttled = () => new ApiError({ kind: 'concurrency-limit', operation: 'submit', code: 'ERR_500044', message: 'at the limit', errCode: 500044 });
// A 1 ms limit: the machine's clock passes it at the first backoff, whatever the machine.
const options = { retries: 3, timeScale: 1, maxThrottledMs: 1, minBackoffMs: 1, maxBackoffMs: 2 };

describe('the clock a throttled call waits on', () => {
  it('a real run (no clock) gives up once the machine\'s clock passes the limit', async () => {
    let attempts = 0;
    const call = retryCall(async () => {
      attempts++;
      throw throttled();
    }, options);
    await expect(call).rejects.toMatchObject({ code: 'ERR_500044' });
    expect(attempts).toBeLessThan(5);
  });

  it('a stopped rehearsal clock keeps the call waiting past the limit in real time; a clock that moves on ends it', async () => {
    let simulated = 0;
    let attempts = 0;
    const answer = await retryCall(
      async () => {
        if (++attempts < 20) throw throttled();
        return 'accepted';
      },
      { ...options, clock: () => simulated },
    );
    expect(answer).toBe('accepted');
    expect(attempts).toBe(20);

    attempts = 0;
    const call = retryCall(
      async () => {
        if (++attempts === 3) simulated += 2; // the renders caught up: simulated time passes the limit
        throw throttled();
      },
      { ...options, clock: () => simulated },
    );
    await expect(call).rejects.toMatchObject({ code: 'ERR_500044' });
    expect(attempts).toBe(3);
  });
});
