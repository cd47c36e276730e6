import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { crashPoint } from '../util/crash-point.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ledgerText } from './format.js';
import { LedgerJournal, replayJournal } from './journal.js';
import { JournalReserve } from './journal-reserve.js';
import type { LedgerEvent, LedgerPatch } from './schema.js';
import { fsyncDir, readLedgerSnapshot, removeStaleTemps, writeFileAtomic } from './snapshot.js';
import { computeTotals } from './money.js';
import type { Ledger, LedgerJob } from './types.js';
import { acquireOutputLock, type OutputLock } from './output-lock.js';
import { checkFolderService } from './service-identity.js';

export const LEDGER_FILE = 'ledger.json';
export const JOURNAL_FILE = 'ledger.journal.jsonl';

export interface OpenLedgerOptions {
  readonly logger?: Logger;
  /**
   * Rewrite the snapshot after this many journal events — or after twice as many events as there are jobs,
   * whichever is larger, so the rewrite costs O(1) per event amortised. @default 1000
   */
  readonly snapshotEvery?: number;
  /**
   * The service this runner sends to (service-identity.ts): refused (UserError) when the ledger records another
   * one; recorded when the ledger has none yet.
   */
  readonly service?: string;
  /**
   * Bytes kept in the folder for the answers of submits on the wire (journal-reserve.ts), written before the
   * store opens; 0 (the default): none, for a store that never submits.
   */
  readonly reserveBytes?: number;
}

export type { LedgerPatch } from './schema.js';

/**
 * The ledger of one output folder, held by one runner (the lock is taken on open and released on close).
 * Reads are from memory; every change is applied in memory at once and appended to the journal, and the promise
 * of `update`/`put` settles when the change is on disk.
 */
export class LedgerStore {
  private readonly byId = new Map<string, LedgerJob>();
  private seq: number;
  private eventsSinceSnapshot = 0;
  private snapshotScheduled = false;
  private closed = false;

  private constructor(
    readonly outDir: string,
    private readonly ledgerState: Ledger,
    private readonly journal: LedgerJournal,
    private readonly lock: OutputLock,
    private readonly snapshotEvery: number,
    private readonly logger: Logger,
  ) {
    this.seq = ledgerState.journal_seq ?? 0;
    for (const job of ledgerState.jobs) this.byId.set(job.id, job);
  }

