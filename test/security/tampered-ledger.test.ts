import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLedger, writeLedger } from '../../src/ledger/store.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { eachTestInProject, readLedgerFile, runInProcess, TS, writeManifest } from '../run/run-helpers.js';

/**
 * A ledger is a file anyone can edit: its `file` names are checked again (resolveOutputPath) before a run looks
 * at, cleans up after or writes a job's video. A name that leads out of the output folder is never stat'ed,
 * no folder is made for it and no `.part` beside it is removed; the job is left to the next run, which takes its
 * name from the manifest again.
 */
let dir: string;
let sim: Simulator | undefined;

eachTestInProject((d) => (dir = d), () => sim);

describe('a tampered ledger.json whose file names leave the output folder', () => {
  it('writes, creates and removes nothing outside it; the next run saves the videos under the manifest\'s names, paid once', async () => {
    sim = await startSimulator({ timeScale: TS });
    const manifest = await writeManifest(dir, ['a cat', 'a dog']);
    expect((await runInProcess(dir, [manifest], { baseUrl: sim.url })).code).toBe(0);
    const out = join(dir, 'output/t');
    const ledger = await readLedger(out);
    const [cat, dog] = ledger.jobs;
    // One name leads to a folder that does not exist; the other to a file of exactly the recorded size (so it
    // would count as intact) beside a `.part` a rerun would clean up.
    const victimDir = join(dir, 'victim');
    await mkdir(victimDir);
    await writeFile(join(victimDir, 'x.mp4'), Buffer.alloc(dog!.bytes!, 7));
    await writeFile(join(victimDir, 'x.mp4.part'), 'precious');
    await writeLedger(out, { ...ledger, jobs: [{ ...cat!, file: '../../escaped/new/x.mp4' }, { ...dog!, file: '../../victim/x.mp4' }] });

    const r = await runInProcess(dir, [manifest], { baseUrl: sim.url });
    expect(r.code, r.stderr).toBe(6); // both left `submitted` for the next run: paid for, not saved
    await expect(stat(join(dir, 'escaped'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(victimDir)).sort()).toEqual(['x.mp4', 'x.mp4.part']);
    expect(await readFile(join(victimDir, 'x.mp4.part'), 'utf8')).toBe('precious');
    expect((await readFile(join(victimDir, 'x.mp4'))).equals(Buffer.alloc(dog!.bytes!, 7))).toBe(true);
    const held = await readLedgerFile(dir);
    expect(held.jobs.map((j) => [j.status, j.error?.code])).toEqual([
      ['submitted', 'UNSAFE_PATH'],
      ['submitted', 'UNSAFE_PATH'],
    ]);

    const again = await runInProcess(dir, [manifest], { baseUrl: sim.url });
    expect(again.code, again.stderr).toBe(0);
    const healed = await readLedgerFile(dir);
    expect(healed.jobs.map((j) => [j.status, j.file])).toEqual([
      ['succeeded', cat!.file],
      ['succeeded', dog!.file],
    ]);
    for (const j of healed.jobs) expect((await stat(join(out, j.file))).size).toBe(j.bytes);
    expect(sim.stats().submits.accepted).toBe(2);
  });
});
