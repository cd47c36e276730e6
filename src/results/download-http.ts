import http from 'node:http';
import https from 'node:https';
import { redact } from '../util/redact.js';
import { VERSION } from '../util/version.js';
import { DownloadError } from './download-error.js';
import type { DownloadMemo } from './download-part.js';

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

