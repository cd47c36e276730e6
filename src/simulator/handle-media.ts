/** `GET|HEAD /media/...`: the CDN side. Real MP4 bytes, Range support, and the media faults. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assetChunks, type MediaAsset } from './media-library.js';
import { takeKey as takeKeyOf } from './render-take.js';
import { htmlErrorText, gatewayErrorText, sendJson, sendText } from './responses.js';
import { pump, resetConnection } from './send-stream.js';
import type { SimContext } from './sim-context.js';
import { takeSpecOf } from './render-take.js';
import type { SimVideo } from './sim-video.js';

const TOKEN = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_seed\d+\.mp4$/;
const LIE_EXTRA_BYTES = 1024 * 1024;

function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  sendText(res, status, 'application/xml', `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`);
}

type Mode = 'normal' | 'truncate' | 'stall' | 'lying' | 'slow';

export async function handleMedia(ctx: SimContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const { state, plan, options, media } = ctx;
  state.mediaRequests++;
  const m = TOKEN.exec(path);
  const entry = m ? state.tokens.get(m[1]!) : undefined;
  if (!entry) return sendXmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
  const video = entry.video;
  video.mediaRequests++;
  const now = performance.now();
  state.drain(now);
  if (video.status !== 1) return sendXmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');

  if (plan.inOutage('media', state.accepted)) return sendText(res, 502, 'text/html', htmlErrorText(502));
  if (plan.fires('reset-before', 'media')) return resetConnection(req.socket);
  if (plan.fires('429', 'media')) {
    return sendJson(res, 429, gatewayErrorText('RateLimitReached', 'too many requests', ctx.nextRequestId()), { 'Retry-After': String(options.retryAfterSeconds) });
  }
  if (plan.fires('429-no-retry-after', 'media')) return sendJson(res, 429, gatewayErrorText('RateLimitReached', 'too many requests', ctx.nextRequestId()));
  for (const status of [500, 502] as const) {
    if (plan.fires(`html-${status}`, 'media')) return sendText(res, status, 'text/html', htmlErrorText(status));
  }
  if (plan.fires('redirect-scheme', 'media')) {
    res.writeHead(302, { Location: 'file:///etc/passwd', 'Content-Length': '0' });
    return void res.end();
  }
  if (/%2f/i.test(path) && plan.fires('encoded-url', 'media')) return sendXmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
  if (now - entry.validFrom > options.mediaTtlMs && plan.fires('expire-media', 'media')) {
    return sendXmlError(res, 403, 'AccessDenied', 'Request has expired');
  }

  const { quality, aspect_ratio } = video.request;
  const take = plan.fires('oversize-media', 'media') ? media.asset(quality, aspect_ratio, video.hasAudio, options.oversizeMediaBytes) : videoAsset(ctx, video);
  // Only a take still being rendered is waited for; every other answer starts in the same tick, as before.
  const asset = take instanceof Promise ? await take : take;
  const mode: Mode = plan.fires('truncate-media', 'media')
    ? 'truncate'
    : plan.fires('stall', 'media')
      ? 'stall'
      : plan.fires('lying-length', 'media')
        ? 'lying'
        : plan.fires('slow-media', 'media')
          ? 'slow'
          : 'normal';
  await serveAsset(ctx, req, res, asset, mode);
}

/**
 * What a finished video's URL serves: its rendered take, else (no ffmpeg, `largeMediaBytes`) the shipped clip of
 * its size, padded when asked.
 */
export function videoAsset(ctx: SimContext, video: SimVideo): MediaAsset | Promise<MediaAsset> {
  const { media, options, takes } = ctx;
  const clip = (): MediaAsset => media.asset(video.request.quality, video.request.aspect_ratio, video.hasAudio, options.largeMediaBytes);
  if (!takes || options.largeMediaBytes !== undefined) return clip();
  const spec = takeSpecOf(video.request, video.seed, video.width, video.height, video.hasAudio, ctx.state.uploads.imageOf(video.request));
  return takes.take(spec).then((bytes) => (bytes ? media.takeAsset(takeKeyOf(spec), bytes) : clip()));
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; `undefined` = ignore the header (RFC 9110), `null` = unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return null;
    return { start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return null;
  return { start, end };
}

async function serveAsset(ctx: SimContext, req: IncomingMessage, res: ServerResponse, asset: MediaAsset, mode: Mode): Promise<void> {
  const range = parseRange(req.headers.range, asset.size);
  if (range === null) {
    res.writeHead(416, { 'Content-Range': `bytes */${asset.size}`, 'Content-Length': '0' });
    return void res.end();
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? asset.size;
  const length = end - start;
  const headers: Record<string, string> = {
    'Content-Type': 'video/mp4',
    'Accept-Ranges': 'bytes',
    'Content-Length': String(mode === 'lying' ? length + LIE_EXTRA_BYTES : length),
  };
  if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${asset.size}`;
  if (mode === 'lying') headers.Connection = 'close';
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') return void res.end();

  if (mode === 'slow') return trickle(res, asset, start, end, 1_000 * ctx.options.timeScale);
  const sendUpTo = mode === 'truncate' || mode === 'stall' ? start + Math.floor(length / 2) : end;
  const state = ctx.state;
  const complete = await pump(res, assetChunks(asset, start, sendUpTo), (n) => {
    state.mediaBytes += n;
  });
  if (!complete) return;
  if (mode === 'truncate') return resetConnection(req.socket);
  if (mode === 'stall') return; // headers and half the body, then silence; close() ends the socket
  res.end();
}

/** The slow-media fault: one byte per `everyMs` until the client gives up (the body would take hours). */
function trickle(res: ServerResponse, asset: MediaAsset, start: number, end: number, everyMs: number): void {
  const chunks = assetChunks(asset, start, end)[Symbol.iterator]();
  let pending: Buffer = Buffer.alloc(0);
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    if (pending.length === 0) {
      const next = chunks.next();
      if (next.done) {
        clearInterval(timer);
        return void res.end();
      }
      pending = next.value;
    }
    res.write(pending.subarray(0, 1));
    pending = pending.subarray(1);
  }, Math.max(1, everyMs));
  timer.unref();
  res.on('close', () => clearInterval(timer));
}
