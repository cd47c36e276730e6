import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutputUnwritableError } from './paiwo-error.js';

/** The system errors that say "your disk or folder cannot take this write", with what each means and what to do. */
const UNWRITABLE: Readonly<Record<string, { readonly what: string; readonly todo: string }>> = {
  ENOSPC: { what: 'the disk is full', todo: 'free some space (or choose another folder with --out) and run the same command again' },
  EDQUOT: { what: 'your disk quota is used up', todo: 'free some space (or choose another folder with --out) and run the same command again' },
  EFBIG: { what: 'the file is too large for this filesystem', todo: 'choose a folder on another filesystem with --out and run again' },
  EROFS: { what: 'the filesystem is read-only', todo: 'choose a writable folder with --out (or remount it read-write) and run again' },
  EACCES: { what: 'permission denied', todo: 'give yourself write permission there, or choose another folder with --out, and run again' },
  EPERM: { what: 'the operation is not permitted (an immutable or protected file?)', todo: 'check its attributes and permissions, or choose another folder with --out, and run again' },
  EIO: { what: 'the disk reported an I/O error', todo: 'check the disk (its kernel log), or choose another folder with --out, and run again' },
  ENOTDIR: { what: 'a part of the path is a file, not a folder', todo: 'choose another folder with --out and run again' },
};

interface SystemError {
  readonly code?: string;
  readonly syscall?: string;
  readonly path?: string;
}

function systemErrorOf(error: unknown): SystemError | undefined {
  return error !== null && typeof error === 'object' && typeof (error as SystemError).code === 'string' ? (error as SystemError) : undefined;
}

/**
 * A recursive mkdir that cannot create a folder reports ENOENT (Node's `mkdir -p` gives up on the first missing
 * parent). The real reason is what creating that first missing folder says: read-only, permission denied, full.
 */
function realMkdirFailure(path: string): SystemError | undefined {
  let missing = path;
  for (let parent = dirname(missing); parent !== missing; missing = parent, parent = dirname(parent)) {
    if (statSync(parent, { throwIfNoEntry: false })) break;
  }
  try {
    mkdirSync(missing);
    rmdirSync(missing); // it could be created now after all: not the reason, leave things as they were
    return undefined;
  } catch (error) {
    const real = systemErrorOf(error);
    return real?.code && real.code !== 'ENOENT' && UNWRITABLE[real.code] ? { ...real, path: real.path ?? missing } : undefined;
  }
}

/**
 * The user's environment refusing a write (full, read-only, no permission), found in `error` or its causes, as
 * an OutputUnwritableError (exit 7) naming the file or folder and what to do; undefined for anything else.
 */
export function asOutputUnwritable(error: unknown): OutputUnwritableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof OutputUnwritableError) return current;
    let sys = systemErrorOf(current);
    if (sys?.code === 'ENOENT' && sys.syscall === 'mkdir' && sys.path) sys = realMkdirFailure(sys.path) ?? sys;
    const rule = sys?.code ? UNWRITABLE[sys.code] : undefined;
    if (sys && rule) {
      const where = sys.path ? `cannot write ${sys.path}` : 'cannot write to the output folder';
      return new OutputUnwritableError(`OUTPUT_${sys.code}`, `${where}: ${rule.what} (${sys.code}). Nothing recorded is lost: ${rule.todo}.`, { cause: current });
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
