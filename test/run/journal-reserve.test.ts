import { mkdir, readdir, symlink, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { RESERVE_FILE } from '../../src/ledger/journal-reserve.js';
import { openLedger, readLedger } from '../../src/ledger/store.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { KEY, eachTestInProject, writeManifest } from './run-helpers.js';

/**
 * Issue 22, item 7, without root: PAIWO_DISK_FULL_AT=<n>r models a disk full of other files, where the space the
 * journal's reserve gives up lets the answer through (the tmpfs test, test/run/disk-full-tmpfs.test.ts, does it
 * on a real filesystem). Journal line 1 is the intent, line 2 the answer.
 */
let dir: string;
let sim: Simulator;
eachTestInProject((d) => (dir = d), () => sim);

const run = (file: string, extra: NodeJS.ProcessEnv = {}, args: string[] = []) =>
  runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003', '--no-progress', ...args], { cwd: dir, env: { DMXAPI_API_KEY: KEY, ...extra }, inheritEnv: false });

describe('the journal reserve', () => {
  it('a paid answer refused by a full disk is written into the reserve: recorded, no more submits, no reserve left behind', async () => {
    sim = await startSimulator({ timeScale: 0.003 });
    const file = await writeManifest(dir, ['only job', 'never sent']);
    const r = await run(file, { PAIWO_DISK_FULL_AT: '2r' }, ['--concurrency', '1']);
    expect(r.stderr).not.toContain('PAID BUT NOT RECORDED');
    expect(sim.stats().submits.accepted).toBe(1); // submitting stopped once the reserve was drawn on
    const ledger = await readLedger(join(dir, 'output/t'));
    expect(ledger.jobs.find((j) => j.video_id !== null)?.video_id).toBe(sim.stats().videos[0]!.id);
    expect(await readdir(join(dir, 'output/t'))).not.toContain(RESERVE_FILE);
  }, 60_000);

  it('is never written through a planted link, and a run removes its reserve when it ends', async () => {
    sim = await startSimulator({ timeScale: 0.003 });
    const file = await writeManifest(dir, ['a fox']);
    await mkdir(join(dir, 'output/t'), { recursive: true });
    await writeFile(join(dir, 'victim'), 'keep me');
    await symlink(join(dir, 'victim'), join(dir, 'output/t', RESERVE_FILE));
    const r = await run(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('keep me');
  }, 60_000);

  it('a store opened without a reserve (adopt, merge) writes none', async () => {
    const store = await openLedger(join(dir, 'plain'));
    expect(await readdir(join(dir, 'plain'))).not.toContain(RESERVE_FILE);
    await store.close();
  });
});
