/**
 * The simulator's memory across restarts: an append-only journal, `simulator-state.jsonl`, in each state folder.
 * A line is written (and fdatasync'd) before the answer that depends on it leaves — an accepted video before its
 * id is sent — so a simulator killed at any moment never forgets a video a client was told about, and never hands
 * its id out again. Times are wall-clock (ms since the epoch), so generations in progress when the process died
 * go on on the simulated clock. `reset` replaces the file atomically (temp file, fsync, rename, fsync folder).
 *
 * Sync I/O on purpose: the event that is written and the state change are one step, with nothing in between.
 */
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

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

  constructor(dirs: readonly string[]) {
    this.files = dirs.map((d) => join(d, SIM_STATE_FILE));
  }

  /** Every event of every folder, in order; a torn last line (a crash mid-write) is ignored. Videos are deduplicated by id. */
  load(): SimEvent[] {
    const events: SimEvent[] = [];
    const seen = new Set<string>();
    for (const file of this.files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      if (text !== '' && !text.endsWith('\n')) this.needsNewline.add(file);
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let event: SimEvent;
        try {
          event = JSON.parse(line) as SimEvent;
        } catch (error) {
          if (i === lines.length - 1) return; // torn tail
          throw new Error(`${file}:${i + 1}: not a simulator state line (${(error as Error).message})`, { cause: error });
        }
        if (event.t === 'video') {
          if (seen.has(event.v.id)) return;
          seen.add(event.v.id);
        }
        events.push(event);
      });
    }
    return events;
  }

  /** Appends to every folder; with `durable`, returns once it is on disk (fdatasync). */
  append(event: SimEvent, durable: boolean): void {
    const line = `${JSON.stringify(event)}\n`;
    for (const file of this.files) {
      const fd = openSync(file, 'a', 0o666);
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
      const fd = openSync(tmp, 'w', 0o666);
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
}

/** Creates the state folders (the journal's file is created by its first line). */
export function openSimJournal(dirs: readonly string[]): SimJournal {
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    closeSync(openSync(join(dir, SIM_STATE_FILE), 'a', 0o666));
    fsyncFolder(dir);
  }
  return new SimJournal(dirs);
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
