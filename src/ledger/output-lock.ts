import { link, mkdir, open, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { pidAlive } from '../util/pid-alive.js';

export const LOCK_FILE = '.paiwo-batch.lock';

/** What the lock file holds: enough to tell a live owner from a crashed one. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** ISO time the lock was taken. */
  readonly started_at: string;
}

export interface OutputLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  readonly logger?: Logger;
}

/**
 * One runner per output folder. The lock is a file created with `wx` (fails if it exists), so two runners can
 * never both believe they hold it. A lock left by a crash is detected, not obeyed: same host and a pid that is
 * gone (or was reused by a process started after the lock was taken) means stale, and it is taken over with a
 * warning. A lock from another host cannot be checked and is obeyed.
 */
export async function acquireOutputLock(outDir: string, options: AcquireLockOptions = {}): Promise<OutputLock> {
  const logger = options.logger ?? silentLogger;
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() };
  const text = `${JSON.stringify(owner)}\n`;

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o666);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await sweepAsides(outDir);
      return makeLock(path, owner, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existingText = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (existingText === null) continue; // released between our open and read: try again
    const existing = parseOwner(existingText);
    if (existing && !isStale(existing)) {
      throw new UserError(
        'OUTPUT_LOCKED',
        `${outDir} is in use by another paiwo-batch run (pid ${existing.pid} on ${existing.hostname}, since ${existing.started_at}). ` +
          `Wait for it to finish; if you are sure it is gone, delete ${path}.`,
      );
    }
    await takeOver(path, existingText);
    logger.warn({ lock: path, previous: existing ?? existingText.slice(0, 200) }, 'taking over a stale lock left by a run that is no longer alive');
  }
  throw new UserError('OUTPUT_LOCKED', `could not take the lock ${path}: other runners keep taking it`);
}

function makeLock(path: string, owner: LockOwner, text: string): OutputLock {
  let released = false;
  return {
    path,
    owner,
    async release() {
      if (released) return;
      released = true;
      // Only remove it if it is still ours (a user may have deleted and another run re-created it).
      const now = await readFile(path, 'utf8').catch(() => null);
      if (now === text) await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Moves the stale file aside under a name only we use, then checks that what we moved is the stale lock we
 * judged (two runners racing for the same stale lock: the second would otherwise move the first one's fresh
 * lock). If it is not, it is put back.
 */
async function takeOver(path: string, staleText: string): Promise<void> {
  const dir = join(dirname(path), ASIDE_DIR);
  await mkdir(dir, { recursive: true });
  const aside = join(dir, `.stale-${process.pid}-${Date.now()}`);
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  await rmdir(dir).catch(() => undefined); // another runner's aside may still be in it
}

/**
 * Stale locks are moved aside into a folder of their own, so that sweeping what a killed takeover left never
 * lists the output folder itself, which holds every video (~0.1 s at 100,000).
 */
const ASIDE_DIR = `${LOCK_FILE}.aside`;
const ASIDE = /^\.stale-(\d+)-\d+$/;

/**
 * A run killed inside `takeOver`, between the move aside and the unlink, leaves its aside file behind. The new
 * owner removes every aside whose runner is gone (a live one may be mid-takeover, racing for the lock: its file is
 * its own to remove).
 */
async function sweepAsides(outDir: string): Promise<void> {
  const dir = join(outDir, ASIDE_DIR);
  const names = await readdir(dir).catch(() => null);
  if (names === null) return;
  for (const name of names) {
    const m = ASIDE.exec(name);
    if (m && !pidAlive(Number(m[1]))) await unlink(join(dir, name)).catch(() => undefined);
  }
  await rmdir(dir).catch(() => undefined);
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.hostname === 'string' && typeof v.started_at === 'string') return v as LockOwner;
  } catch {
    // A lock torn by a crash while being written: nobody can hold it.
  }
  return null;
}

/** The runner holding `outDir` now (read, never taken): `null` when there is no lock, a torn one, or a stale one. */
export async function liveLockOwner(outDir: string): Promise<LockOwner | null> {
  const text = await readFile(join(outDir, LOCK_FILE), 'utf8').catch(() => null);
  const owner = text === null ? null : parseOwner(text);
  return owner && !isStale(owner) ? owner : null;
}

/** Exported for tests. */
export function isStale(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return false;
  if (!pidAlive(owner.pid)) return true;
  const started = processStartMs(owner.pid);
  const lockedAt = Date.parse(owner.started_at);
  // A live pid that started after the lock was taken is another process that reused the number.
  return started !== null && Number.isFinite(lockedAt) && started > lockedAt + 2_000;
}

/** Linux only (from /proc); `null` elsewhere, which keeps the lock obeyed. */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const btimeLine = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('btime '));
    if (!btimeLine || !Number.isFinite(startTicks)) return null;
    const bootSeconds = Number(btimeLine.split(' ')[1]);
    return (bootSeconds + startTicks / 100) * 1000; // USER_HZ is 100 on every mainstream Linux build
  } catch {
    return null;
  }
}
