import { closeSync, constants, fdatasyncSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OutputUnwritableError, UserError } from '../errors/paiwo-error.js';

/** Space kept in an output folder for the answers of submits on the wire (docs/run-and-money.md "The answer reserve"). */
export const RESERVE_FILE = '.paiwo-batch.reserve';
/** What one answer's journal line may take, with room for its page and a long attempt history. */
export const RESERVE_PER_SUBMIT = 4096;
const MIN_RESERVE = 64 * 1024;
const MAX_RESERVE = 4 * 1024 * 1024;
/** Given up at a time: a page and its neighbour (a filesystem allocates whole blocks). */
const STEP = 8192;

/** The reserve a run with this many submits on the wire at once keeps. */
export function reserveBytesFor(submitsOnTheWire: number): number {
  return Math.min(MAX_RESERVE, Math.max(MIN_RESERVE, Math.ceil(submitsOnTheWire) * RESERVE_PER_SUBMIT));
}

/**
 * A file of real bytes (not a sparse one: that holds no space) written before any submit leaves, so that a disk
 * filled meanwhile — by downloads, or by anything else — still has room for the answers of the submits on the
 * wire: when the journal refuses an answer's line, the reserve gives up a few blocks and the line is written
 * into them. Never through a link; removed when the ledger closes (and rewritten by the next run after a kill).
 */
export class JournalReserve {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    private size: number,
  ) {}

  /** Writes the reserve; exit 7 before anything is sent when the disk has not that much room. */
  static allocate(outDir: string, bytes: number): JournalReserve {
    const path = join(outDir, RESERVE_FILE);
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
        throw new UserError('LEDGER_LINK', `${path} is a symbolic link; paiwo-batch never writes through one. Remove the link and run again.`);
      }
      throw reserveError(outDir, bytes, error);
    }
    try {
      const chunk = Buffer.alloc(Math.min(bytes, 65536));
      for (let written = 0; written < bytes; ) {
        const n = writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
        if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
        written += n;
      }
      fdatasyncSync(fd);
      return new JournalReserve(path, fd, bytes);
    } catch (error) {
      closeSync(fd);
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
      throw reserveError(outDir, bytes, error);
    }
  }

  /** Bytes still kept. */
  get bytes(): number {
    return this.size;
  }

  /** Gives up a few blocks (at least `need` bytes) to the disk; false when nothing is left to give. */
  giveUp(need: number): boolean {
    if (this.size === 0) return false;
    this.size = Math.max(0, this.size - Math.max(STEP, Math.ceil(need / STEP) * STEP));
    ftruncateSync(this.fd, this.size);
    return true;
  }

  close(): void {
    closeSync(this.fd);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function reserveError(outDir: string, bytes: number, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  return new OutputUnwritableError(
    'DISK_FULL',
    `${outDir}: no room for the ${Math.ceil(bytes / 1024)} KB kept for the answers of paid submits (a full disk could lose a paid video's id); nothing was sent. Free some space and run again.`,
    { cause: error },
  );
}
