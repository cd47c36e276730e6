import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../../src/download/download-error.js';
import { discardPart, type DownloadMemo } from '../../src/download/part.js';
import { downloadVideo, type DownloadOptions } from '../../src/download/download-video.js';
import { startHttpServer, type TestServer } from '../api/test-server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** A signed-URL token stands in for anything secret in a media URL: it must never reach an error message. */
const TOKEN = 'tok-SECRET-9f8e7d6c5b4a';
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), randomBytes(300 * 1024 - 12)]);
const MP4_SHA = createHash('sha256').update(MP4).digest('hex');

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Route>();
const seenRanges: Array<string | undefined> = [];
const seenIfRange: Array<string | undefined> = [];
const seenPaths: string[] = [];
const seenErrors: unknown[] = [];
let server: TestServer;
let dir: string;

/** Serves MP4 with Range support, like a CDN. */
const serveRange =
  (body: Buffer): Route =>
  (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Type': 'video/mp4', 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(start));
    } else {
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': body.length });
      res.end(body);
    }
  };

/** Declares the full length, sends `sent` bytes, then cuts the connection. */
const serveTruncated =
  (body: Buffer, sent: number): Route =>
  (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': body.length });
    res.write(body.subarray(0, sent), () => setTimeout(() => res.socket?.destroy(), 20));
  };

function urlOf(path: string): string {
  return `${server.url}${path}?token=${TOKEN}`;
}

async function download(path: string, options: Partial<DownloadOptions> = {}): Promise<{ dest: string; result: Awaited<ReturnType<typeof downloadVideo>> }> {
  const dest = join(dir, `${path.replace(/\W/g, '_')}.mp4`);
  const result = await downloadVideo({ url: urlOf(path), dest, attempts: 1, ...options });
  return { dest, result };
}

async function downloadFailure(path: string, options: Partial<DownloadOptions> = {}): Promise<{ error: DownloadError; dest: string }> {
  const dest = join(dir, `${path.replace(/\W/g, '_')}.mp4`);
  const error = await downloadVideo({ url: urlOf(path), dest, attempts: 1, ...options }).then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  seenErrors.push(error);
  expect(error).toBeInstanceOf(DownloadError);
  return { error: error as DownloadError, dest };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  dir = await makeTempDir('download');
  server = await startHttpServer((req, res) => {
    seenRanges.push(req.headers.range);
    seenIfRange.push(req.headers['if-range'] as string | undefined);
    seenPaths.push(new URL(req.url ?? '/', 'http://x').pathname);
    const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (route) route(req, res);
    else res.writeHead(404).end('not found');
  });
});
afterEach(() => {
  routes.clear();
  seenRanges.length = 0;
  seenIfRange.length = 0;
  seenPaths.length = 0;
});
afterAll(async () => {
  await server.close();
  await removeTempDir(dir);
  expect(seenErrors.length).toBeGreaterThan(10);
  for (const error of seenErrors) expect(String((error as Error).message)).not.toContain(TOKEN);
});

