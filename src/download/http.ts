import http from 'node:http';
import https from 'node:https';
import { redact } from '../util/redact.js';
import { VERSION } from '../util/version.js';
import { DownloadError } from './download-error.js';
import type { DownloadMemo } from './part.js';

/** The HTTP side of a media download: URLs, redirects, the connection pool, what a status means. */

const MAX_REDIRECTS = 5;

export interface MediaRequestOptions {
  readonly signal?: AbortSignal;
  readonly memo?: DownloadMemo;
}

/** Where the media lives, without a query string that may carry a signed token. */
export function describe(url: URL): string {
  // Redacted before it is shortened: a gateway may have put the key in the path (a cut key would escape redaction).
  return redact(`${url.origin}${url.pathname}`).slice(0, 160);
}

export function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(text, base);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const shown = url ? `${url.protocol} URL` : `"${redact(text).slice(0, 80)}"`;
    throw new DownloadError({ kind: 'bad-scheme', message: `refusing to download from ${shown}${base ? ` (redirected from ${describe(base)})` : ''}: only http(s)` });
  }
  return url;
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

function get(url: URL, headers: Record<string, string>, options: MediaRequestOptions, timeoutMs: number): Promise<OpenedMedia> {
  return new Promise((resolvePromise, reject) => {
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    const req = lib.get(url, { agent: isHttps ? mediaAgents['https:'] : mediaAgents['http:'], headers, ...(options.signal ? { signal: options.signal } : {}) });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new DownloadError({ kind: 'network', message: `no data from ${describe(url)} for ${timeoutMs} ms` }));
    });
    req.once('response', (res) => resolvePromise({ req, res, url }));
    // Errors after the answer arrived surface on the body stream; this keeps a late one from being unhandled.
    req.on('error', reject);
  });
}

