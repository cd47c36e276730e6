import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../../bench/lib/cli-process.mjs';
import { readLedger } from '../../src/ledger/store.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { KEY, eachTestInProject, writeManifest } from './run-helpers.js';

/**
 * Issue 10, findings 2 and 3: with a request-rate limit, submits queue in the client's limiter. After Ctrl+C /
 * SIGTERM / SIGHUP none of them may leave, and a SIGKILL while they wait must leave them `pending` (their intent
 * is journaled just before the bytes leave, not before the wait).
 */
let dir: string;
let sim: Simulator;

eachTestInProject((d) => (dir = d), () => sim);

const env = { DMXAPI_API_KEY: KEY };
const JOBS = 8;

/** 8 jobs, 4 slots, one API call every 2 s: most submits wait in the limiter. Client delays unscaled. */
async function startLimitedRun(): Promise<ReturnType<typeof startCli>> {
  sim = await startSimulator({ timeScale: 0.01, concurrency: 8 });
  const file = await writeManifest(dir, Array.from({ length: JOBS }, (_, i) => `job ${i}`), [1], 'run:\n  concurrency: 4\n');
  return startCli(['run', file, '--base-url', sim.url, '--requests-per-second', '0.5', '--json'], { cwd: dir, env, inheritEnv: false });
}

/** Resolves once the simulator has accepted `n` submits (a deterministic trigger, not a sleep). */
async function acceptedAtLeast(n: number): Promise<number> {
  for (;;) {
    const accepted = sim.stats().submits.accepted;
    if (accepted >= n) return accepted;
    await delay(10);
  }
}

describe('stopping a run whose submits wait in the request-rate limiter', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: no submit leaves after the signal; the waiting ones stay pending; exit 130`, async () => {
      const cli = await startLimitedRun();
      const atSignal = await acceptedAtLeast(2);
      cli.child.kill(signal);
      const r = await cli.done;
      expect(r.code, r.stderr.slice(-1500)).toBe(130);
      expect(sim.stats().submits.accepted).toBe(atSignal);
      const ledger = await readLedger(join(dir, 'output/t'));
      const byStatus = (s: string) => ledger.jobs.filter((j) => j.status === s).length;
      // Every accepted submit is recorded with its id; everything never sent is plain pending.
      expect(ledger.jobs.filter((j) => j.video_id !== null)).toHaveLength(atSignal);
      expect(byStatus('pending')).toBe(JOBS - atSignal);
      expect(byStatus('unknown') + byStatus('submitting')).toBe(0);
    }, 60_000);
  }

  it('SIGKILL: jobs whose submits were waiting are pending, never unknown; only a submit the service received may be', async () => {
    const cli = await startLimitedRun();
    await acceptedAtLeast(2);
    cli.child.kill('SIGKILL');
    const r = await cli.done;
    expect(r.signal).toBe('SIGKILL');
    const received = sim.stats().submits.accepted;
    const ledger = await readLedger(join(dir, 'output/t'));
    const recorded = ledger.jobs.filter((j) => j.video_id !== null).length;
    const held = ledger.jobs.filter((j) => j.status === 'submitting' || j.status === 'unknown');
    // A held job is one whose submit may have reached the service without its answer being recorded.
    expect(held.length).toBeLessThanOrEqual(received - recorded);
    expect(ledger.jobs.filter((j) => j.status === 'pending').length).toBeGreaterThanOrEqual(JOBS - received);
    // The process is gone: the account's count does not move.
    await delay(100);
    expect(sim.stats().submits.accepted).toBe(received);
  }, 60_000);
});