describe('downloadVideo', () => {
  it('streams to a temp file, hashes, renames; the file has no executable bit', async () => {
    routes.set('/ok.mp4', serveRange(MP4));
    const progress: number[] = [];
    const { dest, result } = await download('/ok.mp4', { onProgress: (b) => progress.push(b) });
    expect(result).toEqual({ bytes: MP4.length, sha256: MP4_SHA });
    expect((await readFile(dest)).equals(MP4)).toBe(true);
    expect(await exists(`${dest}.part`)).toBe(false);
    expect(progress.at(-1)).toBe(MP4.length);
    const mode = (await stat(dest)).mode & 0o777;
    expect(mode & 0o111).toBe(0);
    expect(mode).toBe(0o666 & ~process.umask());
  });

  it('follows a redirect to http(s)', async () => {
    routes.set('/ok.mp4', serveRange(MP4));
    routes.set('/hop', (_req, res) => res.writeHead(302, { Location: '/ok.mp4' }).end());
    expect((await download('/hop')).result.sha256).toBe(MP4_SHA);
  });

  it('a lying Content-Length is an error, not a short file; the .part is kept for the next try until discarded', async () => {
    routes.set('/lying.mp4', serveTruncated(MP4, 100 * 1024));
    const { error, dest } = await downloadFailure('/lying.mp4');
    expect(error).toMatchObject({ kind: 'truncated', retryable: true });
    expect(error.message).toContain(`${100 * 1024} of ${MP4.length}`);
    expect(await exists(dest)).toBe(false);
    expect(await exists(`${dest}.part`)).toBe(true);
    await discardPart(dest);
    expect(await exists(`${dest}.part`)).toBe(false);
  });

  it('resumes a .part with Range and hashes the whole file', async () => {
    routes.set('/resume.mp4', serveRange(MP4));
    const dest = join(dir, 'resumed.mp4');
    await writeFile(`${dest}.part`, MP4.subarray(0, 123_457));
    const result = await downloadVideo({ url: urlOf('/resume.mp4'), dest });
    expect(seenRanges).toEqual(['bytes=123457-']);
    expect(result).toEqual({ bytes: MP4.length, sha256: MP4_SHA });
    expect((await readFile(dest)).equals(MP4)).toBe(true);
  });

  it('retries a cut download by resuming where it stopped', async () => {
    let calls = 0;
    const full = serveRange(MP4);
    routes.set('/flaky.mp4', (req, res) => (++calls === 1 ? serveTruncated(MP4, 200_000)(req, res) : full(req, res)));
    const { result } = await download('/flaky.mp4', { attempts: 3 });
    expect(result.sha256).toBe(MP4_SHA);
    // The second try asks for what the .part lacks. Node drops what it had received but not yet handed on
    // when the socket is cut, so on a busy machine that can be a little before byte 200 000.
    expect(seenRanges).toHaveLength(2);
    expect(seenRanges[0]).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(seenRanges[1] ?? '')?.[1] ?? 0);
    expect(resumedAt).toBeGreaterThan(100_000);
    expect(resumedAt).toBeLessThanOrEqual(200_000);
  });

  it('starts over when the server ignores the Range', async () => {
    routes.set('/norange.mp4', (_req, res) => res.writeHead(200, { 'Content-Length': MP4.length }).end(MP4));
    const dest = join(dir, 'norange.mp4');
    await writeFile(`${dest}.part`, MP4.subarray(0, 5000));
    const result = await downloadVideo({ url: urlOf('/norange.mp4'), dest });
    expect(result).toEqual({ bytes: MP4.length, sha256: MP4_SHA });
  });

  it('403/404/410 mean the URL expired; a resumable .part is kept for the fresh URL', async () => {
    for (const status of [403, 404, 410]) {
      routes.set('/gone.mp4', (_req, res) => res.writeHead(status).end('<html>expired</html>'));
      const { error } = await downloadFailure('/gone.mp4', { attempts: 3 });
      expect(error).toMatchObject({ kind: 'expired', retryable: false, httpStatus: status });
    }
    const dest = join(dir, 'gone_part.mp4');
    await writeFile(`${dest}.part`, MP4.subarray(0, 1000));
    await expect(downloadVideo({ url: urlOf('/gone.mp4'), dest })).rejects.toMatchObject({ kind: 'expired' });
    expect(await exists(`${dest}.part`)).toBe(true);
  });

  it('refuses a non-http(s) URL and a redirect to file:', async () => {
    const dest = join(dir, 'scheme.mp4');
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.mp4', 'javascript:alert(1)', 'not a url']) {
      const error = await downloadVideo({ url, dest }).catch((e: unknown) => e);
      seenErrors.push(error);
      expect(error).toMatchObject({ kind: 'bad-scheme', retryable: false });
    }
    routes.set('/to-file', (_req, res) => res.writeHead(302, { Location: 'file:///etc/passwd' }).end());
    const { error, dest: d2 } = await downloadFailure('/to-file', { attempts: 3 });
    expect(error).toMatchObject({ kind: 'bad-scheme', retryable: false });
    expect(await exists(d2)).toBe(false);
  });

  it('stops after 5 redirects', async () => {
    routes.set('/loop', (_req, res) => res.writeHead(302, { Location: '/loop' }).end());
    const { error } = await downloadFailure('/loop');
    expect(error.kind).toBe('http');
    expect(seenRanges).toHaveLength(6);
  });

  it('refuses a body over maxBytes, announced or not; no .part is left', async () => {
    routes.set('/big.mp4', serveRange(MP4));
    const announced = await downloadFailure('/big.mp4', { maxBytes: 100_000 });
    expect(announced.error).toMatchObject({ kind: 'too-large', retryable: false });
    expect(await exists(`${announced.dest}.part`)).toBe(false);
    routes.set('/chunked.mp4', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'video/mp4' }); // no Content-Length: chunked
      res.end(MP4);
    });
    const streamed = await downloadFailure('/chunked.mp4', { maxBytes: 100_000, attempts: 3 });
    expect(streamed.error).toMatchObject({ kind: 'too-large' });
    expect(await exists(`${streamed.dest}.part`)).toBe(false);
  });

  it('refuses what is not an MP4; no .part is left', async () => {
    routes.set('/page.mp4', (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<html>${'x'.repeat(100_000)}</html>`));
    const { error, dest } = await downloadFailure('/page.mp4', { attempts: 3 });
    expect(error).toMatchObject({ kind: 'not-mp4', retryable: false });
    expect(await exists(`${dest}.part`)).toBe(false);
    routes.set('/tiny.mp4', (_req, res) => res.writeHead(200).end('abc'));
    expect((await downloadFailure('/tiny.mp4')).error.kind).toBe('not-mp4');
  });

  it('5xx is retryable; after the last attempt no file and no empty part is left on disk', async () => {
    routes.set('/busy.mp4', (_req, res) => res.writeHead(503).end());
    const { error } = await downloadFailure('/busy.mp4', { attempts: 2 });
    expect(error).toMatchObject({ kind: 'http', retryable: true, httpStatus: 503 });
    expect(seenRanges).toHaveLength(2);
    expect((await readdir(dir)).filter((f) => f.startsWith('_busy'))).toEqual([]);
  });

  it('a body trickling in (a byte at a time, never idle long) is cut at the minimum throughput, retried, and ends', async () => {
    // Before: only an idle timeout, which a byte every few seconds never trips, so the run never ended.
    const trickles: http.ServerResponse[] = [];
    routes.set('/trickle.mp4', (req, res) => {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, { 'Content-Length': MP4.length - start, ...(m && { 'Content-Range': `bytes ${start}-${MP4.length - 1}/${MP4.length}` }) });
      let at = start;
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(MP4.subarray(at, ++at))), 20);
      res.on('close', () => clearInterval(timer));
      trickles.push(res);
    });
    const { error, dest } = await downloadFailure('/trickle.mp4', { attempts: 2, timeoutMs: 300, minBytesPerSecond: 1000 });
    expect(error).toMatchObject({ kind: 'slow', retryable: true, code: 'DOWNLOAD_SLOW' });
    expect(error.message).toContain('below the minimum throughput');
    // The second try resumed what the first had received instead of starting again at byte 0.
    expect(seenRanges).toHaveLength(2);
    expect(seenRanges[0]).toBeUndefined();
    expect(seenRanges[1]).toMatch(/^bytes=[1-9]\d*-$/);
    expect(await exists(`${dest}.part`)).toBe(true);
    for (const r of trickles) r.destroy();
  });

  it('a failed download resumes from the .part across separate calls; If-Range carries the ETag first seen', async () => {
    let calls = 0;
    const full = serveRange(MP4);
    routes.set('/etag.mp4', (req, res) => {
      res.setHeader('ETag', '"v1"');
      if (++calls === 1) serveTruncated(MP4, 150_000)(req, res);
      else full(req, res);
    });
    const memo: DownloadMemo = {};
    const { error, dest } = await downloadFailure('/etag.mp4', { memo });
    expect(error.kind).toBe('truncated');
    expect(memo).toEqual({ total: MP4.length, etag: '"v1"' });
    const result = await downloadVideo({ url: urlOf('/etag.mp4'), dest, attempts: 1, memo });
    expect(result).toEqual({ bytes: MP4.length, sha256: MP4_SHA });
    expect(seenRanges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(seenRanges[1]!)![0])).toBeGreaterThan(50_000);
    expect(seenIfRange[1]).toBe('"v1"');
  });

  it('a .part is given up only when the server proves it cannot resume: another total starts over', async () => {
    const other = Buffer.concat([MP4.subarray(0, 12), randomBytes(MP4.length + 999 - 12)]);
    routes.set('/changed.mp4', serveRange(other));
    const dest = join(dir, 'changed.mp4');
    await writeFile(`${dest}.part`, MP4.subarray(0, 40_000));
    const memo: DownloadMemo = { total: MP4.length };
    const result = await downloadVideo({ url: urlOf('/changed.mp4'), dest, attempts: 2, memo });
    expect(seenRanges).toEqual(['bytes=40000-', undefined]);
    expect(result.bytes).toBe(other.length);
    expect((await readFile(dest)).equals(other)).toBe(true);
  });

  it('a media URL with %2F-encoded slashes that answers 404 is tried decoded before giving up as expired', async () => {
    routes.set('/media/pixverse/mp4/v.mp4', serveRange(MP4));
    const dest = join(dir, 'encoded.mp4');
    const result = await downloadVideo({ url: `${server.url}/media/pixverse%2Fmp4%2Fv.mp4?token=${TOKEN}`, dest, attempts: 1 });
    expect(result.sha256).toBe(MP4_SHA);
    expect(seenPaths).toEqual(['/media/pixverse%2Fmp4%2Fv.mp4', '/media/pixverse/mp4/v.mp4']);
    // Refused in both forms: expired, after exactly two requests.
    routes.clear();
    seenPaths.length = 0;
    const { error } = await downloadFailure('/x%2Fy.mp4', { attempts: 3 });
    expect(error.kind).toBe('expired');
    expect(seenPaths).toEqual(['/x%2Fy.mp4', '/x/y.mp4']);
  });

  it('a stalled body hits the idle timeout', async () => {
    routes.set('/stall.mp4', (_req, res) => {
      res.writeHead(200, { 'Content-Length': MP4.length });
      res.write(MP4.subarray(0, 1000));
    });
    const { error, dest } = await downloadFailure('/stall.mp4', { timeoutMs: 300 });
    expect(['truncated', 'network', 'slow']).toContain(error.kind);
    expect(error.retryable).toBe(true);
    // What arrived is kept for the next try to resume.
    expect((await stat(`${dest}.part`)).size).toBe(1000);
  });

  it('an abort keeps the .part for the next run and rejects with the reason', async () => {
    routes.set('/slow.mp4', (_req, res) => {
      res.writeHead(200, { 'Content-Length': MP4.length });
      res.write(MP4.subarray(0, 50_000));
    });
    const controller = new AbortController();
    const reason = new Error('ctrl+c');
    const dest = join(dir, 'aborted.mp4');
    const pending = downloadVideo({ url: urlOf('/slow.mp4'), dest, signal: controller.signal, onProgress: () => controller.abort(reason) });
    await expect(pending).rejects.toBe(reason);
    expect(await exists(dest)).toBe(false);
    expect(await exists(`${dest}.part`)).toBe(true);
  });
});
