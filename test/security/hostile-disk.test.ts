import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';
import { manifestOf, THREE, TIME_SCALE } from '../faults/fault-run.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * Bad disks and planted links. Read-only and full filesystems are real tmpfs mounts (this needs root and
 * `mount`, as on the CI machines and the dev VMs; where mounting is not allowed those cases are skipped, and the
 * path-under-a-file case, which needs nothing, still runs). chmod would not stop root, so it is not used.
 */
let dir: string;
let sim: Simulator;
let manifestPath: string;
const mounts: string[] = [];

function tryMount(target: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target], { stdio: 'ignore' });
    mounts.push(target);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await makeTempDir('disk');
  sim = await startSimulator({ timeScale: TIME_SCALE, seed: 4 });
  manifestPath = path.join(dir, 'm.yaml');
  await writeFile(manifestPath, manifestOf(THREE));
});

afterAll(async () => {
  for (const m of mounts) execFileSync('umount', [m], { stdio: 'ignore' });
  await sim.close();
  await removeTempDir(dir);
});

const run = (out: string) =>
  runCli(['run', manifestPath, '--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--out', out, '--no-progress', '--json'], {
    env: { DMXAPI_API_KEY: 'sk-disk-test' },
    timeoutMs: 60_000,
  });

/** One clear line on stderr, exit 7, no stack trace, no misleading ENOENT. */
function expectUnwritable(r: { code: number | null; stderr: string }, ...says: string[]): void {
  expect(r.code, r.stderr).toBe(7);
  const line = r.stderr.split('\n').find((l) => l.startsWith('paiwo-batch: cannot write'));
  expect(line, r.stderr).toBeDefined();
  for (const s of says) expect(line).toContain(s);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).not.toContain('ENOENT');
}

describe('a disk that cannot be written', () => {
  it('an output folder under a regular file (ENOTDIR): exit 7 naming the path', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const r = await run(path.join(file, 'out'));
    expectUnwritable(r, path.join(file, 'out'), 'a part of the path is a file', '--out');
  });

  const ro = path.join(tmpdir(), `paiwo-ro-${process.pid}`);
  const canMountRo = (() => {
    try {
      execFileSync('mkdir', ['-p', ro]);
      return tryMount(ro, 'ro,size=1m');
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMountRo)('a new folder on a read-only filesystem: the real reason (EROFS), not ENOENT from mkdir', async () => {
    const r = await run(path.join(ro, 'new', 'deeper'));
    expectUnwritable(r, path.join(ro, 'new'), 'read-only', 'EROFS', '--out');
    const existing = await run(ro);
    expectUnwritable(existing, ro, 'read-only');
  });

  const full = path.join(tmpdir(), `paiwo-full-${process.pid}`);
  const canMountFull = (() => {
    try {
      execFileSync('mkdir', ['-p', full]);
      return tryMount(full, 'size=192k');
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMountFull)('a disk that fills up during the run (ENOSPC): exit 7, every paid video still recorded', async () => {
    // Videos of 120 kB on a 192 kB disk: the second download fills it.
    const big = await startSimulator({ timeScale: TIME_SCALE, seed: 4, largeMediaBytes: 120_000 });
    try {
      const out = path.join(full, 'out');
      const r = await runCli(['run', manifestPath, '--base-url', big.url, '--time-scale', String(TIME_SCALE), '--out', out, '--no-progress', '--concurrency', '1'], {
        env: { DMXAPI_API_KEY: 'sk-disk-test' },
        timeoutMs: 60_000,
      });
      expectUnwritable(r, 'the disk is full', 'ENOSPC', 'free some space', full);
      // Nothing paid is lost: every video the service charged for is in the journal, for the next run.
      const journal = (await Promise.all(['ledger.journal.jsonl', 'ledger.json'].map((f) => readFile(path.join(out, f), 'utf8').catch(() => '')))).join('\n');
      const paid = big.stats().videos.map((v) => v.id);
      expect(paid.length).toBeGreaterThan(0);
      for (const id of paid) expect(journal).toContain(id);
    } finally {
      await big.close();
    }
  });
});

describe('planted links', () => {
  it('<out>/run.log planted as a link (terminal mode): refused, its target untouched', async () => {
    const out = path.join(dir, 'links-out');
    await mkdir(out, { recursive: true });
    const victim = path.join(dir, 'victim.txt');
    await writeFile(victim, 'precious\n');
    await symlink(victim, path.join(out, 'run.log'));
    const stderr = new PassThrough();
    stderr.resume();
    const io = { stdout: new PassThrough().resume(), stderr, isTTY: true, env: { DMXAPI_API_KEY: 'sk-disk-test' } };
    await expect(runCommand([manifestPath], { baseUrl: sim.url, timeScale: TIME_SCALE, out, cwd: dir }, io)).rejects.toMatchObject({ code: 'LOG_LINK', exitCode: 2 });
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });

  it('<out>/run.log planted as a link (outside a terminal, where the log now goes there too): refused, its target untouched', async () => {
    const out = path.join(dir, 'links-out-piped');
    await mkdir(out, { recursive: true });
    const victim = path.join(dir, 'victim-piped.txt');
    await writeFile(victim, 'precious\n');
    await symlink(victim, path.join(out, 'run.log'));
    const io = { stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), isTTY: false, env: { DMXAPI_API_KEY: 'sk-disk-test' } };
    await expect(runCommand([manifestPath], { baseUrl: sim.url, timeScale: TIME_SCALE, out, cwd: dir }, io)).rejects.toMatchObject({ code: 'LOG_LINK', exitCode: 2 });
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });
});
