import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/api-error.js';
import type { LoadedManifest } from '../../src/manifest/types.js';
import { failureBreakerOf } from '../../src/plan-folders.js';
import { DEFAULT_BREAKER, FailureBreaker } from '../../src/scheduler/failure-breaker.js';
import { IMPOSSIBLE_VIDEO_ID, OutageGuard, OutagePaused } from '../../src/scheduler/outage-guard.js';

const html502 = () => new ApiError({ kind: 'outcome-unknown', operation: 'submit', code: 'HTTP_502', message: 'submit: HTTP 502', httpStatus: 502 });
const fetch502 = () => new ApiError({ kind: 'transient', operation: 'fetch', code: 'HTTP_502', message: 'fetch: HTTP 502', httpStatus: 502 });
const notFound = () => new ApiError({ kind: 'not-found', operation: 'fetch', code: 'ERR_500008', message: 'not found', errCode: 500008 });

/** A guard whose probes answer as `up()` says: the gateway's JSON (500008) when up, an HTML 502 when down. */
function guardWith(up: () => boolean, extra: Partial<ConstructorParameters<typeof OutageGuard>[0]> = {}) {
  const probed: string[] = [];
  let gaveUp = 0;
  const guard = new OutageGuard({
    timeScale: 0.001,
    maxWaitMs: 600_000,
    concurrency: 4,
    probe: async (id) => {
      probed.push(id);
      throw up() ? notFound() : fetch502();
    },
    onGiveUp: () => gaveUp++,
    ...extra,
  });
  return { guard, probed, gaveUp: () => gaveUp };
}

describe('OutageGuard', () => {
  it('an unknown submit opens an outage at once: no submit or fetch leaves until a free probe finds the gateway back', async () => {
    let up = false;
    const { guard, probed } = guardWith(() => up);
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    expect(guard.isDown).toBe(true);
    expect(() => guard.enterSubmit()).toThrow(OutagePaused);
    expect(() => guard.checkFetch()).toThrow(OutagePaused);
    expect(guard.describe()).toMatch(/^service unreachable since \d\d:\d\d:\d\d — 0 probes, next in \d+ s; 1 job on the wire may be unknown$/);
    const signal = new AbortController().signal;
    const allowed = guard.untilSubmitAllowed(signal);
    await new Promise((r) => setTimeout(r, 50));
    expect(probed.length).toBeGreaterThan(0);
    expect(probed.every((id) => id === IMPOSSIBLE_VIDEO_ID)).toBe(true);
    up = true;
    expect(await allowed).toBe(true);
    expect(guard.history).toHaveLength(1);
    expect(guard.history[0]).toMatchObject({ cause: 'submit: HTTP_502', unknown: 1, ended: 'recovered' });
    guard.close();
  });

  it('counts each submit that ended unknown once, those still on the wire as "may be unknown"', async () => {
    const { guard } = guardWith(() => false);
    guard.enterSubmit();
    guard.enterSubmit();
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    expect(guard.describe()).toMatch(/; 3 jobs on the wire may be unknown$/);
    guard.leaveSubmit(html502());
    guard.leaveSubmit(); // accepted after all
    expect(guard.describe()).toMatch(/; 2 jobs on the wire may be unknown$/);
    guard.close();
    expect(guard.history[0]).toMatchObject({ unknown: 2, ended: 'run-ended' });
  });

  it('after an outage submits ramp back: one on the wire, one more per accepted submit, up to the concurrency', async () => {
    const { guard } = guardWith(() => true);
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    await guard.untilUp(new AbortController().signal);
    guard.enterSubmit();
    expect(() => guard.enterSubmit()).toThrow(OutagePaused);
    guard.leaveSubmit(); // accepted: two at once now
    guard.enterSubmit();
    guard.enterSubmit();
    expect(() => guard.enterSubmit()).toThrow(OutagePaused);
    guard.leaveSubmit();
    guard.leaveSubmit(); // 3 → back to the concurrency (4): no limit of its own
    for (let i = 0; i < 6; i++) guard.enterSubmit();
    expect(guard.onWire).toBe(6);
    guard.close();
  });

  it('a run of failed fetches opens an outage; an answer in the contract\'s JSON in between does not', () => {
    const { guard } = guardWith(() => false);
    guard.fetchEnded(fetch502());
    guard.fetchEnded(fetch502());
    guard.fetchEnded(notFound());
    guard.fetchEnded(fetch502());
    guard.fetchEnded(fetch502());
    expect(guard.isDown).toBe(false);
    guard.fetchEnded(fetch502());
    expect(guard.isDown).toBe(true);
    guard.close();
  });

  it('past maxWaitMs it gives up: submits are refused for good and the stop is asked for', async () => {
    const { guard, gaveUp } = guardWith(() => false, { maxWaitMs: 50_000 }); // 50 ms at 0.001
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    expect(await guard.untilSubmitAllowed(new AbortController().signal)).toBe(false);
    expect(await guard.untilUp(new AbortController().signal)).toBe(false);
    expect(gaveUp()).toBe(1);
    expect(guard.gaveUp).toBe(true);
    expect(guard.history.map((h) => h.ended)).toEqual(['gave-up']);
    guard.close();
  });

  it('a refused submit answered in JSON, or one the answer proves refused, opens nothing', () => {
    const { guard } = guardWith(() => true);
    guard.enterSubmit();
    guard.leaveSubmit(new ApiError({ kind: 'concurrency-limit', operation: 'submit', code: 'ERR_500044', message: 'limit', errCode: 500044 }));
    guard.enterSubmit();
    guard.leaveSubmit(new ApiError({ kind: 'outcome-unknown', operation: 'submit', code: 'HTTP_404', message: 'wrong url', httpStatus: 404, stopsRun: true }));
    expect(guard.isDown).toBe(false);
    guard.close();
  });
});

