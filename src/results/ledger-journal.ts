import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors/paiwo-error.js';
import type { Ledger, LedgerJob } from './ledger-types.js';

/**
 * One line of `ledger.journal.jsonl`. `s` is a sequence number that only grows; a snapshot records the last one
 * it contains, so replaying a journal over a newer snapshot changes nothing.
 * - `put`: the whole record of a job (a new job, or one replaced by a new plan).
 * - `set`: the fields of one job that changed.
 */
export type LedgerEvent =
  | { readonly s: number; readonly t: 'put'; readonly job: LedgerJob }
  | { readonly s: number; readonly t: 'set'; readonly id: string; readonly p: Partial<LedgerJob> };

interface PendingLine {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The append-only journal with group commit: every event appended while a write is in progress goes out in the
 * next single write + fdatasync, and each caller's promise resolves only once its line is on disk. So every
 * event is durable when its promise settles, and 20 submits in flight cost one fsync, not 20.
 */
export class LedgerJournal {
  private pending: PendingLine[] = [];
  private chain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private broken: unknown = null;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<LedgerJournal> {
    return new LedgerJournal(path, await open(path, 'a', 0o644));
  }

  /** Resolves when the event is written and fdatasync'd; rejects if the disk refused it. */
  append(event: LedgerEvent): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(event)}\n`, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        this.chain = this.chain.then(() => this.flush());
      }
    });
  }

  /** Runs `op` between two flushes, with no journal write in progress (snapshots use it to truncate safely). */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    const result = this.chain.then(op);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Empties the journal. Only inside `exclusive`, after a snapshot that contains every event so far is durable. */
  async truncate(): Promise<void> {
    await this.fh.truncate(0);
    await this.fh.datasync();
  }

  /** Waits for every appended event to be on disk. */
  async drain(): Promise<void> {
    await this.exclusive(async () => undefined);
    if (this.broken) throw this.broken;
  }

  async close(): Promise<void> {
    await this.exclusive(async () => undefined);
    await this.fh.close();
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      if (this.broken) throw this.broken;
      await this.fh.write(batch.map((p) => p.line).join(''));
      await this.fh.datasync();
      for (const p of batch) p.resolve();
    } catch (error) {
      // A partial line may be on disk now; appending after it would corrupt the next event too.
      this.broken = error;
      for (const p of batch) p.reject(error);
    }
  }
}

export interface ReplayResult {
  readonly lastSeq: number;
  readonly applied: number;
  /** A last line cut short by a crash: ignored (its write was never acknowledged, so nothing relied on it). */
  readonly tornTail: boolean;
}

/**
 * Applies the journal's events newer than the snapshot to `ledger`, in place. A torn last line is ignored; a bad
 * line anywhere else means the file was damaged by something other than a crash, and is refused rather than
 * guessed around (it could hold a paid video's id).
 */
export function replayJournal(ledger: Ledger, text: string, file: string): ReplayResult {
  const byId = new Map(ledger.jobs.map((j) => [j.id, j]));
  let lastSeq = ledger.journal_seq ?? 0;
  let applied = 0;
  let tornTail = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let event: LedgerEvent;
    try {
      event = JSON.parse(line) as LedgerEvent;
      if (typeof event.s !== 'number' || (event.t !== 'put' && event.t !== 'set')) throw new Error('not an event');
    } catch {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (isLast) {
        tornTail = true;
        break;
      }
      throw new UserError('LEDGER_CORRUPT', `${file}:${i + 1}: the ledger journal is damaged (not a crash-torn last line); move it aside after checking it by hand`);
    }
    if (event.s <= lastSeq) continue;
    lastSeq = event.s;
    applied++;
    if (event.t === 'put') {
      const existing = byId.get(event.job.id);
      if (existing) Object.assign(existing, event.job);
      else {
        const job = { ...event.job };
        byId.set(job.id, job);
        ledger.jobs.push(job);
      }
    } else {
      const job = byId.get(event.id);
      if (job) Object.assign(job, event.p);
    }
  }
  return { lastSeq, applied, tornTail };
}
