import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
// Plain ESM shared with the benchmarks: the built CLI and the standalone simulator as processes.
import { runCli, startCli, startSimulatorProcess } from '../../bench/lib/cli-process.mjs';
import { readLedger } from '../../src/ledger/store.js';
import type { Ledger } from '../../src/ledger/types.js';
import { SIM_STATE_FILE } from '../../src/simulator/sim-persist.js';
import { FFMPEG, itWith } from '../helpers/requirements.js';
import { it } from '../helpers/temp-dir.js';
import { KEY, writeManifest } from './run-helpers.js';

/**
 * Issue 12's proof: a rehearsal (`--simulator`) and the real run never share a folder, and an interrupted
 * rehearsal resumes like a real run. The "real" service is a second simulator started standalone on a port: it
 * sees every submit the real run sends, and none when the run is refused.
 */
type Sim = Awaited<ReturnType<typeof startSimulatorProcess>>;
const TS = '0.003';
const quiet = ['--no-progress', '--log-level', 'warn'];

let dir: string;
let real: Sim | undefined;

beforeAll(async () => {
  real = await startSimulatorProcess(['--time-scale', TS, '--api-key', KEY]);
});
afterAll(async () => {
  await real?.close();
});
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

const rehearse = (args: string[] = [], env: Record<string, string> = {}) => runCli(['run', 'm.yaml', '--simulator', ...quiet, ...args], { cwd: dir, env: { DMXAPI_API_KEY: undefined as unknown as string, ...env }, timeoutMs: 120_000 });
const runReal = (args: string[] = []) =>
  runCli(['run', 'm.yaml', '--base-url', real!.url, '--time-scale', TS, ...quiet, ...args], { cwd: dir, env: { DMXAPI_API_KEY: KEY }, timeoutMs: 120_000 });

function ids(ledger: Ledger): string[] {
  return ledger.jobs.map((j) => j.video_id!);
}

describe('rehearse, then run for real', () => {
  it('with no flags: the rehearsal writes output/t.rehearsal/, the real run output/t/, and the real service gets every submit', async () => {
    await writeManifest(dir, ['a fox in the snow', 'a cat on a wall'], [1, 2]);
    const before = (await real!.stats()).submits.accepted as number;

    const r = await rehearse();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^paiwo-batch rehearsal: 4 jobs — 4 succeeded/m);
    expect(r.stderr).toContain(join('output', 't.rehearsal'));
    const rehearsal = await readLedger(join(dir, 'output/t.rehearsal'));
    expect(rehearsal.service).toBe('simulator');
    expect(rehearsal.totals.by_status.succeeded).toBe(4);

    const run = await runReal();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^paiwo-batch run: 4 jobs — 4 succeeded/m);
    const ledger = await readLedger(join(dir, 'output/t'));
    expect(ledger.service).toBe(new URL(real!.url).origin);
    expect(ledger.totals.by_status.succeeded).toBe(4);
    const stats = await real!.stats();
    expect(stats.submits.accepted - before).toBe(4);
    const served = new Set((stats.videos as { id: string }[]).map((v) => v.id));
    for (const id of ids(ledger)) expect(served.has(id)).toBe(true);

    // status says plainly which folder was a rehearsal.
    const status = await runCli(['status', 'output/t.rehearsal'], { cwd: dir });
    expect(status.stdout).toMatch(/rehearsal: run against the built-in simulator/);
    expect((await runCli(['status', 'output/t'], { cwd: dir })).stdout).toContain(`service: ${new URL(real!.url).origin}`);
  });

  it('with the same explicit --out: the real run is refused with exit 2 before anything is sent, and so is a rehearsal into a real folder', async () => {
    await writeManifest(dir, ['a heron at dusk'], [1, 2]);
    expect((await rehearse(['--out', 'shared'])).code).toBe(0);
    const before = await real!.stats();

    const refused = await runReal(['--out', 'shared']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the built-in simulator (a rehearsal)');
    expect(refused.stderr).toContain(new URL(real!.url).origin);
    expect(refused.stderr).toMatch(/Nothing was sent.*without --out.*another --out/s);
    const after = await real!.stats();
    expect(after.requests).toBe(before.requests + 1); // this stats request only: not one API call, let alone a submit
    expect(after.submits.accepted).toBe(before.submits.accepted);
    expect((await readLedger(join(dir, 'shared'))).service).toBe('simulator');

    expect((await runReal(['--out', 'real-out'])).code).toBe(0);
    const intoReal = await rehearse(['--out', 'real-out']);
    expect(intoReal.code).toBe(2);
    expect(intoReal.stderr).toMatch(/real-out holds jobs run against http:\/\/127\.0\.0\.1:\d+; this run is against the built-in simulator/);
    expect((await readLedger(join(dir, 'real-out'))).totals.by_status.succeeded).toBe(2);
  });
});

