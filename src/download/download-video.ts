import type { Hash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../util/logger.js';
import { DownloadError } from './download-error.js';
import { decodedSlashes, describe, parseHttpUrl, requestMedia, watchThroughput, type MediaBody } from './http.js';
import { commitPart, emptyPart, isMp4Head, openPart, readPart, SIGNATURE_BYTES, type DownloadMemo, type PartState } from './part.js';

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

/** One try: resume or start the part, stream the answer into it while hashing and checking, rename when complete. */
async function attemptDownload(options: DownloadOptions, url: URL, dest: string, part: string): Promise<DownloadResult> {
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  let start = await readPart(part, maxBytes);
  if (start.offset > 0) options.onProgress?.(start.offset);
  const answer = await requestMedia(url, start.offset, options, timeoutMs, maxBytes);
  if (answer.type === 'cannot-resume') {
    await rm(part, { force: true });
    throw answer.error;
  }
  try {
    if (!answer.resumes && start.offset > 0) {
      // A 200 is the whole file again, whatever part we had.
      options.logger?.debug({ url: describe(answer.url), offset: start.offset }, 'server ignored the range; starting over');
      start = emptyPart();
    }
    const received = await receiveIntoPart(answer, part, start, { ...options, maxBytes, timeoutMs });
    checkComplete(received, answer, options.signal);
    commitPart(part, dest);
    return { bytes: received.bytes, sha256: received.hash.digest('hex') };
  } finally {
    answer.req.destroy();
  }
}

/** What a try put in the part: all its bytes, their hash and first bytes, and why the body ended early, if it did. */
interface Received {
  readonly bytes: number;
  readonly hash: Hash;
  readonly head: Buffer;
  readonly failure: unknown;
}

/**
 * Streams the answer's body into the part, one chunk written before the next is read (memory stays flat
 * whatever the size), checking the size cap, the MP4 signature and the minimum throughput as it goes. A write
 * error throws; a failure of the body or of a check ends the stream and is returned, the bytes before it kept.
 */
async function receiveIntoPart(answer: MediaBody, part: string, start: PartState, options: DownloadOptions & { maxBytes: number; timeoutMs: number }): Promise<Received> {
  const source = describe(answer.url);
  const file = openPart(part, start.offset > 0);
  let { hash, head } = start;
  let bytes = start.offset;
  let failure: unknown;
  const pace = watchThroughput({
    graceMs: options.timeoutMs,
    bytesPerSecond: options.minBytesPerSecond ?? DEFAULTS.minBytesPerSecond,
    received: () => bytes - start.offset,
    onTooSlow: (elapsedMs) =>
      answer.res.destroy(new DownloadError({ kind: 'slow', message: `${source} sent ${bytes - start.offset} bytes in ${Math.round(elapsedMs / 1000)} s, below the minimum throughput` })),
  });
  try {
    for await (const chunk of answer.res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) throw new DownloadError({ kind: 'too-large', message: `${source} sent more than ${options.maxBytes} bytes` });
      if (head.length < SIGNATURE_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)]);
        if (head.length >= SIGNATURE_BYTES && !isMp4Head(head)) throw new DownloadError({ kind: 'not-mp4', message: `${source} is not an MP4 (no ftyp box at offset 4)` });
      }
      hash.update(chunk);
      file.write(chunk);
      options.onProgress?.(bytes);
    }
  } catch (error) {
    failure = error;
  } finally {
    pace.stop();
  }
  // A write or fsync error wins over whatever the body did: the user needs to know which disk filled up.
  await file.close();
  return { bytes, hash, head, failure };
}

/** Throws unless the part holds the whole video: the body ended without a failure, at the announced size, an MP4. */
function checkComplete(received: Received, answer: MediaBody, signal: AbortSignal | undefined): void {
  const { bytes, failure } = received;
  const { expected } = answer;
  const source = describe(answer.url);
  if (failure !== undefined) {
    if (failure instanceof DownloadError || signal?.aborted) throw failure;
    if (expected !== undefined && bytes < expected) throw new DownloadError({ kind: 'truncated', message: `${source} ended after ${bytes} of ${expected} bytes`, cause: failure });
    const code = (failure as { code?: string }).code ?? 'NETWORK';
    throw new DownloadError({ kind: 'network', message: `${code} while reading ${source} after ${bytes} bytes`, cause: failure });
  }
  if (expected !== undefined && bytes !== expected) throw new DownloadError({ kind: 'truncated', message: `${source} ended after ${bytes} of ${expected} bytes` });
  if (!isMp4Head(received.head)) throw new DownloadError({ kind: 'not-mp4', message: `${source} is not an MP4 (${bytes} bytes, no ftyp box)` });
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
