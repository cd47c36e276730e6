import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, createReadStream, fsync, lstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The `.part` file of a download: what it holds, writing to it, and making it the video. */

/** Box size (4 bytes) then the type `ftyp`: every ISO-BMFF (MP4) file starts so. */
export const SIGNATURE_BYTES = 8;

export function isMp4Head(head: Buffer): boolean {
  return head.length >= SIGNATURE_BYTES && head.toString('latin1', 4, 8) === 'ftyp';
}

/**
 * What the media server said about the whole file, kept across the tries of one video (pass the same object to
 * every downloadVideo call of a job): a resumed part is only continued if the file is still the same one.
 */
export interface DownloadMemo {
  /** The full size, from a 200's Content-Length or a 206's Content-Range. */
  total?: number;
  /** A strong ETag: sent as If-Range, so a changed file comes back whole (200) instead of spliced. */
  etag?: string;
}

/** What a part holds: its length, the hash of its bytes so far and its first bytes (for the MP4 signature). */
export interface PartState {
  readonly offset: number;
  readonly hash: Hash;
  readonly head: Buffer;
}

/** A part with nothing in it yet. */
export function emptyPart(): PartState {
  return { offset: 0, hash: createHash('sha256'), head: Buffer.alloc(0) };
}

/** What is already in `<dest>.part`: its length, its hash so far and its first bytes. */
export async function readPart(part: string, maxBytes: number): Promise<PartState> {
  const info = lstatSync(part, { throwIfNoEntry: false });
  // Only a regular file is resumed: a link planted in its place is removed (the link, not its target), never followed.
  if (info && !info.isFile()) await unlink(part);
  const size = info?.isFile() ? info.size : 0;
  if (size === 0 || size > maxBytes) return emptyPart();
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  for await (const chunk of createReadStream(part)) {
    const buf = chunk as Buffer;
    if (head.length < SIGNATURE_BYTES) head = Buffer.concat([head, buf.subarray(0, SIGNATURE_BYTES - head.length)]);
    hash.update(buf);
  }
  // A part that is not the start of an MP4 is not worth resuming.
  if (head.length >= SIGNATURE_BYTES && !isMp4Head(head)) return emptyPart();
  return { offset: size, hash, head };
}

/**
 * Removes the `.part` of a video whose download was given up for good. downloadVideo keeps the part after a
 * transient failure so that the next try resumes it; the caller calls this when there will be no next try.
 */
export async function discardPart(dest: string): Promise<void> {
  await rm(`${resolve(dest)}.part`, { force: true });
}

/**
 * open(2), creating the file's folder only when it is missing: a batch saves thousands of videos into a handful
 * of folders, and a mkdir -p before each one was two more syscalls per video.
 */
function openCreatingFolder(path: string, flags: number): number {
  try {
    return openSync(path, flags, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, flags, 0o666);
  }
}

/** A part open for writing. */
export interface PartFile {
  /** Appends the whole chunk; a full disk throws (and `close` throws it again, naming the part). */
  write(chunk: Buffer): void;
  /**
   * fsync, then close: whatever arrived before a cut, and a complete file, is on disk before a rename makes it
   * visible, so a crash never leaves a short video. Throws the first write or fsync error, naming the part.
   */
  close(): Promise<void>;
}

/**
 * Opens the part to continue it (`append`) or to start it over. O_NOFOLLOW: never writes through a link, even one
 * planted after readPart looked. Synchronous open/write/close: each is a short page-cache operation, and every
 * trip through the thread pool cost more CPU than the call itself (a batch saves thousands of small files); only
 * the fsync goes to the pool.
 */
export function openPart(part: string, append: boolean): PartFile {
  const fd = openCreatingFolder(part, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (append ? constants.O_APPEND : constants.O_TRUNC));
  let writeError: unknown;
  return {
    write(chunk) {
      try {
        // write(2) until the whole chunk is in (a regular file takes it all at once).
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
      } catch (error) {
        writeError ??= error;
        throw error;
      }
    },
    async close() {
      try {
        await new Promise<void>((resolveSync, rejectSync) => fsync(fd, (error) => (error ? rejectSync(error) : resolveSync())));
      } catch (error) {
        writeError ??= error;
      } finally {
        closeSync(fd);
      }
      if (writeError === undefined) return;
      // write(2) errors name no file; the user needs to know which disk filled up.
      if (writeError instanceof Error && (writeError as NodeJS.ErrnoException).path === undefined) (writeError as NodeJS.ErrnoException).path = part;
      throw writeError;
    },
  };
}

/** The complete, checked part becomes the video (rename: the file appears only whole). */
export function commitPart(part: string, dest: string): void {
  renameSync(part, dest);
}
