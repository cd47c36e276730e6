/** `POST /v1/responses`: auth, model routing and gateway faults, then the submit or the fetch operation. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FETCH_MODEL, UPLOAD_FAMILIES, capabilitiesOf, type UploadFamily } from '../model/capabilities.js';
import type { FaultOp } from './fault-spec.js';
import { readBody } from './read-body.js';
import { businessErrorText, fetchSuccessText, flatSubmitSuccessText, gatewayErrorText, isoSeconds, sendHtml, sendJson, submitSuccessText, uploadSuccessText } from './responses.js';
import { pump, resetConnection } from './send-stream.js';
import type { SimContext } from './sim-context.js';
import { isModerated, type SimVideo } from './sim-video.js';
import { takeSpecOf } from './render-take.js';
import { validateSubmit } from './validate-submit.js';

/** Where a media URL points: shaped like the sample's (A.2), served by the same server. */
export function mediaUrl(ctx: SimContext, video: SimVideo): string {
  return `${ctx.baseUrl}/media/pixverse%2Fmp4%2Fmedia%2Fweb%2Fori%2F${video.token}_seed${video.seed}.mp4`;
}

/** The key's own value from `Authorization: <key>` or `Authorization: Bearer <key>` (B.6). */
function keyOf(header: string | undefined): string {
  const value = (header ?? '').trim();
  const m = /^Bearer\s+(.*)$/i.exec(value);
  return (m ? m[1]! : value).trim();
}

const UNKNOWN_STATUSES = [2, 3, 9] as const;

/** The key-in-url fault: a gateway that puts the caller's Authorization header into the media URL's path and query. */
function keyInUrl(ctx: SimContext, url: string, authorization: string): string {
  const tail = url.slice(`${ctx.baseUrl}/media/`.length);
  return `${ctx.baseUrl}/media/echo/${encodeURIComponent(authorization)}/${tail}?auth=${encodeURIComponent(keyOf(authorization))}`;
}

export async function handleApi(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await readBody(req);
  const rid = ctx.nextRequestId();
  // Every DMXAPI answer carries its request id in this header (contract B.9).
  res.setHeader('X-Rixapi-Request-Id', rid);
  if (text === undefined) return sendJson(res, 413, gatewayErrorText('request_too_large', 'request body too large', rid));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return sendJson(res, 400, gatewayErrorText('invalid_request', 'request body is not valid JSON', rid));
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return sendJson(res, 400, gatewayErrorText('invalid_request', 'request body must be a JSON object', rid));
  }
  const fields = body as Record<string, unknown>;
  const model = fields.model;
  const op: FaultOp | undefined = model === FETCH_MODEL ? 'fetch' : typeof model === 'string' && capabilitiesOf(model) ? 'submit' : undefined;
  const uploadFamily = (UPLOAD_FAMILIES as readonly unknown[]).includes(model) ? (model as UploadFamily) : undefined;
  const { state, plan, options } = ctx;
  const reject = (status: number, errText: string, headers?: Record<string, string>): void => {
    if (op === 'submit') state.rejected++;
    sendJson(res, status, errText, headers);
  };

  // A gateway outage answers before anything else is looked at (the key included): nothing created, nothing charged.
  // An upload is a free call like a fetch: the gateway's outage answers it the same way.
  const outageOp: FaultOp | undefined = op ?? (uploadFamily ? 'fetch' : undefined);
  if (outageOp !== undefined && plan.inOutage(outageOp, state.accepted)) {
    if (op === 'submit') state.rejected++;
    return sendHtml(res, 502);
  }
  const key = keyOf(req.headers.authorization);
  if (key === '' || (options.apiKey !== undefined && key !== options.apiKey)) return reject(401, gatewayErrorText('invalid_api_key', 'Invalid Token', rid));
  // Uploads are free and take no fault of their own (the fault table is about submits, fetches and media).
  if (uploadFamily) return handleUpload(ctx, res, uploadFamily, fields);
  if (op === undefined) {
    return reject(503, gatewayErrorText('model_not_found', `No available channel for model ${String(model)} under the current group`, rid));
  }

  if (plan.fires('reset-before', op)) return resetConnection(req.socket);
  if (plan.fires('401', op)) return reject(401, gatewayErrorText('invalid_api_key', 'Invalid Token', rid));
  if (plan.fires('403', op)) return reject(403, gatewayErrorText('insufficient_user_quota', 'token quota is not enough or key group is disabled', rid));
  if (plan.fires('503-model-not-found', op)) {
    return reject(503, gatewayErrorText('model_not_found', `No available channel for model ${String(model)} under the current group`, rid));
  }
  if (plan.fires('429', op)) {
    return reject(429, gatewayErrorText('RateLimitReached', '当前分组上游负载已饱和,请稍后再试', rid), { 'Retry-After': String(options.retryAfterSeconds) });
  }
  if (plan.fires('429-no-retry-after', op)) return reject(429, gatewayErrorText('RateLimitReached', '当前分组上游负载已饱和,请稍后再试', rid));
  for (const status of [500, 502] as const) {
    if (plan.fires(`html-${status}`, op)) {
      if (op === 'submit') state.rejected++;
      return sendHtml(res, status);
    }
  }
  for (const code of [500069, 99999] as const) {
    if (plan.fires(String(code) as '500069' | '99999', op)) return reject(200, businessErrorText(code));
  }
  if (op === 'fetch') return handleFetch(ctx, req, res, fields);
  return handleSubmit(ctx, req, res, fields, reject);
}

