import { lstat, mkdir, readdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';
import { manifestOf, THREE, TIME_SCALE } from '../faults/fault-run.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * Symbolic links and the output folder. The policy: the output folder itself may be a link (people put output on
 * another disk that way) and is followed; inside it, paiwo-batch never writes through a link — ledger.json and
 * report.html are replaced by a rename (the link goes, its target is untouched), the journal and a download's
 * `.part` are never opened through a link, and a video whose folder inside out/ leads outside it is refused.
 * Each test plants a link to a "victim" file or folder outside out/ and checks the victim is untouched.
 */
let sim: Simulator;
let dir: string;
let n = 0;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE, seed: 6 });
  dir = await makeTempDir('links');
});

afterAll(async () => {
  await sim.close();
  await removeTempDir(dir);
});

interface Case {
  readonly base: string;
  readonly out: string;
  readonly manifestPath: string;
  readonly victimDir: string;
  readonly victim: string;
}

const VICTIM_TEXT = 'precious data that must not change\n';

async function setup(manifestText = manifestOf(THREE)): Promise<Case> {
  const base = path.join(dir, `case-${++n}`);
  const out = path.join(base, 'out');
  const victimDir = path.join(base, 'victim');
  await mkdir(out, { recursive: true });
  await mkdir(victimDir, { recursive: true });
  const victim = path.join(victimDir, 'victim.txt');
  await writeFile(victim, VICTIM_TEXT);
  const manifestPath = path.join(base, 'm.yaml');
  await writeFile(manifestPath, manifestText);
  return { base, out, manifestPath, victimDir, victim };
}

function run(c: Case, out = c.out) {
  return runCli(['run', c.manifestPath, '--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--out', out, '--no-progress', '--json'], {
    env: { DMXAPI_API_KEY: 'sk-links' },
    timeoutMs: 60_000,
  });
}

/** The victim folder holds exactly the victim, unchanged. */
async function expectVictimUntouched(c: Case): Promise<void> {
  expect(await readdir(c.victimDir)).toEqual(['victim.txt']);
  expect(await readFile(c.victim, 'utf8')).toBe(VICTIM_TEXT);
}

function expectCleanEnd(r: { code: number | null; stderr: string }, codes: readonly number[]): void {
  expect(codes, r.stderr.slice(-1500)).toContain(r.code);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** The file name the first job of manifestOf(THREE) gets. */
async function firstJobFile(c: Case): Promise<string> {
  const plan = await runCli(['plan', c.manifestPath, '--json'], { env: {} });
  const jobs = (JSON.parse(plan.stdout) as { jobs: { file: string }[] }).jobs;
  expect(jobs.length).toBe(3);
  return jobs[0]!.file;
}

describe('symbolic links in and around the output folder', () => {
  it('a symlinked output folder is followed: the run writes into its target', async () => {
    const c = await setup();
    const real = path.join(c.base, 'real-out');
    await mkdir(real);
    const link = path.join(c.base, 'linked-out');
    await symlink(real, link);
    const r = await run(c, link);
    expectCleanEnd(r, [0]);
    expect((await readdir(real)).filter((f) => f.endsWith('.mp4'))).toHaveLength(3);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(r.stdout).out_dirs).toEqual([link]);
    expect(await realpath(link)).toBe(await realpath(real));
  });

  it('ledger.json and report.html planted as links: replaced, their targets untouched', async () => {
    const c = await setup();
    const ledgerVictim = path.join(c.victimDir, 'victim.txt');
    await writeFile(ledgerVictim, VICTIM_TEXT);
    await symlink(c.victim, path.join(c.out, 'report.html'));
    const r = await run(c);
    expectCleanEnd(r, [0]);
    expect((await lstat(path.join(c.out, 'report.html'))).isSymbolicLink()).toBe(false);
    await expectVictimUntouched(c);

    const c2 = await setup();
    const emptyLedger = `${JSON.stringify({ version: 1, jobs: [], totals: {} })}\n`;
    await writeFile(c2.victim, emptyLedger);
    await symlink(c2.victim, path.join(c2.out, 'ledger.json'));
    const r2 = await run(c2);
    expectCleanEnd(r2, [0]);
    expect((await lstat(path.join(c2.out, 'ledger.json'))).isSymbolicLink()).toBe(false);
    expect(await readFile(c2.victim, 'utf8')).toBe(emptyLedger);
  });

  it('the journal planted as a link: refused, never appended to or truncated through it', async () => {
    const c = await setup();
    await symlink(c.victim, path.join(c.out, 'ledger.journal.jsonl'));
    const r = await run(c);
    expectCleanEnd(r, [2]);
    expect(r.stderr).toContain('ledger.journal.jsonl');
    await expectVictimUntouched(c);
  });

  it("a download's .part planted as a link: never written through", async () => {
    const c = await setup();
    const file = await firstJobFile(c);
    await symlink(c.victim, path.join(c.out, `${file}.part`));
    const r = await run(c);
    expectCleanEnd(r, [0, 6]);
    await expectVictimUntouched(c);
    expect((await lstat(path.join(c.out, file))).isFile()).toBe(r.code === 0);
  });

  it('a sub-folder of out/ that links outside: no video is written there', async () => {
    const c = await setup(manifestOf(THREE).replace('name: faults', 'name: links\nfilename: "{prompt}/{seed}"'));
    const file = await firstJobFile(c);
    const sub = file.split('/')[0]!;
    await symlink(c.victimDir, path.join(c.out, sub));
    const r = await run(c);
    expectCleanEnd(r, [6]);
    await expectVictimUntouched(c);
    // That job is paid, so it stays `submitted` with the reason; the others are saved.
    const ledger = JSON.parse(await readFile(path.join(c.out, 'ledger.json'), 'utf8')) as { jobs: { file: string; status: string; error: { code: string } | null }[] };
    const held = ledger.jobs.filter((j) => j.file.startsWith(`${sub}/`));
    expect(held.map((j) => [j.status, j.error?.code])).toEqual(held.map(() => ['submitted', 'UNSAFE_PATH']));
    expect(ledger.jobs.filter((j) => j.status === 'succeeded')).toHaveLength(3 - held.length);
  });

  it('a lock file planted as a link to a file: taken over as stale, its target untouched', async () => {
    const c = await setup();
    await symlink(c.victim, path.join(c.out, '.paiwo-batch.lock'));
    const r = await run(c);
    expectCleanEnd(r, [0, 2]);
    await expectVictimUntouched(c);
  });
});