  /** @internal use `openLedger`. */
  static async create(outDir: string, options: OpenLedgerOptions): Promise<LedgerStore> {
    const logger = options.logger ?? silentLogger;
    const lock = await acquireOutputLock(outDir, { logger });
    try {
      const stale = await removeStaleTemps(outDir);
      if (stale.length > 0) logger.warn({ files: stale }, 'removed temporary files left by a killed run');
      const { ledger, tornTail, found } = await loadLedger(outDir);
      const recordedService = ledger.service;
      if (tornTail) logger.warn({ journal: join(outDir, JOURNAL_FILE) }, 'ignored a torn last journal line left by a crash');
      if (options.service !== undefined) {
        checkFolderService(outDir, ledger.service, options.service);
        if (ledger.service === undefined && ledger.jobs.length > 0) {
          logger.warn({ out: outDir, service: options.service }, 'this ledger did not record its service (an older version wrote it); recording this run\'s');
        }
        ledger.service = options.service;
      }
      const journal = await LedgerJournal.open(join(outDir, JOURNAL_FILE));
      if ((options.reserveBytes ?? 0) > 0) {
        try {
          journal.useReserve(JournalReserve.allocate(outDir, options.reserveBytes!));
        } catch (error) {
          await journal.close();
          throw error;
        }
      }
      const store = new LedgerStore(outDir, ledger, journal, lock, options.snapshotEvery ?? 1000, logger);
      // Fold a replayed journal into a fresh snapshot, which also drops any torn tail before we append. A folder
      // whose ledger.json is already complete (an empty journal) is not rewritten: a no-op rerun stays cheap.
      const journalSize = (await stat(join(outDir, JOURNAL_FILE)).catch(() => null))?.size ?? 0;
      if (!found || journalSize > 0 || tornTail || ledger.service !== recordedService) await store.snapshot();
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** The live ledger (totals are recomputed on each call). Do not mutate jobs directly: use `update`. */
  get ledger(): Ledger {
    const { service } = this.ledgerState;
    return { version: 1, journal_seq: this.seq, ...(service !== undefined && { service }), jobs: this.ledgerState.jobs, totals: computeTotals(this.ledgerState.jobs) };
  }

  get jobs(): readonly LedgerJob[] {
    return this.ledgerState.jobs;
  }

  job(id: string): LedgerJob | undefined {
    return this.byId.get(id);
  }

  /** Adds a job, or replaces its whole record (durable when the promise resolves). */
  put(job: LedgerJob): Promise<void> {
    const existing = this.byId.get(job.id);
    if (existing) Object.assign(existing, job);
    else {
      const copy = { ...job };
      this.byId.set(copy.id, copy);
      this.ledgerState.jobs.push(copy);
    }
    return this.append({ s: ++this.seq, t: 'put', job: { ...job } }, true);
  }

  /**
   * Adds many new jobs at once (a new plan): one snapshot instead of one journal line each. Jobs already in the
   * ledger are left alone.
   */
  async addJobs(jobs: readonly LedgerJob[]): Promise<void> {
    let added = 0;
    for (const job of jobs) {
      if (this.byId.has(job.id)) continue;
      const copy = { ...job };
      this.byId.set(copy.id, copy);
      this.ledgerState.jobs.push(copy);
      added++;
    }
    if (added > 0) await this.snapshot();
  }

  /**
   * Changes some fields of a job and stamps `updated_at`. The change is in the journal (safe from a killed
   * process) when this returns; with `durable` the promise resolves only once it is fdatasync'd (safe from a
   * power cut) — for the events that guard money: the intent to submit and the submit's answer.
   */
  update(id: string, patch: LedgerPatch, options: { readonly durable?: boolean; readonly answer?: boolean } = {}): Promise<void> {
    const job = this.byId.get(id);
    if (!job) return Promise.reject(new Error(`ledger: no job ${id}`));
    const p = { ...patch, updated_at: patch.updated_at ?? new Date().toISOString() };
    Object.assign(job, p);
    // `answer`: the outcome of a submit that may have been charged; it may be written into the reserve.
    return this.append({ s: ++this.seq, t: 'set', id, p }, options.durable ?? false, options.answer ?? false);
  }

  /** Whether an answer had to be written into the reserve (the disk is full): no more submits should leave. */
  get reserveDrawn(): boolean {
    return this.journal.reserveDrawn;
  }

  /** Rewrites `ledger.json` atomically with everything so far, then empties the journal. */
  snapshot(): Promise<void> {
    this.snapshotScheduled = true;
    return this.journal.exclusive(async () => {
      this.snapshotScheduled = false;
      this.eventsSinceSnapshot = 0;
      // Captured synchronously: events appended while the file is written get higher sequence numbers and are
      // written to the journal after the truncation below. A shallow copy of each record is that capture (a
      // change replaces a record's fields, never edits inside them): ~30 MB at 100,000 jobs, where the whole
      // text (~110 MB, and as much again as a buffer) was held before.
      const captured: Ledger = { ...this.ledgerState, journal_seq: this.seq, jobs: this.ledgerState.jobs.map((job) => ({ ...job })) };
      await writeFileAtomic(join(this.outDir, LEDGER_FILE), ledgerText(captured), () => crashPoint('snapshot'));
      await this.journal.truncate();
    });
  }

  /** Waits until every change so far is fdatasync'd. */
  flush(): Promise<void> {
    return this.journal.drain();
  }

  /** Final snapshot, then releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.journal.drain();
      if (this.eventsSinceSnapshot > 0) await this.snapshot();
      await this.journal.close();
    } finally {
      this.journal.releaseReserve();
      await this.lock.release();
    }
  }

  private append(event: LedgerEvent, durable: boolean, answer = false): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ledger: store is closed'));
    const written = this.journal.append(event, durable, answer);
    // Callers that do not await still must not crash the process with an unhandled rejection; the failure is
    // reported again by flush()/close().
    written.catch((error: unknown) => this.logger.error({ err: error }, 'ledger journal write failed'));
    if (++this.eventsSinceSnapshot >= Math.max(this.snapshotEvery, 2 * this.ledgerState.jobs.length) && !this.snapshotScheduled) {
      this.snapshot().catch((error: unknown) => this.logger.error({ err: error }, 'ledger snapshot failed'));
    }
    return written;
  }
}

/** Opens (creating if needed) the ledger of an output folder for one runner: takes the lock, replays the journal. */
export async function openLedger(outDir: string, options: OpenLedgerOptions = {}): Promise<LedgerStore> {
  await mkdir(outDir, { recursive: true });
  return LedgerStore.create(outDir, options);
}

/**
 * Snapshot + journal. Read without the lock, a runner may replace the snapshot and truncate the journal between
 * our two reads; the snapshot's inode then differs afterwards, and the read is done again.
 */
async function loadLedger(outDir: string): Promise<{ ledger: Ledger; tornTail: boolean; found: boolean }> {
  const inode = () => stat(join(outDir, LEDGER_FILE)).then((s) => s.ino, () => null);
  for (let attempt = 1; ; attempt++) {
    const before = await inode();
    const loaded = await loadOnce(outDir);
    if (attempt >= 5 || (await inode()) === before) return loaded;
  }
}

async function loadOnce(outDir: string): Promise<{ ledger: Ledger; tornTail: boolean; found: boolean }> {
  const snapshot = await readLedgerSnapshot(join(outDir, LEDGER_FILE));
  const ledger: Ledger = snapshot ?? { version: 1, journal_seq: 0, jobs: [], totals: computeTotals([]) };
  const journalPath = join(outDir, JOURNAL_FILE);
  let text: string | null = null;
  try {
    text = await readFile(journalPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === null) return { ledger, tornTail: false, found: snapshot !== null };
  const result = replayJournal(ledger, text, journalPath);
  ledger.journal_seq = result.lastSeq;
  ledger.totals = computeTotals(ledger.jobs);
  return { ledger, tornTail: result.tornTail, found: true };
}

/**
 * What the ledger of a folder says right now — snapshot plus journal — without taking the lock (read-only; safe
 * while a run is writing, and right after a crash). Throws a UserError when the folder has no ledger.
 */
export async function readLedger(outDir: string): Promise<Ledger> {
  const { ledger, found } = await loadLedger(outDir);
  if (!found) throw new UserError('LEDGER_NOT_FOUND', `no ${LEDGER_FILE} in ${outDir}: not a paiwo-batch output folder (or nothing has run there yet)`);
  return ledger;
}

/**
 * Replaces the ledger of a folder atomically (for merge and other tools). Takes the lock for the moment of the
 * write, so it refuses a folder a run is using; the journal is removed since the new snapshot supersedes it.
 */
export async function writeLedger(outDir: string, ledger: Ledger, options: { readonly lockHeld?: boolean } = {}): Promise<void> {
  await mkdir(outDir, { recursive: true });
  // `lockHeld`: the caller (merge) already holds the folder's lock for its whole read-merge-write.
  const lock = options.lockHeld ? null : await acquireOutputLock(outDir);
  try {
    // The old journal goes first: left behind by a crash, its events would be replayed over the new ledger.
    await unlink(join(outDir, JOURNAL_FILE)).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
    await fsyncDir(outDir);
    await writeFileAtomic(join(outDir, LEDGER_FILE), ledgerText({ ...ledger, journal_seq: 0 }));
  } finally {
    await lock?.release();
  }
}
