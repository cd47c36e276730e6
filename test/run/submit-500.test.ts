import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { readLedger } from '../../src/ledger/store.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { readBody, startHttpServer } from '../api/test-server.js';
import { KEY, eachTestInProject, writeManifest } from './run-helpers.js';

/**
 * Issue 10, finding 1, as it was found: a gateway that charges, then answers a JSON 500 on 30 % of submits. A
 * 24-job manifest paid 6–13 jobs twice and said "succeeded". Now every such job is held, none is paid twice.
 */
let dir: string;
let sim: Simulator;

eachTestInProject((d) => (dir = d), () => sim);

describe('a gateway that charges, then answers 500', () => {
  it('holds every such job unknown and pays for nothing twice, this run or the next', async () => {
    sim = await startSimulator({ timeScale: 0.003, concurrency: 6, faults: '500-after-charge:0.3', seed: 11 });
    const file = await writeManifest(dir, Array.from({ length: 24 }, (_, i) => `job ${i}`), [1], 'run:\n  concurrency: 6\n');
    const args = ['run', file, '--base-url', sim.url, '--time-scale', '0.003', '--json'];
    const env = { DMXAPI_API_KEY: KEY };
    const first = await runCli(args, { cwd: dir, env, inheritEnv: false });
    const fired = sim.stats().faults['500-after-charge'] ?? 0;
    expect(fired).toBeGreaterThan(0);
    expect(first.code, first.stderr.slice(-2000)).toBe(6);
    const ledger = await readLedger(join(dir, 'output/t'));
    expect(ledger.jobs.filter((j) => j.status === 'unknown')).toHaveLength(fired);
    expect(ledger.jobs.filter((j) => j.status === 'succeeded')).toHaveLength(24 - fired);
    expect(sim.stats().submits.accepted).toBe(24);
    expect(sim.stats().submits.duplicate_bodies).toBe(0);
    // A plain rerun sends nothing new for the held jobs.
    const rerun = await runCli(args, { cwd: dir, env, inheritEnv: false });
    expect(rerun.code).toBe(6);
    expect(sim.stats().submits.accepted).toBe(24);
    expect(sim.stats().submits.duplicate_bodies).toBe(0);
  }, 60_000);
});

describe('a submit answered 404 (the base URL is not the API)', () => {
  it('holds that job unknown (a 404 proves no refusal) and stops the run: exit 3, no other submit', async () => {
    let submits = 0;
    const server = await startHttpServer(async (req, res) => {
      await readBody(req);
      submits++;
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not Found</h1>');
    });
    try {
      const file = await writeManifest(dir, ['a', 'b', 'c'], [1], 'run:\n  concurrency: 1\n');
      const r = await runCli(['run', file, '--base-url', server.url, '--time-scale', '0.003'], { cwd: dir, env: { DMXAPI_API_KEY: KEY }, inheritEnv: false });
      expect(r.code, r.stderr.slice(-1500)).toBe(3);
      expect(submits).toBe(1);
      const ledger = await readLedger(join(dir, 'output/t'));
      expect(ledger.jobs.map((j) => j.status).sort()).toEqual(['pending', 'pending', 'unknown']);
    } finally {
      await server.close();
    }
  }, 60_000);
});
