import { constants, fdatasync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors/paiwo-error.js';
import { diskFreed, diskFullPoint } from '../util/crash-point.js';
import type { JournalReserve } from './journal-reserve.js';
import { journalLine, parseJournalLine } from './format.js';
import type { Ledger, LedgerEvent } from './schema.js';

interface SyncWaiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /**
   * Waits for "everything appended so far" (`drain`), so fails if any append failed. A waiter for its own
   * line (written in full before it waited) only needs the fdatasync: a later line that failed does not undo it.
   */
  readonly strict: boolean;
}

interface HeldWaiter extends SyncWaiter {
  /** Also wait for fdatasync once the held line is written. */
  readonly sync: boolean;
}

/**
 * The append-only journal. Each event is written at once with one write(2) — from then on it survives the
 * process being killed (it is in the kernel's page cache). Events that guard money (the intent to submit, the
 * answer to a submit) also wait for fdatasync, which survives a power cut; those waits are grouped: every event
 * appended while an fdatasync is running shares the next one, so 20 submits in flight cost one fsync, not 20.
 * Other events (a download saved, a status polled) ride along with the next fdatasync: losing one to a power cut
 * only means the next run polls or downloads that job again — it never pays twice.
 */
export class LedgerJournal {
  private chain: Promise<void> = Promise.resolve();
  private waiters: SyncWaiter[] = [];
  private syncQueued = false;
  /** While a snapshot is being written, lines wait here: the journal is truncated when it is done. */
  private held: string[] | null = null;
  /** Appends held with `held` that did not ask for fdatasync: acknowledged once their line is written. */
  private heldWaiters: HeldWaiter[] = [];
  private broken: unknown = null;
  private reserve: JournalReserve | null = null;
  private drawn = false;
  /** Whether a held line is an answer (it may draw on the reserve). */
  private heldAnswer = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** Never through a symbolic link: a planted link would have events appended to, then truncated, its target. */
  static async open(path: string): Promise<LedgerJournal> {
    try {
      return new LedgerJournal(path, await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
        throw new UserError('LEDGER_LINK', `${path} is a symbolic link; paiwo-batch never writes its journal through one. Remove the link and run again.`);
      }
      throw error;
    }
  }

  /**
   * Appends one event. With `sync`, resolves once it is fdatasync'd; otherwise once it is written. Rejects if the
   * disk refused it (and every append after that rejects too).
   */
  append(event: LedgerEvent, sync: boolean, answer = false): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const line = journalLine(event);
    if (this.held) {
      // Not in the file yet: the promise waits for the line (and its fdatasync, if asked) like any other.
      this.held.push(line);
      this.heldAnswer ||= answer;
      return new Promise<void>((resolve, reject) => this.heldWaiters.push({ resolve, reject, strict: false, sync }));
    }
    try {
      this.writeLine(line, answer);
    } catch (error) {
      // A partial line may be on disk now; appending after it would corrupt the next event too. A snapshot
      // (truncate) clears this.
      this.broken = error;
      return Promise.reject(error);
    }
    return sync ? this.waitSync(false) : Promise.resolve();
  }

  /** Space kept for the answers of submits on the wire (journal-reserve.ts); given up only for an `answer`. */
  useReserve(reserve: JournalReserve): void {
    this.reserve = reserve;
  }

  /** Whether an answer was written into the reserve: the disk is full, no more submits should leave. */
  get reserveDrawn(): boolean {
    return this.drawn;
  }

  /**
   * One write(2). A short write or ENOSPC (the disk filled) is a failure — unless the line is an answer to a
   * paid submit and the reserve has blocks to give up: then it gives them up and the rest of the line (never a
   * second copy of what is written) goes into them.
   */
  private writeLine(text: string, answer = false): void {
    const bytes = Buffer.from(text);
    let done = 0;
    let retry = false;
    for (;;) {
      let failure: unknown;
      try {
        diskFullPoint(retry ? 'journal-retry' : 'journal');
        done += writeSync(this.fh.fd, bytes, done);
        if (done === bytes.length) return;
        failure = Object.assign(new Error(`short write to the ledger journal (${done} of ${bytes.length} bytes): is the disk full?`), { code: 'ENOSPC' });
      } catch (error) {
        failure = error;
      }
      const code = (failure as NodeJS.ErrnoException).code;
      if (!answer || (code !== 'ENOSPC' && code !== 'EDQUOT') || !this.reserve?.giveUp(bytes.length - done)) throw failure;
      this.drawn = true;
      diskFreed();
      retry = true;
    }
  }

  /** Resolves once everything appended so far is fdatasync'd (sharing the next fdatasync with other waiters). */
  drain(): Promise<void> {
    return this.waitSync(true);
  }

  private waitSync(strict: boolean): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject, strict });
      if (!this.syncQueued) {
        this.syncQueued = true;
        this.chain = this.chain.then(() => this.sync());
      }
    });
  }

  /**
   * Runs `op` with appends held in memory and no fdatasync in progress: a snapshot writes the ledger, then
   * truncates the journal and lets the held lines through. An event held there is acknowledged only once its
   * line is written after the truncation (and fdatasync'd, if it asked for that), so nothing that waits for it
   * goes ahead early and a kill during the snapshot cannot lose an acknowledged event.
   */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    const result = this.chain.then(async () => {
      this.held = [];
      try {
        return await op();
      } finally {
        const lines = this.held;
        const waiters = this.heldWaiters;
        const answer = this.heldAnswer;
        this.held = null;
        this.heldWaiters = [];
        this.heldAnswer = false;
        if (lines.length > 0 && !this.broken) {
          try {
            this.writeLine(lines.join(''), answer);
          } catch (error) {
            this.broken = error;
          }
        }
        for (const w of waiters) {
          if (this.broken) w.reject(this.broken);
          else if (w.sync) this.waitSync(false).then(w.resolve, w.reject);
          else w.resolve();
        }
      }
    });
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
    // Whatever a failed write left (a torn line) is gone, and the snapshot holds every event: appends may go on.
    this.broken = null;
  }

  /** The reserve's space goes back to the disk (also when the close itself failed). */
  releaseReserve(): void {
    this.reserve?.close();
    this.reserve = null;
  }

  /** Closes the file; the reserve's space goes back to the disk. */
  async close(): Promise<void> {
    try {
      await this.chain;
      await this.fh.close();
    } finally {
      this.releaseReserve();
    }
  }

  private async sync(): Promise<void> {
    this.syncQueued = false;
    const batch = this.waiters;
    this.waiters = [];
    try {
      // The callback form: a FileHandle promise per fsync costs measurably more CPU at thousands of submits.
      await new Promise<void>((resolve, reject) => fdatasync(this.fh.fd, (error) => (error ? reject(error) : resolve())));
      // A line written in full before a later one failed is durable now: its caller (a paid answer) must not
      // be told otherwise. Only "everything so far" waiters learn of the failure.
      for (const w of batch) {
        if (w.strict && this.broken) w.reject(this.broken);
        else w.resolve();
      }
    } catch (error) {
      this.broken ??= error;
      for (const w of batch) w.reject(error);
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
    const parsed = parseJournalLine(line);
    if ('problem' in parsed) {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (isLast) {
        tornTail = true;
        break;
      }
      throw new UserError('LEDGER_CORRUPT', `${file}:${i + 1}: the ledger journal is damaged (not a crash-torn last line): ${parsed.problem}; move it aside after checking it by hand`);
    }
    const { event } = parsed;
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
