import { randomBytes, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readLedger } from '../ledger/store.js';
import type { Ledger } from '../ledger/types.js';
import { parsePicks, readPicks, writePicks, emptyPicks, PICKS_FILE } from './picks.js';
import { posterPath, smallPosterPath } from './posters.js';
import { SOURCES_DIR, takeSources } from './sources.js';
import { FAVICON_SVG } from './assets.js';
import { buildReportPage } from './write-report.js';
import { relativeFileUrl } from '../util/escape-html.js';
import { PaiwoError } from '../errors/paiwo-error.js';

/** The largest picks document the endpoint accepts (10,000 marked takes, each with its prompt and a note, fit). */
export const PICKS_BODY_MAX = 32 * 1024 * 1024;

export interface ReviewServerOptions {
  readonly outDir: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Strings the page must never contain (the API key). */
  readonly secrets?: readonly (string | undefined)[];
  /** For tests: a fixed token. @default 24 random bytes */
  readonly token?: string;
}

export interface ReviewServer {
  /** `http://127.0.0.1:<port>/?token=<token>`: the only URL that opens the page. */
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * `paiwo-batch review`: serves `<out>`'s report on 127.0.0.1 only and saves the page's marks to `<out>/picks.json`.
 * - The page (GET /) and the picks endpoint need the per-run random token (in the URL for the page, in an
 *   `x-paiwo-token` header for the endpoint): another local page or process cannot read or write marks.
 *   A custom header plus `application/json` also means no cross-origin form can post without a preflight,
 *   which this server never grants.
 * - The Host header must name the loopback address (no DNS rebinding).
 * - Only the ledger's video files and their posters are served, nothing else from the folder, and only to a
 *   request with the token (`?token=`, or the per-port cookie the page sets: HttpOnly, SameSite=Strict), never
 *   through a link anywhere in the path (`.posters/` or a take's subfolder replaced by a link is not followed).
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const { outDir } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  let writing: Promise<unknown> = Promise.resolve();
  // What may be served besides the page: the ledger's videos and posters, refreshed each time the page is.
  let media = mediaPaths(await readLedger(outDir));
  const tokenOk = (given: string | null | undefined): boolean => {
    const a = Buffer.from(given ?? '');
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof PaiwoError ? 400 : 500;
      if (!res.headersSent) send(res, status, 'text/plain; charset=utf-8', error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });

  // Per port: a browser sends a host's cookies to every port of it, so each review server has its own.
  const cookieName = (): string => `paiwo-review-${port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'text/plain', 'wrong Host: open the URL paiwo-batch review printed');
    const url = new URL(req.url ?? '/', `http://${host}`);
    // The page links its icon inline; a browser that asks anyway gets it (no 404 in the console). Not a secret.
    if (url.pathname === '/favicon.ico' && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 200, 'image/svg+xml', FAVICON_SVG, { 'cache-control': 'max-age=86400' });
    if (url.pathname === '/' && req.method === 'GET') {
      if (!tokenOk(url.searchParams.get('token'))) return send(res, 403, 'text/plain', 'missing or wrong token: open the URL paiwo-batch review printed');
      const ledger = await readLedger(outDir);
      media = mediaPaths(ledger);
      const page = await buildReportPage(outDir, ledger, { review: true, secrets: options.secrets });
      // The page's videos and posters are plain <video>/<img> requests: they carry the token in this cookie.
      const cookie = `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`;
      return send(res, 200, 'text/html; charset=utf-8', page, { 'cache-control': 'no-store', 'set-cookie': cookie });
    }
    if (url.pathname === '/picks') {
      if (!tokenOk(req.headers['x-paiwo-token'] as string | undefined)) return send(res, 403, 'text/plain', 'missing or wrong token');
      if (req.method === 'GET') return send(res, 200, 'application/json', JSON.stringify((await readPicks(outDir)) ?? emptyPicks()));
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'GET or POST');
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, 'text/plain', 'expected application/json');
      const body = await readBody(req, PICKS_BODY_MAX);
      if (body === null) return send(res, 413, 'text/plain', `picks larger than ${PICKS_BODY_MAX} bytes`, { connection: 'close' });
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        return send(res, 400, 'text/plain', 'not JSON');
      }
      const picks = parsePicks(value, 'the posted picks');
      // One write at a time: the atomic writer uses one temp name per process.
      const done = writing.then(() => writePicks(outDir, picks));
      writing = done.catch(() => undefined);
      const path = await done;
      return send(res, 200, 'application/json', JSON.stringify({ ok: true, path, takes: Object.keys(picks.takes).length }));
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      let rel: string;
      try {
        rel = decodeURIComponent(url.pathname.slice(1));
      } catch {
        return send(res, 404, 'text/plain', 'not found');
      }
      if (!tokenOk(url.searchParams.get('token')) && !tokenOk(cookieOf(req, cookieName()))) return send(res, 403, 'text/plain', 'missing or wrong token: open the URL paiwo-batch review printed');
      if (!media.has(rel)) return send(res, 404, 'text/plain', 'not found');
      return serveMedia(outDir, rel, mediaType(rel), req, res);
    }
    return send(res, 405, 'text/plain', 'method not allowed');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The relative paths the server may send: each succeeded take's video (inside the folder) and its poster, every take's source images. */