function handleSubmit(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
  reject: (status: number, text: string) => void,
): void {
  const { state, plan, options } = ctx;
  // C1 refuses "fast" at the gateway, HTTP 400 (DMXAPI-FAMILY.md §8), before any other check.
  if (body.model === 'PixVerse-C1' && body.motion_mode === 'fast') {
    return reject(400, gatewayErrorText('pixverse_c1_400017', 'motion_mode:fast is only supported for models v3.5, v4, and v4.5.', String(res.getHeader('X-Rixapi-Request-Id') ?? '')));
  }
  const checked = validateSubmit(body);
  if (!checked.ok) return reject(200, businessErrorText(checked.errCode, checked.detail));
  const request = checked.request;
  const imageRefused = state.uploads.check(request);
  if (imageRefused) return reject(200, businessErrorText(imageRefused.errCode, imageRefused.detail));
  if (isModerated(request.input, options.submitModerationWords)) return reject(200, businessErrorText(500054));

  const now = performance.now();
  state.drain(now);
  if (plan.fires('500044', 'submit') || state.inFlight >= options.concurrency) return reject(200, businessErrorText(500044));
  const credits = state.creditsFor(request);
  if (plan.fires('500090', 'submit') || (state.balance !== null && state.balance < credits)) return reject(200, businessErrorText(500090));

  const video = state.accept(request, body, now, {
    // Both drawn (each counts its firings); either fails the generation.
    fail: [plan.fires('fail-generation', 'submit'), plan.fires('fail-every-job', 'submit')].some(Boolean),
    slow: plan.fires('slow-generation', 'submit'),
    stuck: plan.fires('stuck-generation', 'submit'),
    overcharge: plan.fires('overcharge', 'submit'),
    hideCharge: plan.fires('zero-charge', 'submit'),
    refundAboveCharge: plan.fires('refund-above-charge', 'submit'),
  });
  // Its take is encoded while it "generates", so the download rarely waits for it.
  if (ctx.takes && video.outcome === 1 && options.largeMediaBytes === undefined) {
    void ctx.takes.take(takeSpecOf(video.request, video.seed, video.width, video.height, video.hasAudio, state.uploads.imageOf(video.request)));
  }
  // The ambiguous cases: the video exists and is paid for, but the client cannot know.
  if (plan.fires('504-after-charge', 'submit')) return sendHtml(res, 504);
  if (plan.fires('500-after-charge', 'submit')) {
    return sendJson(res, 500, gatewayErrorText('upstream_error', 'upstream returned an error after accepting the task', String(res.getHeader('X-Rixapi-Request-Id') ?? '')));
  }
  if (plan.fires('reset-after', 'submit')) return resetConnection(req.socket);
  if (plan.fires('stall', 'submit')) return;
  // PixVerse-V6 answers flat (DMXAPI-FAMILY.md §11); every other model in the envelope.
  sendJson(res, 200, request.model === 'PixVerse-V6' ? flatSubmitSuccessText(video.id, video.reportedCredits) : submitSuccessText(video.id, video.reportedCredits));
}