/** GET with manual redirects: at most five, each to http(s) only. */
export async function openMedia(start: URL, offset: number, options: MediaRequestOptions, timeoutMs: number): Promise<OpenedMedia> {
  const headers: Record<string, string> = { 'User-Agent': `paiwo-batch/${VERSION}`, 'Accept-Encoding': 'identity' };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  // If the file changed since the part was written, the server sends it whole (200) instead of a wrong tail.
  if (offset > 0 && options.memo?.etag) headers['If-Range'] = options.memo.etag;
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

/** An answer whose body is the video: it continues our part (206 at our offset) or is the whole file (200). */
export interface MediaBody {
  readonly type: 'body';
  readonly req: http.ClientRequest;
  readonly res: http.IncomingMessage;
  /** Where the answer came from, after redirects. */
  readonly url: URL;
  /** A 206 continuing the part; a 200 starts the file over, whatever part we had. */
  readonly resumes: boolean;
  /** The whole file's size, when the answer says it. */
  readonly expected: number | undefined;
}

/** The server proves it cannot continue our part: drop it, then throw `error` (retryable: the next try starts over). */
export interface CannotResume {
  readonly type: 'cannot-resume';
  readonly error: DownloadError;
}

/**
 * GETs the media from `offset` and reads what its status and headers say: the body to read, a part that cannot
 * be continued, or a DownloadError (an unusable status, a file larger than `maxBytes`). Remembers the file's
 * size and ETag in `options.memo`. The caller destroys `req` once the body is read.
 */
export async function requestMedia(url: URL, offset: number, options: MediaRequestOptions, timeoutMs: number, maxBytes: number): Promise<MediaBody | CannotResume> {
  const { req, res, url: finalUrl } = await openMedia(url, offset, options, timeoutMs);
  try {
    const answer = readMediaAnswer(res, finalUrl, offset, options.memo);
    if (answer.type === 'cannot-resume') {
      req.destroy();
      return answer;
    }
    const { expected } = answer;
    if (expected !== undefined && (!Number.isSafeInteger(expected) || expected > maxBytes)) {
      throw new DownloadError({ kind: 'too-large', message: `${describe(finalUrl)} announces ${expected} bytes; the limit is ${maxBytes}` });
    }
    return { type: 'body', req, res, url: finalUrl, resumes: answer.resumes, expected };
  } catch (error) {
    req.destroy();
    throw error;
  }
}

/** What a media answer's status and headers say about our part of `offset` bytes. */
function readMediaAnswer(res: http.IncomingMessage, url: URL, offset: number, memo: DownloadMemo | undefined): CannotResume | { readonly type: 'body'; readonly resumes: boolean; readonly expected: number | undefined } {
  const status = res.statusCode ?? 0;
  const cannotResume = (message: string): CannotResume => ({ type: 'cannot-resume', error: new DownloadError({ kind: 'http', httpStatus: status, retryable: true, message }) });
  // Our part may differ from what the server serves now: it says it cannot continue it.
  if (status === 416 && offset > 0) return cannotResume(`HTTP 416 resuming ${describe(url)} at byte ${offset}`);
  if (status !== 200 && status !== 206) throw statusError(status, url);
  const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  let expected = declared;
  if (status === 206) {
    const range = contentRangeStart(res.headers['content-range']);
    if (offset === 0 || range === undefined || range.start !== offset) return cannotResume(`unexpected partial answer from ${describe(url)}`);
    expected = range.total ?? (declared !== undefined ? offset + declared : undefined);
    if (memo?.total !== undefined && expected !== undefined && expected !== memo.total) {
      // A different total is a different file: our part cannot be continued with its tail.
      const before = memo.total;
      memo.total = expected;
      return cannotResume(`${describe(url)} is now ${expected} bytes, not ${before}; starting over`);
    }
  }
  if (memo) {
    if (expected !== undefined) memo.total = expected;
    const etag = strongEtag(res.headers.etag);
    if (etag !== undefined) memo.etag = etag;
  }
  return { type: 'body', resumes: status === 206, expected };
}

export function statusError(status: number, url: URL): DownloadError {
  if (status === 403 || status === 404 || status === 410) {
    return new DownloadError({ kind: 'expired', httpStatus: status, message: `HTTP ${status} from ${describe(url)}: the media URL has expired; fetch the video again` });
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  return new DownloadError({ kind: 'http', httpStatus: status, retryable, message: `HTTP ${status} from ${describe(url)}` });
}

/** DMXAPI's media URLs come with the path's slashes encoded (`pixverse%2Fmp4%2F…`, contract B.9). */
export function decodedSlashes(url: URL): URL | undefined {
  if (!/%2f/i.test(url.pathname)) return undefined;
  const decoded = new URL(url.href);
  decoded.pathname = url.pathname.replace(/%2f/gi, '/');
  return decoded;
}

/** A strong entity tag, or undefined (a weak one, `W/"…"`, may not be used with If-Range). */
export function strongEtag(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text && /^"[\x21\x23-\x7e]*"$/.test(text.trim()) ? text.trim() : undefined;
}

export function contentRangeStart(value: string | undefined): { start: number; total?: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[3] !== '*' ? { total: Number(m[3]) } : {}) };
}

/**
 * A minimum throughput: `graceMs` to get going, then at least `bytesPerSecond` on average. The deadline grows
 * with what has arrived, so a large file on a good link is never cut, and a trickle (one byte every few seconds,
 * which never trips an idle timeout) always ends. Calls `onTooSlow` once; `stop()` ends the watch.
 */
export function watchThroughput(options: { graceMs: number; bytesPerSecond: number; received: () => number; onTooSlow: (elapsedMs: number) => void }): { stop(): void } {
  const started = performance.now();
  const check = (): void => {
    const elapsed = performance.now() - started;
    if (elapsed > options.graceMs + (options.received() * 1000) / options.bytesPerSecond) {
      clearInterval(timer);
      options.onTooSlow(elapsed);
    }
  };
  const timer = setInterval(check, Math.max(10, Math.min(1_000, options.graceMs / 4)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