describe('an interrupted rehearsal resumes as a real run would', () => {
  async function expectResumed(first: Ledger): Promise<void> {
    await writeManifest(dir, ['a fox in the snow', 'a cat on a wall'], [1, 2, 3, 4]);
    const again = await rehearse();
    expect(again.code, again.stderr).toBe(0);
    const ledger = await readLedger(join(dir, 'output/t.rehearsal'));
    expect(ledger.totals.by_status.succeeded).toBe(8);
    expect(new Set(ids(ledger)).size).toBe(8);
    // The videos the interrupted run was told about are the ones it finished with: none paid twice.
    for (const job of first.jobs.filter((j) => j.video_id !== null)) expect(ledger.jobs.find((j) => j.id === job.id)!.video_id).toBe(job.video_id);
    expect(ledger.jobs.every((j) => j.attempts === 1)).toBe(true);
    // One service: every id it ever issued is in its state, once.
    const state = (await readFile(join(dir, 'output/t.rehearsal', SIM_STATE_FILE), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"t":"video"'))
      .map((l) => (JSON.parse(l) as { v: { id: string } }).v.id);
    expect(state.sort()).toEqual(ids(ledger).sort());
  }

  it('killed with SIGKILL while generating, then rerun: every job succeeds, every video id distinct', async () => {
    await writeManifest(dir, ['a fox in the snow', 'a cat on a wall'], [1, 2]);
    // All four are submitted at once; the runner (and its simulator) dies at the first download.
    const killed = await rehearse(['--time-scale', '0.05', '--concurrency', '4'], { PAIWO_CRASH_AT: 'download:1' });
    expect(killed.signal).toBe('SIGKILL');
    const first = await readLedger(join(dir, 'output/t.rehearsal'));
    expect(first.jobs.filter((j) => j.video_id !== null)).toHaveLength(4);
    expect(first.totals.by_status.succeeded).toBeLessThan(4);
    await expectResumed(first);
  });

  it('interrupted with SIGINT, then rerun: every job succeeds, every video id distinct', async () => {
    await writeManifest(dir, ['a fox in the snow', 'a cat on a wall'], [1, 2]);
    const cli = startCli(['run', 'm.yaml', '--simulator', '--time-scale', '0.05', '--concurrency', '2', '--no-progress', '--log-file', '-'], { cwd: dir, inheritEnv: false });
    await cli.waitFor('"msg":"submitted"');
    cli.child.kill('SIGINT');
    const done = await cli.done;
    expect(done.code, done.stderr).toBe(130);
    const first = await readLedger(join(dir, 'output/t.rehearsal'));
    expect(first.totals.by_status.succeeded).toBeLessThan(4);
    await expectResumed(first);
  });
});

describe('ledgers written before the service was recorded', () => {
  async function forgetService(out: string): Promise<void> {
    const file = join(dir, out, 'ledger.json');
    const old = JSON.parse(await readFile(file, 'utf8')) as Ledger;
    delete old.service;
    await writeFile(file, JSON.stringify(old));
  }

  itWith([FFMPEG], 'are accepted, and the run records its own service', async () => {
    await writeManifest(dir, ['a quiet harbour'], [1]);
    // A ledger whose videos are not the simulator's shipped clip (a rendered take here; a real video in life).
    expect((await rehearse(['--out', 'output/t'])).code).toBe(0);
    await forgetService('output/t');
    const again = await runReal();
    expect(again.code, again.stderr).toBe(0);
    expect((await readLedger(join(dir, 'output/t'))).service).toBe(new URL(real!.url).origin);
  });

  it("are recognised as a rehearsal's when their videos are the simulator's shipped clip (what older versions left in the real folder)", async () => {
    await writeManifest(dir, ['a quiet harbour'], [1]);
    // No ffmpeg on the PATH: the simulator says so once and serves its shipped clip, as every older version did.
    const old = await rehearse(['--out', 'output/t'], { PATH: dir });
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr.match(/ffmpeg was not found/g)).toHaveLength(1);
    await forgetService('output/t');
    const before = await real!.stats();
    const refused = await runReal();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds jobs run against the built-in simulator \(a rehearsal\)/);
    expect((await real!.stats()).submits.accepted).toBe(before.submits.accepted);
  });
});

describe('rehearsal folders', () => {
  it("a manifest's run.out gets .rehearsal added, like the default folder", async () => {
    await writeManifest(dir, ['a quiet harbour'], [1], 'run:\n  out: results/sweep\n');
    const r = await rehearse();
    expect(r.code, r.stderr).toBe(0);
    expect((await readLedger(join(dir, 'results/sweep.rehearsal'))).service).toBe('simulator');
  });
});