function handleUpload(ctx: SimContext, res: ServerResponse, family: UploadFamily, body: Record<string, unknown>): void {
  const result = ctx.state.uploads.upload(family, body, ctx.baseUrl, ctx.options.submitModerationWords);
  if ('errCode' in result) return sendJson(res, 200, businessErrorText(result.errCode, result.detail));
  sendJson(res, 200, uploadSuccessText(result.imgId, result.imgUrl));
}

async function handleFetch(ctx: SimContext, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const { state, plan, options } = ctx;
  state.fetches++;
  const input = body.input;
  if (input === undefined || input === null || input === '') return sendJson(res, 200, businessErrorText(400011, 'input is required'));
  // The id must be a string (A.2); a number is refused rather than silently rounded.
  if (typeof input !== 'string' || !/^\d{1,30}$/.test(input)) return sendJson(res, 200, businessErrorText(400017, 'input must be the video id as a string'));
  const now = performance.now();
  state.drain(now);
  const video = state.videos.get(input);
  if (!video) return sendJson(res, 200, businessErrorText(500008));
  video.fetches++;

  if (plan.fires('reset-after', 'fetch')) return resetConnection(req.socket);
  if (plan.fires('stall', 'fetch')) return;
  if (plan.fires('huge-json', 'fetch')) return sendHugeJson(ctx, res, video);

  let status = video.status;
  if (plan.fires('unknown-status', 'fetch')) status = UNKNOWN_STATUSES[(plan.counts['unknown-status']! - 1) % UNKNOWN_STATUSES.length]!;
  let done = status === 1;
  let url = '';
  if (done) {
    video.detectedAtMs ??= Date.now();
    if (now - video.tokenValidFrom > options.mediaTtlMs) state.renewToken(video, now);
    url = plan.fires('bad-url', 'fetch') ? 'file:///etc/passwd' : mediaUrl(ctx, video);
    if (plan.fires('key-in-url', 'fetch')) url = keyInUrl(ctx, url, req.headers.authorization ?? '');
    if (plan.fires('done-no-url', 'fetch')) {
      url = '';
      done = false; // status 1 without url and dimensions: not done yet (B.9)
    }
  } else if (status !== 7 && status !== 8) {
    url = mediaUrl(ctx, video); // present while generating, but not served yet (B.1)
  }
  const created = isoSeconds(video.createdAtMs);
  sendJson(
    res,
    200,
    fetchSuccessText({
      id: video.id,
      prompt: video.request.input,
      negativePrompt: video.request.negative_prompt ?? '',
      url,
      status,
      seed: video.seed,
      createTime: created,
      modifyTime: video.finishedAtMs !== null && video.status !== 5 ? isoSeconds(video.finishedAtMs) : created,
      width: done ? video.width : 0,
      height: done ? video.height : 0,
      hasAudio: done ? video.hasAudio : false,
      // At status 7 `credits` is the refund (B.1): the charge, unless a fault reports another.
      credits: status === 7 && video.reportedRefund !== null ? video.reportedRefund : video.reportedCredits,
    }),
  );
}

const FILLER = Buffer.alloc(256 * 1024, 'a');

/** A valid but enormous fetch answer, streamed (chunked) so the simulator never holds it. */
async function sendHugeJson(ctx: SimContext, res: ServerResponse, video: SimVideo): Promise<void> {
  const head = Buffer.from(`{"ErrCode":0,"ErrMsg":"Success","Resp":{"id":${video.id},"prompt":"`);
  const tail = Buffer.from(`","status":5}}`);
  const fill = Math.max(0, ctx.options.hugeJsonBytes - head.length - tail.length);
  function* chunks(): Generator<Buffer> {
    yield head;
    for (let left = fill; left > 0; left -= FILLER.length) yield left >= FILLER.length ? FILLER : FILLER.subarray(0, left);
    yield tail;
  }
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  if (await pump(res, chunks(), () => {})) res.end();
}
