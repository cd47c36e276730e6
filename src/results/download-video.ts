import { createHash } from 'node:crypto';
import { closeSync, constants, fsync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../util/logger.js';
import { DownloadError } from './download-error.js';
import { decodedSlashes, describe, openMedia, parseHttpUrl, statusError } from './download-http.js';
import { contentRangeStart, isMp4Head, readPart, SIGNATURE_BYTES, strongEtag, watchThroughput, type DownloadMemo } from './download-part.js';

export interface DownloadOptions {
  readonly url: string;
  /** Final absolute path; the file appears there only when complete and checked (temp file + rename). */
  readonly dest: string;
  /** Refuse bodies larger than this. @default 4 GiB */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
  /** Idle timeout between chunks. @default 60_000 */
  readonly timeoutMs?: number;
  /** Total bytes on disk so far (a resumed part included). */
  readonly onProgress?: (bytes: number) => void;
  readonly logger?: Logger;
  /** Tries of one call for truncated/network/slow/5xx failures, each resuming the `.part`. @default 3 */
  readonly attempts?: number;
  /**
   * The slowest average a body may arrive at once `timeoutMs` has passed (the deadline is
   * `timeoutMs + bytes received / minBytesPerSecond`). @default 32 KiB/s
   */
  readonly minBytesPerSecond?: number;
  /** The file's size and ETag as first seen; pass the same object to every try of one video. */
  readonly memo?: DownloadMemo;
}

export interface DownloadResult {
  readonly bytes: number;
  /** Hex sha256 of the whole file. */
  readonly sha256: string;
}

const DEFAULTS = { maxBytes: 4 * 1024 ** 3, timeoutMs: 60_000, attempts: 3, minBytesPerSecond: 32 * 1024 } as const;
/** write(2) until the whole chunk is in (a regular file takes it all at once; a full disk throws). */
function writeAll(fd: number, chunk: Buffer): void {
  for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
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

/** One try: resume or start the part, stream it to disk while hashing and checking, rename when complete. */
async function attemptDownload(options: DownloadOptions, url: URL, dest: string, part: string): Promise<DownloadResult> {
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  let { offset, hash, head } = await readPart(part, maxBytes);
  if (offset > 0) options.onProgress?.(offset);

  const { req, res, url: finalUrl } = await openMedia(url, offset, options, timeoutMs);
  try {
    const status = res.statusCode ?? 0;
    if (status === 416 && offset > 0) {
      // The server proves it cannot continue our part (it may differ from what it serves now): start over.
      await rm(part, { force: true });
      throw new DownloadError({ kind: 'http', httpStatus: status, retryable: true, message: `HTTP 416 resuming ${describe(finalUrl)} at byte ${offset}` });
    }
    if (status !== 200 && status !== 206) throw statusError(status, finalUrl);
    const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
    let expected: number | undefined;
    if (status === 206) {
      const range = contentRangeStart(res.headers['content-range']);
      if (offset === 0 || range === undefined || range.start !== offset) {
        await rm(part, { force: true });
        throw new DownloadError({ kind: 'http', httpStatus: 206, retryable: true, message: `unexpected partial answer from ${describe(finalUrl)}` });
      }
      expected = range.total ?? (declared !== undefined ? offset + declared : undefined);
      const memo = options.memo;
      if (memo?.total !== undefined && expected !== undefined && expected !== memo.total) {
        // A different total is a different file: our part cannot be continued with its tail.
        await rm(part, { force: true });
        const before = memo.total;
        memo.total = expected;
        throw new DownloadError({ kind: 'http', httpStatus: 206, retryable: true, message: `${describe(finalUrl)} is now ${expected} bytes, not ${before}; starting over` });
      }
    } else {
      // A 200 is the whole file again, whatever part we had.
      if (offset > 0) options.logger?.debug({ url: describe(finalUrl), offset }, 'server ignored the range; starting over');
      ({ offset, hash, head } = { offset: 0, hash: createHash('sha256'), head: Buffer.alloc(0) });
      expected = declared;
    }
    if (options.memo) {
      if (expected !== undefined) options.memo.total = expected;
      const etag = strongEtag(res.headers.etag);
      if (etag !== undefined) options.memo.etag = etag;
    }
    if (expected !== undefined && (!Number.isSafeInteger(expected) || expected > maxBytes)) {
      throw new DownloadError({ kind: 'too-large', message: `${describe(finalUrl)} announces ${expected} bytes; the limit is ${maxBytes}` });
    }

    // O_NOFOLLOW: never write through a link, even one planted after readPart looked.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (offset > 0 ? constants.O_APPEND : constants.O_TRUNC);
    // Synchronous open/write/close: each is a short page-cache operation, and every trip through the thread pool
    // cost more CPU than the call itself (a batch saves thousands of small files). Only the fsync goes to the pool.
    const fd = openCreatingFolder(part, flags);
    let writeError: unknown;
    let bytes = offset;
    let failure: unknown;
    const startedAt = offset;
    const pace = watchThroughput({
      graceMs: timeoutMs,
      bytesPerSecond: options.minBytesPerSecond ?? DEFAULTS.minBytesPerSecond,
      received: () => bytes - startedAt,
      onTooSlow: (elapsedMs) =>
        res.destroy(new DownloadError({ kind: 'slow', message: `${describe(finalUrl)} sent ${bytes - startedAt} bytes in ${Math.round(elapsedMs / 1000)} s, below the minimum throughput` })),
    });
    try {
      // One chunk at a time, written before the next is read: memory stays flat whatever the size.
      for await (const chunk of res as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new DownloadError({ kind: 'too-large', message: `${describe(finalUrl)} sent more than ${maxBytes} bytes` });
        if (head.length < SIGNATURE_BYTES) {
          head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)]);
          if (head.length >= SIGNATURE_BYTES && !isMp4Head(head)) {
            throw new DownloadError({ kind: 'not-mp4', message: `${describe(finalUrl)} is not an MP4 (no ftyp box at offset 4)` });
          }
        }
        hash.update(chunk);
        try {
          writeAll(fd, chunk);
        } catch (error) {
          writeError = error;
          throw error;
        }
        options.onProgress?.(bytes);
      }
    } catch (error) {
      failure = error;
    } finally {
      pace.stop();
    }
    // Whatever arrived before a cut is already written; the fsync puts it (and a complete file) on disk before
    // the rename makes the file visible: a crash never leaves a short .mp4.
    try {
      await new Promise<void>((resolveSync, rejectSync) => fsync(fd, (error) => (error ? rejectSync(error) : resolveSync())));
    } catch (error) {
      writeError ??= error;
    } finally {
      closeSync(fd);
    }
    if (writeError !== undefined) {
      // write(2) errors name no file; the user needs to know which disk filled up.
      if (writeError instanceof Error && (writeError as NodeJS.ErrnoException).path === undefined) (writeError as NodeJS.ErrnoException).path = part;
      throw writeError;
    }
    if (failure !== undefined) {
      if (failure instanceof DownloadError || options.signal?.aborted) throw failure;
      if (expected !== undefined && bytes < expected) {
        throw new DownloadError({ kind: 'truncated', message: `${describe(finalUrl)} ended after ${bytes} of ${expected} bytes`, cause: failure });
      }
      const code = (failure as { code?: string }).code ?? 'NETWORK';
      throw new DownloadError({ kind: 'network', message: `${code} while reading ${describe(finalUrl)} after ${bytes} bytes`, cause: failure });
    }
    if (expected !== undefined && bytes !== expected) {
      throw new DownloadError({ kind: 'truncated', message: `${describe(finalUrl)} ended after ${bytes} of ${expected} bytes` });
    }
    if (!isMp4Head(head)) throw new DownloadError({ kind: 'not-mp4', message: `${describe(finalUrl)} is not an MP4 (${bytes} bytes, no ftyp box)` });
    renameSync(part, dest);
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    req.destroy();
  }
}

