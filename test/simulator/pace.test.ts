import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { parseDrift, parseSpread } from '../../src/simulator/sim-pace.js';
import type { Simulator } from '../../src/simulator/start-simulator.js';
import { SAMPLE_REQUEST, idOf, submit, useSimulators } from './sim-helpers.js';

const TS = 0.004; // 25 s → 100 ms: a 1 ms rounding of the ISO times is 1 % of a factor
const start = useSimulators();

/** Resolves once every video has ended (a condition on the simulator's own clock, not a duration). */
async function allEnded(sim: Simulator): Promise<void> {
  while (sim.stats().videos.some((v) => v.finished_at === null)) await new Promise((r) => setTimeout(r, 2));
}
/** Each video's generation time ÷ the table's expected time (scaled): the pace factor it was given. */
const factors = (sim: Simulator) =>
  sim.stats().videos.map((v) => (Date.parse(v.finished_at!) - Date.parse(v.created_at)) / (expectedGenerationMs(v.request as typeof SAMPLE_REQUEST) * TS));

describe('simulator pace', () => {
  it('a pace factor with no spread scales every generation time exactly', async () => {
    const sim = await start({ timeScale: TS, pace: { pace: 2, spread: [1, 1] } });
    for (let i = 0; i < 3; i++) idOf((await submit(sim.url, { ...SAMPLE_REQUEST, seed: i + 1 })).text);
    await allEnded(sim);
    for (const f of factors(sim)) expect(f).toBeCloseTo(2, 1);
  });

  it('a spread draws each factor inside it, and the default stays ±15 %', async () => {
    const wide = await start({ timeScale: TS, seed: 3, pace: { spread: [0.5, 1.5] } });
    const table = await start({ timeScale: TS, seed: 3 });
    for (const sim of [wide, table]) for (let i = 0; i < 8; i++) await submit(sim.url, { ...SAMPLE_REQUEST, seed: i + 1 });
    await Promise.all([allEnded(wide), allEnded(table)]);
    const w = factors(wide);
    for (const f of w) {
      expect(f).toBeGreaterThan(0.5 - 0.02);
      expect(f).toBeLessThan(1.5 + 0.02);
    }
    expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(0.3); // a wide draw, not the default's
    for (const f of factors(table)) {
      expect(f).toBeGreaterThan(0.85 - 0.02);
      expect(f).toBeLessThan(1.15 + 0.02);
    }
  });

  it('a drift moves the factor from its start to its end during the run', async () => {
    // From 1× to 3× over 40 s of service time = 160 ms at this time scale, counted from the first submit.
    const sim = await start({ timeScale: TS, pace: { spread: [1, 1], drift: { from: 1, to: 3, overMs: 40_000 } } });
    await submit(sim.url, { ...SAMPLE_REQUEST, seed: 1 });
    const first = Date.now();
    while (Date.now() - first < 200) await new Promise((r) => setTimeout(r, 5)); // past the drift's end
    await submit(sim.url, { ...SAMPLE_REQUEST, seed: 2 });
    await allEnded(sim);
    const [a, b] = factors(sim);
    expect(a).toBeCloseTo(1, 1);
    expect(b).toBeCloseTo(3, 1);
  });

  it('parses the command line forms and refuses bad ones', () => {
    expect(parseSpread('0.5-1.5')).toEqual([0.5, 1.5]);
    expect(parseSpread('0.5..1.5')).toEqual([0.5, 1.5]);
    expect(parseDrift('0.6-1.8/600')).toEqual({ from: 0.6, to: 1.8, overMs: 600_000 });
    for (const bad of ['1.5-0.5', '0-1', 'fast', '']) expect(() => parseSpread(bad)).toThrow(RangeError);
    for (const bad of ['0.6-1.8', '0.6-1.8/0', 'x/10']) expect(() => parseDrift(bad)).toThrow(RangeError);
  });

  it('the simulator command takes --pace flags and refuses a bad one with exit 2', async () => {
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const child = spawn(process.execPath, [cli, 'simulator', '--pace-spread', '1.5-0.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/LOW-HIGH/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
