import { describe, expect, it } from 'vitest';
import { RequestRate } from '../../src/scheduler/request-rate.js';
import { RunControl, RunStopped } from '../../src/scheduler/run-control.js';

describe('a stop drops calls waiting in the request-rate window (issue 10, finding 2)', () => {
  it('the waiting calls never run and reject with the stop; later calls are refused at once', async () => {
    const rate = new RequestRate(0.5); // one call every 2 s: the 2nd and 3rd wait
    const control = new RunControl();
    const ran: number[] = [];
    const first = rate.schedule(async () => void ran.push(1), control.submits.signal);
    const waiting = [2, 3].map((n) => rate.schedule(async () => void ran.push(n), control.submits.signal));
    await first;
    control.interrupt(1_000);
    for (const p of waiting) await expect(p).rejects.toBeInstanceOf(RunStopped);
    await expect(rate.schedule(async () => void ran.push(4), control.submits.signal)).rejects.toBeInstanceOf(RunStopped);
    expect(ran).toEqual([1]);
    control.close();
  });

  it('an account-wide stop of submits alone (empty balance) drops them too; fetches on another signal go on', async () => {
    const rate = new RequestRate(1000);
    const control = new RunControl();
    control.stopSubmits('insufficient-balance');
    await expect(rate.schedule(async () => 'submit', control.submits.signal)).rejects.toMatchObject({ reason: 'insufficient-balance' });
    expect(await rate.schedule(async () => 'fetch', control.work.signal)).toBe('fetch');
  });
});
