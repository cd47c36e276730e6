import { describe, expect, it } from 'vitest';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { PaceModel, PACE_WINDOW } from '../../src/scheduler/pace-model.js';
import { PollSchedule } from '../../src/scheduler/poll-schedule.js';
import { censoredMedian } from '../../src/scheduler/running-jobs.js';
import { checkPriority, RequestRate, SUBMIT_PRIORITY } from '../../src/scheduler/request-rate.js';

const req = { quality: '540p', aspect_ratio: '16:9', duration: 5, generate_audio_switch: true } as const;
const slow = { quality: '1080p', aspect_ratio: '9:16', duration: 8, generate_audio_switch: true } as const;
const settings = { intervalMs: 5000, maxIntervalMs: 15000 };

/** A deterministic spread of ratios in [low, high], shuffled (17 is prime to every n used; no randomness in tests). */
const spread = (n: number, low: number, high: number) => Array.from({ length: n }, (_, i) => low + ((i * 17) % n) / (n - 1) * (high - low));

/**
 * Plays the poller against a service whose generation takes `ratio` × the table for each job: checks at the
 * schedule, observes like poll-job does; returns fetches and the detection delay per job.
 */
function play(model: PaceModel, ratios: readonly number[], request = req) {
  const out: { fetches: number; delayShare: number }[] = [];
  for (const ratio of ratios) {
    const s = new PollSchedule(request, settings, model);
    const ends = ratio * s.expectedMs;
    let t = s.firstDelay();
    let fetches = 1;
    let notDone: number | null = null;
    while (t < ends) {
      notDone = t;
      t += s.nextDelay(t);
      fetches++;
    }
    model.observe(s.expectedMs, notDone, t);
    out.push({ fetches, delayShare: (t - ends) / ends });
  }
  return out;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('pace model', () => {
  it('a service twice as fast as the table moves the first check earlier, for every price class', () => {
    const model = new PaceModel();
    const before = new PollSchedule(slow, settings, model).firstDelay();
    play(model, spread(40, 0.43, 0.57));
    const after = new PollSchedule(slow, settings, model).firstDelay();
    expect(after).toBeLessThan(before);
    expect(model.typical()).toBeLessThan(0.6); // the level learned the new pace (0.43–0.57 × the table)
    // The first check now comes before the typical generation of the new pace (0.5 × the table), not after it.
    expect(after).toBeLessThan(0.5 * expectedGenerationMs(slow));
    const late = play(model, spread(40, 0.43, 0.57));
    expect(mean(late.map((r) => r.delayShare))).toBeLessThan(0.03);
    expect(mean(late.map((r) => r.fetches))).toBeLessThanOrEqual(8);
  });

  it('a service twice as slow moves it later and keeps fetches and delay low once learned', () => {
    const model = new PaceModel();
    play(model, spread(40, 1.7, 2.3));
    const late = play(model, spread(40, 1.7, 2.3));
    const first = new PollSchedule(req, settings, model).firstDelay();
    expect(first).toBeGreaterThan(1.4 * expectedGenerationMs(req)); // the table said 1; the fastest is 1.7
    expect(mean(late.map((r) => r.delayShare))).toBeLessThan(0.03);
    expect(mean(late.map((r) => r.fetches))).toBeLessThanOrEqual(7); // the plan spends up to 7.3 (check-plan.ts)
  });

  it('follows a drift: after the service slows from 0.6× to 1.8×, the first check follows it', () => {
    const model = new PaceModel();
    play(model, spread(30, 0.55, 0.65));
    const fast = new PollSchedule(req, settings, model).firstDelay();
    const drifting = Array.from({ length: 60 }, (_, i) => 0.6 + (1.2 * i) / 59);
    const played = play(model, drifting);
    const slowFirst = new PollSchedule(req, settings, model).firstDelay();
    expect(slowFirst).toBeGreaterThan(2.2 * fast);
    expect(mean(played.map((r) => r.fetches))).toBeLessThanOrEqual(8);
    expect(mean(played.map((r) => r.delayShare))).toBeLessThan(0.05);
  });

  it('forgets an old pace: after a step change only the new one counts', () => {
    const model = new PaceModel();
    for (let i = 0; i < 100; i++) model.observe(10_000, 9_000, 11_000); // ratio 1
    for (let i = 0; i < PACE_WINDOW; i++) model.observe(10_000, 19_000, 21_000); // ratio 2
    expect(model.quantile(0.03)).toBeGreaterThan(1.9); // nothing of the old pace (ratio 1) is left in the tails
    expect(model.quantile(0.5)).toBeLessThan(2.3);
    expect(model.observed).toBe(100 + PACE_WINDOW);
  });

  it('a done-at-first-check answer counts below its time (only an upper bound is known)', () => {
    const model = new PaceModel();
    for (let i = 0; i < 10; i++) model.observe(10_000, null, 6_000);
    expect(model.quantile(0.5)).toBeLessThan(0.6);
  });
});

describe('checks under a rate limit', () => {
  it('go to the jobs most likely done, after the submits', async () => {
    const model = new PaceModel();
    for (let i = 0; i < 20; i++) model.observe(10_000, 9_000 + i * 50, 9_100 + i * 50);
    const s = new PollSchedule(req, settings, model);
    const young = checkPriority(s.doneShare(0.5 * s.expectedMs));
    const old = checkPriority(s.doneShare(1.2 * s.expectedMs));
    expect(old).toBeGreaterThan(young);
    expect(SUBMIT_PRIORITY).toBeGreaterThan(old);

    // One call per window: the first goes at once, then the waiting ones by priority, not arrival.
    const rate = new RequestRate(1, 0.05);
    const order: string[] = [];
    const call = (name: string, priority?: number) => rate.schedule(async () => void order.push(name), undefined, priority);
    await Promise.all([call('first', 0), call('young', young), call('old', old), call('submit'), call('middle', Math.round((young + old) / 2))]);
    expect(order).toEqual(['first', 'submit', 'old', 'middle', 'young']);
  });
});

describe('warm-up with the jobs still running', () => {
  it('the censored median counts running jobs as longer than their age', () => {
    expect(censoredMedian([1, 2, 3], [])).toBe(2);
    // Two of six ended early; four still run at age 5: the median is at least 5, not 1.5.
    expect(censoredMedian([Math.log(1), Math.log(2)], Array(4).fill(Math.log(5)))).toBeCloseTo(Math.log(5));
    // Running jobs younger than an end leave the estimate to the ends.
    expect(censoredMedian([0.1, 0.2, 0.3], [0.05])).toBeCloseTo(0.2);
  });

  it("a first wave's earliest ends do not make the level think the service is fast", () => {
    // Ten jobs submitted together at the table's pace (ratios 0.7–1.3); the first two end at 0.7 and 0.75.
    const run = (watch: boolean) => {
      const model = new PaceModel();
      let now = 0;
      const wave = Array.from({ length: 10 }, () => new PollSchedule(req, settings, model));
      wave.forEach((s) => s.firstDelay());
      if (watch) wave.forEach((s) => s.watch(() => now));
      const expected = wave[0]!.expectedMs;
      now = 0.75 * expected;
      wave[0]!.seenDone(0.68 * expected, 0.72 * expected);
      wave[1]!.seenDone(0.72 * expected, 0.75 * expected);
      return model.typical();
    };
    expect(run(false)).toBeLessThan(0.76); // from the ends alone: the fastest two
    expect(run(true)).toBeGreaterThanOrEqual(0.75); // with eight jobs still running at 0.75: at least that
  });
});
