import { closeSync, constants, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { pidAlive } from '../util/pid-alive.js';

/** One simulator per state folder: two would hand out the same ids and forget each other's charged videos. */
export const SIM_LOCK_FILE = 'simulator-state.lock';

export interface SimLock {
  release(): void;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
}

function readHolder(path: string): Holder | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? { pid: value.pid, host: value.host } : null;
  } catch {
    return null;
  }
}

/**
 * Takes `<dir>/simulator-state.lock` (created exclusively, never through a link) for this process. A lock whose
 * process is gone (same host) is taken over: moved aside first, so of two simulators taking over at once one
 * wins. A live one is refused (exit 2) naming its pid; another host's, or an unreadable one, is never guessed at.
 */
export function acquireSimLock(dir: string): SimLock {
  const path = join(dir, SIM_LOCK_FILE);
  const me = JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date().toISOString() });
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder === null || holder.host !== hostname() || pidAlive(holder.pid)) {
        const who = holder ? `simulator pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}` : 'another simulator (the lock file is unreadable)';
        throw new UserError(
          'SIM_STATE_LOCKED',
          `${dir} is in use by ${who}: one simulator per state folder (two would hand out the same video ids). Stop it, or use another --state-dir; if no simulator runs, remove ${path}.`,
        );
      }
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // another simulator moved it first
      }
      const moved = readHolder(aside);
      if (moved?.pid !== holder.pid) renameSync(aside, path); // not the stale lock we judged: put it back
      else unlinkSync(aside);
      continue;
    }
    try {
      writeSync(fd, me);
    } finally {
      closeSync(fd);
    }
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        if (readHolder(path)?.pid === process.pid) unlinkSync(path);
      },
    };
  }
  throw new UserError('SIM_STATE_LOCKED', `${dir}: could not take the simulator's lock (${path}); try again`);
}
