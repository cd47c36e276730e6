import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/scheduler/budget.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';

const silent = { model: 'paiwo-v5.6-ttv', input: 'x', aspect_ratio: '16:9', quality: '360p', duration: 5 } as const;
const loud = { ...silent, generate_audio_switch: true } as const;

describe('budget holds', () => {
  it('sends the first submit of a price class alone and holds the rest at the charge ÷ estimate it saw', async () => {
    const b = new Budget(140);
    const probe = (await b.reserve(silent, 35))!;
    expect(probe).toMatchObject({ amount: 35, probe: true });
    let second: Awaited<ReturnType<Budget['reserve']>> | undefined;
    const waiting = b.reserve(silent, 35).then((r) => (second = r));
    await Promise.resolve();
    expect(second).toBeUndefined(); // waits for the probe's answer
    b.settle(probe, { kind: 'accepted', credits: 70 });
    await waiting;
    expect(second).toMatchObject({ amount: 70, probe: false });
    expect(await b.reserve(silent, 35)).toBeNull(); // 70 spent + 70 held + 70 > 140
    // An unseen class is held at the highest ratio seen anywhere, and probes alone too.
    b.settle(second!, { kind: 'refused' });
    expect(await b.reserve(loud, 35)).toMatchObject({ amount: 70, probe: true });
  });

  it('counts a zero charge on a priced job as the hold, an unknown outcome as the hold, a refused one as nothing', async () => {
    const b = new Budget(1000);
    b.settle((await b.reserve(silent, 35))!, { kind: 'accepted', credits: 0 });
    expect(b.spentCredits).toBe(35);
    b.settle((await b.reserve(silent, 35))!, { kind: 'unknown' });
    expect(b.spentCredits).toBe(70);
    b.settle((await b.reserve(silent, 35))!, { kind: 'refused' });
    expect(b.spentCredits).toBe(70);
  });

  it('learns from the ledger of earlier runs: no probe, calibrated holds', async () => {
    const earlier = makePendingLedgerJob('a', {
      request: silent,
      status: 'succeeded',
      submits: [{ at: 't', outcome: 'accepted', video_id: '1', credits: 105, estimated_credits: 35, credits_refunded: 0, request_id: null }],
    });
    const b = new Budget(500, [earlier]);
    expect(b.spentCredits).toBe(105);
    expect(await b.reserve(silent, 35)).toMatchObject({ amount: 105, probe: false });
  });

  it('without a budget, nothing waits and nothing is refused', async () => {
    const b = new Budget(undefined);
    const first = await b.reserve(silent, 35);
    expect(await b.reserve(silent, 1e9)).toMatchObject({ probe: false });
    expect(first?.probe).toBe(false);
  });
});
