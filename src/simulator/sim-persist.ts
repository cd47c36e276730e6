/**
 * The simulator's memory across restarts: an append-only journal, `simulator-state.jsonl`, in each state folder.
 * A line is written (and fdatasync'd) before the answer that depends on it leaves — an accepted video before its
 * id is sent — so a simulator killed at any moment never forgets a video a client was told about, and never hands
 * its id out again. Times are wall-clock (ms since the epoch), so generations in progress when the process died
 * go on on the simulated clock. `reset` replaces the file atomically (temp file, fsync, rename, fsync folder).
 *
 * Sync I/O on purpose: the event that is written and the state change are one step, with nothing in between.
 */
import { closeSync, constants, fdatasyncSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { simEventProblem } from './sim-event-check.js';
import { acquireSimLock, type SimLock } from './sim-lock.js';

export const SIM_STATE_FILE = 'simulator-state.jsonl';

/** A video as the journal keeps it; every time is wall-clock ms. */
export interface PersistedVideo {
  readonly id: string;
  readonly body: unknown;
  readonly credits: number;
  /** What the answers say was charged, when not `credits` (the `zero-charge` fault). */
  readonly reported_credits?: number;
  /** What a fetch reports as the refund, when not the charge (`refund-above-charge`). */
  readonly reported_refund?: number;
  readonly seed: number;
  readonly outcome: 1 | 7 | 8;
  readonly created_at_ms: number;
  /** `null`: a stuck generation (never ends). */
  readonly ends_at_ms: number | null;
  readonly release_at_ms: number;
  readonly token: string;
  readonly token_valid_from_ms: number | null;
}

export type SimEvent =
  | { readonly t: 'video'; readonly v: PersistedVideo }
  /** A moderated video's refund was applied (balance and counters). */
  | { readonly t: 'refund'; readonly id: string }
  | { readonly t: 'balance'; readonly balance: number | null }
  | { readonly t: 'token'; readonly id: string; readonly token: string; readonly valid_from_ms: number };

/** One or more state folders, written alike (a rehearsal of several folders keeps the same state in each). */
export class SimJournal {
  private readonly files: string[];
  private readonly needsNewline = new Set<string>();

  constructor(
    dirs: readonly string[],
    private readonly locks: readonly SimLock[] = [],
  ) {
    this.files = dirs.map((d) => join(d, SIM_STATE_FILE));
  }

  /**
   * Every event of every folder, in order; videos are deduplicated by id. A torn last line (a crash mid-write)
   * is cut from the file, so the next append never buries it; a damaged line anywhere else is refused (exit 2)
   * naming the file and line: it could hold a video a client was told about.
   */
  load(): SimEvent[] {
    const events: SimEvent[] = [];
    const seen = new Set<string>();
    for (const file of this.files) {
      const text = readState(file);
      if (text === null) continue;
      const lines = text.split('\n');
      let offset = 0;
      lines.forEach((line, i) => {
        const start = offset;
        offset += Buffer.byteLength(line) + 1;
        if (line.trim() === '') return;
        let value: unknown;
        let problem: string | null;
        try {
          value = JSON.parse(line);
          problem = simEventProblem(value);
        } catch (error) {
          problem = `not JSON (${(error as Error).message})`;
        }
        const last = i === lines.length - 1; // no newline after it: the write of this line never finished
        if (problem !== null && last) {
          truncateSync(file, start); // a torn tail: cut, so the next line starts clean
          return;
        }
        if (problem !== null) {
          throw new UserError('SIM_STATE_DAMAGED', `${file}:${i + 1}: the simulator's state is damaged (${problem}), not a crash-torn last line; move the file aside (the simulator then starts afresh) after checking it by hand`);
        }
        if (last) this.needsNewline.add(file);
        const event = value as SimEvent;
        if (event.t === 'video') {
          if (seen.has(event.v.id)) return;
          seen.add(event.v.id);
        }
        events.push(event);
      });
    }
    return events;
  }

  /** Appends to every folder; with `durable`, returns once it is on disk (fdatasync). Never through a link. */
  append(event: SimEvent, durable: boolean): void {
    const line = `${JSON.stringify(event)}\n`;
    for (const file of this.files) {
      const fd = openState(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
      try {
        const text = this.needsNewline.delete(file) ? `\n${line}` : line;
        writeSync(fd, text);
        if (durable) fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Forgets everything (`/__sim/reset`): an empty file replaces the old one atomically. */
  reset(): void {
    for (const file of this.files) {
      const tmp = `${file}.tmp-${process.pid}`;
      try {
        unlinkSync(tmp);
      } catch {
        // none left
      }
      const fd = openState(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
      try {
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
      fsyncFolder(join(file, '..'));
      this.needsNewline.delete(file);
    }
  }

  /** Lets another simulator use the folders. */
  close(): void {
    for (const lock of this.locks) lock.release();
  }
}

/** The journal's text, or null when there is none yet; a folder or a link in its place is refused (exit 2). */
function readState(file: string): string | null {
  const info = lstatOrNull(file);
  if (info === null) return null;
  if (info.isSymbolicLink()) throw linkError(file);
  if (!info.isFile()) throw new UserError('SIM_STATE_NOT_A_FILE', `${file} is not a file (a folder?): the simulator keeps its state there. Move it aside and start again.`);
  return readFileSync(file, 'utf8');
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function linkError(path: string): UserError {
  return new UserError('SIM_STATE_LINK', `${path} is a symbolic link; the simulator never writes its state through one. Remove the link and start again.`);
}

/** Opens a state file without following a link (O_NOFOLLOW): a planted link is refused, its target untouched. */
function openState(file: string, flags: number): number {
  try {
    return openSync(file, flags | constants.O_NOFOLLOW, 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw linkError(file);
    if (code === 'EISDIR') throw new UserError('SIM_STATE_NOT_A_FILE', `${file} is a folder: the simulator keeps its state in a file of that name. Move it aside and start again.`);
    throw error;
  }
}

/**
 * Creates the state folders and takes each one's lock (one simulator per folder), then checks the journal is a
 * file that can be written (the file is created by its first line). A state folder that is a file, or a journal
 * that is a folder or a link, is refused (exit 2) before anything listens.
 */
export function openSimJournal(dirs: readonly string[]): SimJournal {
  const locks: SimLock[] = [];
  try {
    for (const dir of dirs) {
      const info = lstatOrNull(dir);
      if (info !== null && !statSync(dir).isDirectory()) {
        throw new UserError('SIM_STATE_DIR', `${dir} is not a folder: --state-dir (and a rehearsal's output folder) must name a folder, where the simulator keeps ${SIM_STATE_FILE}`);
      }
      try {
        mkdirSync(dir, { recursive: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'EEXIST') throw new UserError('SIM_STATE_DIR', `${dir}: a part of that path is a file, not a folder; the simulator cannot keep its state there`);
        throw error;
      }
      locks.push(acquireSimLock(dir));
      readState(join(dir, SIM_STATE_FILE));
      closeSync(openState(join(dir, SIM_STATE_FILE), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT));
      fsyncFolder(dir);
    }
  } catch (error) {
    for (const lock of locks) lock.release();
    throw error;
  }
  return new SimJournal(dirs, locks);
}

function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