/** The part is worth keeping after these: the bytes in it are good, the server just did not finish. */
function keepsPart(error: unknown): boolean {
  return error instanceof DownloadError && (error.retryable || error.kind === 'expired');
}

/**
 * Streams a finished video to `<dest>.part` with constant memory, hashing and checking as it goes, and renames it
 * to `dest` only when complete. Truncated, network, too-slow and 5xx failures are retried here, resuming the part
 * with `Range`. A URL with `%2F` in its path that answers 403/404 is tried once with the slashes decoded. The
 * part is removed only when it is proven useless (too large, not an MP4, a bad URL, or the server cannot resume
 * it: 416, another total, another ETag); after a transient failure or an expired URL it is kept, so the caller's
 * next try resumes it; a caller giving up for good calls `discardPart`.
 */
export async function downloadVideo(options: DownloadOptions): Promise<DownloadResult> {
  const logger = options.logger ?? silentLogger;
  const dest = resolve(options.dest);
  const part = `${dest}.part`;
  const attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
  options.signal?.throwIfAborted();
  let url: URL;
  try {
    url = parseHttpUrl(options.url);
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
  let decodedTried = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await attemptDownload(options, url, dest, part);
      logger.debug({ dest, bytes: result.bytes, attempt }, 'video downloaded');
      return result;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const decoded = error instanceof DownloadError && error.kind === 'expired' && (error.httpStatus === 403 || error.httpStatus === 404) && !decodedTried ? decodedSlashes(url) : undefined;
      if (decoded !== undefined) {
        decodedTried = true;
        logger.debug({ dest, status: (error as DownloadError).httpStatus }, 'media URL refused; trying it with %2F decoded');
        url = decoded;
        attempt--;
        continue;
      }
      const retry = error instanceof DownloadError && error.retryable && attempt < attempts;
      logger.debug({ dest, attempt, err: error instanceof Error ? error.message : String(error), retry }, 'download attempt failed');
      if (retry) {
        await sleep(Math.min(2_000, 200 * 2 ** (attempt - 1)), undefined, options.signal ? { signal: options.signal } : undefined).catch(() => {
          throw options.signal?.reason;
        });
        continue;
      }
      if (!keepsPart(error)) await rm(part, { force: true });
      throw error;
    }
  }
}