describe('FailureBreaker', () => {
  const status8 = { code: 'STATUS_8', message: 'generation failed' };

  it('trips once at least min_finished finished and rate of the last window failed, naming the common error', () => {
    const trips: string[] = [];
    const breaker = new FailureBreaker({ minFinished: 10, window: 20, rate: 0.8 }, (t) => trips.push(t.message));
    for (let i = 0; i < 9; i++) breaker.record('failed', status8);
    expect(breaker.tripped).toBeNull();
    breaker.record('failed', status8);
    expect(breaker.tripped).toMatchObject({ kind: 'failed', count: 10, looked_at: 10, common_error: { code: 'STATUS_8', count: 10 } });
    breaker.record('failed', status8);
    expect(trips).toHaveLength(1);
  });

  it('does not trip on a mixed run below the rate, and counts moderation apart', () => {
    const breaker = new FailureBreaker({ minFinished: 10, window: 20, rate: 0.8 }, () => {});
    for (let i = 0; i < 40; i++) {
      breaker.record(i % 4 === 0 ? 'succeeded' : i % 2 === 0 ? 'moderated' : 'failed', status8);
    }
    expect(breaker.tripped).toBeNull();
    const moderated = new FailureBreaker({ minFinished: 4, window: 10, rate: 0.8 }, () => {});
    for (let i = 0; i < 4; i++) moderated.record('moderated', { code: 'STATUS_7', message: 'moderated' });
    expect(moderated.tripped?.kind).toBe('moderated');
  });

  it('null settings: never trips', () => {
    const breaker = new FailureBreaker(null, () => {});
    for (let i = 0; i < 50; i++) breaker.record('failed', status8);
    expect(breaker.tripped).toBeNull();
  });
});

describe('the run\'s breaker settings from manifests and flags', () => {
  const m = (failureBreaker: unknown) => ({ run: { failureBreaker } }) as unknown as LoadedManifest;
  it('the strictest manifest with it on, each flag over its field; off by flag, or when every manifest says off', () => {
    const a = { minFinished: 10, window: 20, rate: 0.8 };
    const b = { minFinished: 5, window: 30, rate: 0.9 };
    expect(failureBreakerOf([m(a), m(b)], {})).toEqual({ minFinished: 5, window: 20, rate: 0.8 });
    expect(failureBreakerOf([m(a), m(null)], {})).toEqual(a);
    expect(failureBreakerOf([m(null)], {})).toBeNull();
    expect(failureBreakerOf([m(null)], { failureBreaker: { rate: 0.5 } })).toEqual({ ...DEFAULT_BREAKER, rate: 0.5 });
    expect(failureBreakerOf([m(a)], { failureBreaker: null })).toBeNull();
    expect(failureBreakerOf([m(a)], { failureBreaker: { window: 8 } })).toEqual({ ...a, window: 8 });
  });
});

describe('OutageGuard: a gateway that answers free calls while submits keep failing', () => {
  it('each submit after a recovery that is lost again is a failed canary: longer waits, then submitting stops', async () => {
    const { guard, gaveUp } = guardWith(() => true, { maxProbeMs: 20_000 }); // 20 ms at 0.001
    const signal = new AbortController().signal;
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    for (let canary = 1; canary <= 3; canary++) {
      expect(await guard.untilSubmitAllowed(signal)).toBe(true);
      guard.enterSubmit();
      expect(() => guard.enterSubmit()).toThrow(OutagePaused); // one at a time after a recovery
      guard.leaveSubmit(html502());
    }
    expect(await guard.untilSubmitAllowed(signal)).toBe(false);
    expect(gaveUp()).toBe(1);
    expect(guard.history.map((h) => h.ended)).toEqual(['recovered', 'recovered', 'recovered', 'gave-up']);
    expect(guard.history.reduce((n, h) => n + h.unknown, 0)).toBe(4);
    expect(guard.history.at(-1)!.why).toMatch(/submits kept failing \(submit: HTTP_502\) although the gateway answered free calls/);
  });

  it('a submit accepted while an outage is open (it was on the wire) ends nothing; more unknowns add up', () => {
    const { guard } = guardWith(() => false);
    guard.enterSubmit();
    guard.enterSubmit();
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    guard.leaveSubmit();
    guard.leaveSubmit(html502());
    expect(guard.isDown).toBe(true);
    guard.close();
    expect(guard.history[0]!.unknown).toBe(2);
  });

  it('an accepted submit ends the incident: a later outage starts afresh', async () => {
    const { guard, gaveUp } = guardWith(() => true, { maxProbeMs: 20_000 });
    const signal = new AbortController().signal;
    for (let round = 0; round < 5; round++) {
      guard.enterSubmit();
      guard.leaveSubmit(html502());
      expect(await guard.untilSubmitAllowed(signal)).toBe(true);
      guard.enterSubmit();
      guard.leaveSubmit(); // accepted
    }
    expect(gaveUp()).toBe(0);
    guard.close();
  });

  it('outage_wait counts from the first outage of an incident, not from each', async () => {
    const { guard, gaveUp } = guardWith(() => true, { maxProbeMs: 20_000, maxWaitMs: 60_000 }); // 60 ms
    const signal = new AbortController().signal;
    guard.enterSubmit();
    guard.leaveSubmit(html502());
    expect(await guard.untilSubmitAllowed(signal)).toBe(true);
    await new Promise((r) => setTimeout(r, 70));
    guard.enterSubmit();
    guard.leaveSubmit(html502()); // a failed canary past the incident's outage_wait: given up at once
    expect(await guard.untilSubmitAllowed(signal)).toBe(false);
    expect(gaveUp()).toBe(1);
  });
});
