import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, createReadStream, fsync, lstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../util/logger.js';
import { VERSION } from '../util/version.js';
import { DownloadError } from './download-error.js';

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
  /** Tries of one call for truncated/network/5xx failures, each resuming the `.part`. @default 3 */
  readonly attempts?: number;
}

export interface DownloadResult {
  readonly bytes: number;
  /** Hex sha256 of the whole file. */
  readonly sha256: string;
}

const DEFAULTS = { maxBytes: 4 * 1024 ** 3, timeoutMs: 60_000, attempts: 3 } as const;
const MAX_REDIRECTS = 5;
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

/** Box size (4 bytes) then the type `ftyp`: every ISO-BMFF (MP4) file starts so. */
const SIGNATURE_BYTES = 8;

/** Where the media lives, without a query string that may carry a signed token. */
function describe(url: URL): string {
  return `${url.origin}${url.pathname}`.slice(0, 160);
}

function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(text, base);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const shown = url ? `${url.protocol} URL` : `"${text.slice(0, 80)}"`;
    throw new DownloadError({ kind: 'bad-scheme', message: `refusing to download from ${shown}${base ? ` (redirected from ${describe(base)})` : ''}: only http(s)` });
  }
  return url;
}

function isMp4Head(head: Buffer): boolean {
  return head.length >= SIGNATURE_BYTES && head.toString('latin1', 4, 8) === 'ftyp';
}

interface OpenedMedia {
  readonly req: http.ClientRequest;
  readonly res: http.IncomingMessage;
  readonly url: URL;
}

/**
 * Media downloads keep their connections between files (a batch downloads hundreds of videos from one CDN host;
 * a new TCP/TLS connection each time was a large part of the runner's CPU). These agents are the downloader's
 * own: the media host never sees our API key or any header of the API. A download is free to repeat, so a
 * reused socket the server closed meanwhile costs only a retry. Idle sockets do not keep the process alive.
 */
const mediaAgents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16, scheduling: 'lifo' }),
} as const;

function get(url: URL, headers: Record<string, string>, options: DownloadOptions, timeoutMs: number): Promise<OpenedMedia> {
  return new Promise((resolvePromise, reject) => {
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    const req = lib.get(url, { agent: isHttps ? mediaAgents['https:'] : mediaAgents['http:'], headers, ...(options.signal ? { signal: options.signal } : {}) });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new DownloadError({ kind: 'network', message: `no data from ${describe(url)} for ${timeoutMs} ms` }));
    });
    req.once('response', (res) => resolvePromise({ req, res, url }));
    req.once('error', reject);
  });
}

/** GET with manual redirects: at most five, each to http(s) only. */
async function openMedia(start: URL, offset: number, options: DownloadOptions, timeoutMs: number): Promise<OpenedMedia> {
  const headers: Record<string, string> = { 'User-Agent': `paiwo-batch/${VERSION}`, 'Accept-Encoding': 'identity' };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  let url = start;
  for (let hop = 0; ; hop++) {
    let opened: OpenedMedia;
    try {
      opened = await get(url, headers, options, timeoutMs);
    } catch (error) {
      if (error instanceof DownloadError || options.signal?.aborted) throw error;
      const code = (error as { code?: string }).code ?? 'NETWORK';
      throw new DownloadError({ kind: 'network', message: `${code} from ${describe(url)}`, cause: error });
    }
    const status = opened.res.statusCode ?? 0;
    if (status < 300 || status >= 400 || status === 304) return opened;
    opened.res.resume();
    opened.req.destroy();
    const location = opened.res.headers.location;
    if (!location) throw new DownloadError({ kind: 'http', httpStatus: status, message: `HTTP ${status} without a Location from ${describe(url)}` });
    if (hop >= MAX_REDIRECTS) throw new DownloadError({ kind: 'http', httpStatus: status, message: `more than ${MAX_REDIRECTS} redirects from ${describe(start)}` });
    url = parseHttpUrl(location, url);
  }
}

/** What is already in `<dest>.part`: its length, its hash so far and its first bytes. */
async function readPart(part: string, maxBytes: number): Promise<{ offset: number; hash: Hash; head: Buffer }> {
  const info = lstatSync(part, { throwIfNoEntry: false });
  // Only a regular file is resumed: a link planted in its place is removed (the link, not its target), never followed.
  if (info && !info.isFile()) await unlink(part);
  const size = info?.isFile() ? info.size : 0;
  const hash = createHash('sha256');
  if (size === 0 || size > maxBytes) return { offset: 0, hash, head: Buffer.alloc(0) };
  let head = Buffer.alloc(0);
  for await (const chunk of createReadStream(part)) {
    const buf = chunk as Buffer;
    if (head.length < SIGNATURE_BYTES) head = Buffer.concat([head, buf.subarray(0, SIGNATURE_BYTES - head.length)]);
    hash.update(buf);
  }
  // A part that is not the start of an MP4 is not worth resuming.
  if (head.length >= SIGNATURE_BYTES && !isMp4Head(head)) return { offset: 0, hash: createHash('sha256'), head: Buffer.alloc(0) };
  return { offset: size, hash, head };
}

function contentRangeStart(value: string | undefined): { start: number; total?: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[3] !== '*' ? { total: Number(m[3]) } : {}) };
}

function statusError(status: number, url: URL): DownloadError {
  if (status === 403 || status === 404 || status === 410) {
    return new DownloadError({ kind: 'expired', httpStatus: status, message: `HTTP ${status} from ${describe(url)}: the media URL has expired; fetch the video again` });
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  return new DownloadError({ kind: 'http', httpStatus: status, retryable, message: `HTTP ${status} from ${describe(url)}` });
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
      // The server cannot continue our part (it may differ from what it serves now): start over.
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
    } else {
      // A 200 is the whole file again, whatever part we had.
      if (offset > 0) options.logger?.debug({ url: describe(finalUrl), offset }, 'server ignored the range; starting over');
      ({ offset, hash, head } = { offset: 0, hash: createHash('sha256'), head: Buffer.alloc(0) });
      expected = declared;
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
    if (writeError !== undefined) throw writeError;
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

/**
 * Streams a finished video to `<dest>.part` with constant memory, hashing and checking as it goes, and renames it
 * to `dest` only when complete. Truncated and network failures are retried here, resuming the part with
 * `Range`. When it gives up for good the part is removed; it is kept for an expired URL (the fresh URL resumes
 * it) and when the caller aborts (the next run resumes it).
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
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await attemptDownload(options, url, dest, part);
      logger.debug({ dest, bytes: result.bytes, attempt }, 'video downloaded');
      return result;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const retry = error instanceof DownloadError && error.retryable && attempt < attempts;
      logger.debug({ dest, attempt, err: error instanceof Error ? error.message : String(error), retry }, 'download attempt failed');
      if (retry) {
        await sleep(Math.min(2_000, 200 * 2 ** (attempt - 1)), undefined, options.signal ? { signal: options.signal } : undefined).catch(() => {
          throw options.signal?.reason;
        });
        continue;
      }
      if (!(error instanceof DownloadError && error.kind === 'expired')) await rm(part, { force: true });
      throw error;
    }
  }
}