function mediaPaths(ledger: Ledger): Set<string> {
  const paths = new Set<string>();
  for (const job of ledger.jobs) {
    // Every take's source images (copies in .sources/), whatever became of the take.
    for (const source of takeSources(job) ?? []) if (source[2]?.startsWith(`${SOURCES_DIR}/`)) paths.add(source[2]);
    if (job.status !== 'succeeded' || relativeFileUrl(job.file) === null || job.file === PICKS_FILE) continue;
    paths.add(job.file);
    for (const poster of [posterPath(job.id), smallPosterPath(job.id)]) if (poster) paths.add(poster);
  }
  return paths;
}

/** A cookie's value from the request's Cookie header, or null. */
function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * The file at `rel` inside `outDir` when no part of that path is a link (a `.posters/` or a take's subfolder
 * replaced by a link to elsewhere is not followed), opened without following one; null otherwise.
 */
async function openInside(outDir: string, rel: string): Promise<{ fd: FileHandle; size: number } | null> {
  const parts = rel.split('/');
  let path = outDir;
  for (const part of parts) {
    path = join(path, part);
    const info = await lstat(path).catch(() => null);
    if (!info || info.isSymbolicLink()) return null;
  }
  const fd = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!fd) return null;
  const info = await fd.stat();
  // Still the file that was checked (no part was swapped for a link meanwhile).
  const real = await realpath(path).catch(() => null);
  if (!info.isFile() || real !== join(await realpath(outDir), ...parts)) {
    await fd.close();
    return null;
  }
  return { fd, size: info.size };
}

function mediaType(rel: string): string {
  if (rel.endsWith('.jpg')) return 'image/jpeg';
  if (rel.endsWith('.png')) return 'image/png';
  if (rel.endsWith('.webp')) return 'image/webp';
  return 'video/mp4';
}

/** One file, never through a link; Range requests are honoured (a browser seeks a video with them). */
async function serveMedia(outDir: string, rel: string, type: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const opened = await openInside(outDir, rel);
  if (!opened) return send(res, 404, 'text/plain', 'not found');
  try {
    await sendFile(opened.fd, { size: opened.size }, type, req, res);
  } catch (error) {
    await opened.fd.close().catch(() => undefined);
    throw error;
  }
}

async function sendFile(fd: FileHandle, info: { size: number }, type: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = info.size - 1;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
    } else start = Math.max(0, info.size - Number(range[2]));
    if (start > end || start >= info.size) {
      await fd.close();
      res.writeHead(416, { 'content-range': `bytes */${info.size}` });
      res.end();
      return;
    }
  }
  const partial = range !== null && (range[1] !== '' || range[2] !== '');
  res.writeHead(partial ? 206 : 200, {
    'content-type': type,
    'content-length': String(end - start + 1),
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
    ...(partial ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
  });
  if (req.method === 'HEAD' || info.size === 0) {
    await fd.close();
    res.end();
    return;
  }
  fd.createReadStream({ start, end, autoClose: true }).on('error', () => res.destroy()).pipe(res);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !over) {
        over = true;
        resolve(null);
        req.resume();
      } else if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(body);
}
