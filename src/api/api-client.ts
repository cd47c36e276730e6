import http from 'node:http';
import https from 'node:https';
import { UserError } from '../errors/paiwo-error.js';
import { FETCH_MODEL, type SubmitRequest, type UploadFamily } from '../model/capabilities.js';
import { estimateCredits } from '../model/prices.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { VERSION } from '../util/version.js';
import { ApiError, type ApiErrorInit, type ApiOperation } from './api-error.js';
import { excerpt, gatewayCodeOf, plainAnswerDetail, requestIdOf } from './answer-text.js';
import { classifyFailure, type CallFacts } from './classify-failure.js';
import { classifyErrCode } from './err-codes.js';
import { postJson, type PostJsonOutcome } from './post-json.js';
import { asRecord, field, idText, integerOf, numberOf, parseJsonText, stringOf } from './read-json.js';
import { parseRetryAfter } from './retry-after.js';
import { readVideoStatus, type VideoStatus } from './video-status.js';
import { redact } from '../util/redact.js';

export interface ApiClientOptions {
  /** e.g. https://www.dmxapi.cn or the simulator's http://127.0.0.1:PORT; the path /v1/responses is appended. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; never logged, never in an error message. */
  readonly apiKey: string;
  /** Per-call deadline for the whole response (headers + body). @default ApiClient.DEFAULT_TIMEOUT_MS (60 s) */
  readonly timeoutMs?: number;
  /** Largest JSON response body accepted. @default 1 MiB */
  readonly maxResponseBytes?: number;
  readonly logger?: Logger;
}

export interface SubmitAccepted {
  /** The exact decimal digits from the response text. */
  readonly videoId: string;
  /** What the service charged (`Resp.credits`). */
  readonly credits: number;
  /** DMXAPI's `X-Rixapi-Request-Id` of the answer (contract B.9): what the console and support search by. */
  readonly requestId?: string;
}

export type { VideoStatus } from './video-status.js';

/** What an upload sends: the file's bytes (sent as plain base64, no `data:` prefix) or a public https URL. */
export type UploadSource = { readonly bytes: Buffer } | { readonly url: string };

export interface UploadedImage {
  /** The exact decimal digits of `Resp.img_id`. */
  readonly imgId: string;
  readonly imgUrl?: string;
  readonly requestId?: string;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The one URL of both operations (A): the `model` field selects the operation. */
export const RESPONSES_PATH = '/v1/responses';

function endpointOf(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UserError('BASE_URL_INVALID', `the API base URL "${baseUrl}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError('BASE_URL_INVALID', `the API base URL must be http(s), not ${url.protocol}`);
  }
  if (url.username || url.password) throw new UserError('BASE_URL_INVALID', 'the API base URL must not carry credentials');
  url.pathname = url.pathname.replace(/\/+$/, '') + RESPONSES_PATH;
  url.search = '';
  url.hash = '';
  return url;
}

/** A successful (ErrCode 0) envelope, handed to the operation to read its `Resp`. */
interface Accepted {
  readonly resp: Readonly<Record<string, unknown>> | undefined;
  readonly envelope: Readonly<Record<string, unknown>>;
  readonly status: number;
  readonly requestId: string | undefined;
}

/**
 * The DMXAPI paiwo endpoint: submit a generation, fetch its state. Every failure becomes an ApiError of the
 * kind classify-failure.ts decides (the kind says whether the call may be repeated); never retries by itself.
 */
export class ApiClient {
  /** The per-call deadline (headers + body) when the caller sets none; a run scales it with --time-scale. */
  static readonly DEFAULT_TIMEOUT_MS = 60_000;

  readonly #endpoint: URL;
  readonly #apiKey: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #logger: Logger;
  readonly #submitAgent: http.Agent;
  readonly #fetchAgent: http.Agent;

  constructor(options: ApiClientOptions) {
    this.#endpoint = endpointOf(options.baseUrl);
    // A header value with a line break would be an injection; the message must not show the key.
    if (!options.apiKey || !/^[\x21-\x7e]+$/.test(options.apiKey)) {
      throw new UserError('API_KEY_INVALID', 'DMXAPI_API_KEY is empty or has characters an HTTP header cannot carry (spaces, line breaks, non-ASCII)');
    }
    this.#apiKey = options.apiKey;
    this.#headers = {
      Authorization: `Bearer ${options.apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': `paiwo-batch/${VERSION}`,
    };
    this.#timeoutMs = options.timeoutMs ?? ApiClient.DEFAULT_TIMEOUT_MS;
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.#logger = options.logger ?? silentLogger;
    const Agent = this.#endpoint.protocol === 'https:' ? https.Agent : http.Agent;
    // Each submit gets a fresh connection: on a reused keep-alive socket that the server closed while idle,
    // the failure shows only after our bytes are written, which would make a submit that never arrived
    // "unknown" and hold its job. Fetches are free to repeat, so they keep their sockets.
    this.#submitAgent = new Agent({ keepAlive: false, maxSockets: 64 });
    this.#fetchAgent = new Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' });
  }

  /** POST {model: <generation model>,...}. Resolves only on ErrCode 0 or V6's flat answer with a video id (the job IS charged). Rejects with ApiError. */
  async submit(request: SubmitRequest, signal?: AbortSignal): Promise<SubmitAccepted> {
    const { resp, envelope, status, requestId } = await this.#call('submit', JSON.stringify(request), signal);
    const videoId = idText(field(resp, 'video_id')) ?? idText(field(resp, 'id'));
    if (videoId === undefined) {
      // Accepted (ErrCode 0), but without an id nothing can be polled: the submit-outcome table holds it.
      throw this.#fail('submit', { type: 'answer', status, errCode: 0, readable: true }, { code: 'BAD_RESPONSE', httpStatus: status, ...(requestId ? { requestId } : {}) }, 'ErrCode 0 but no usable Resp.video_id');
    }
    return { videoId, credits: this.#chargedCredits(request, resp, envelope, videoId), ...(requestId ? { requestId } : {}) };
  }

  /**
   * POST {model: "paiwo-picture" | "pixverse-picture", input: <base64> | "url", image_url?}. Free (0 tokens), so
   * classified like a fetch: repeating it can cost nothing. Rejects with ApiError.
   */
  async upload(family: UploadFamily, source: UploadSource, signal?: AbortSignal): Promise<UploadedImage> {
    const body = 'url' in source ? { model: family, input: 'url', image_url: source.url } : { model: family, input: source.bytes.toString('base64') };
    const { resp, status, requestId } = await this.#call('upload', JSON.stringify(body), signal);
    const imgId = idText(field(resp, 'img_id'));
    if (imgId === undefined) throw this.#fail('upload', { type: 'answer', status, errCode: 0, readable: true }, { code: 'BAD_RESPONSE', httpStatus: status }, 'ErrCode 0 but no usable Resp.img_id');
    const imgUrl = stringOf(field(resp, 'img_url'));
    return { imgId, ...(imgUrl !== undefined && { imgUrl }), ...(requestId ? { requestId } : {}) };
  }

  /** POST {model: "paiwo-get", input: videoId}. Never charges. Rejects with ApiError. */
  async fetchVideo(videoId: string, signal?: AbortSignal): Promise<VideoStatus> {
    if (!/^\d{1,40}$/.test(videoId)) throw this.#fail('fetch', { type: 'bad-input' }, { code: 'BAD_VIDEO_ID' }, `"${excerpt(videoId, 60)}" is not a video id`);
    const { resp, status } = await this.#call('fetch', JSON.stringify({ model: FETCH_MODEL, input: videoId }), signal);
    const video = readVideoStatus(resp, videoId);
    if ('problem' in video) throw this.#fail('fetch', { type: 'answer', status, errCode: 0, readable: true }, { code: 'BAD_RESPONSE', httpStatus: status }, `video ${videoId}: ${video.problem}`);
    return video;
  }

  /** Ends the keep-alive sockets. */
  close(): void {
    this.#submitAgent.destroy();
    this.#fetchAgent.destroy();
  }

  /** The charge: `Resp.credits`, else usage.total_tokens / 3000 (B.4), else the price table, logged as such. */
  #chargedCredits(request: SubmitRequest, resp: Readonly<Record<string, unknown>> | undefined, envelope: Readonly<Record<string, unknown>>, videoId: string): number {
    const credits = numberOf(field(resp, 'credits'));
    if (credits !== undefined && credits >= 0) return credits;
    const tokens = numberOf(field(asRecord(field(envelope, 'usage')), 'total_tokens'));
    const fallback = tokens !== undefined && tokens >= 0 ? tokens / 3000 : (estimateCredits(request) ?? 0);
    this.#logger.warn({ op: 'submit', videoId, credits: fallback }, 'submit answer has no Resp.credits; charge estimated');
    return fallback;
  }

  /** One call: send, read, and either hand back an ErrCode-0 envelope or throw the classified ApiError. */
  async #call(operation: ApiOperation, body: string, signal: AbortSignal | undefined): Promise<Accepted> {
    const started = performance.now();
    const outcome = await postJson({
      url: this.#endpoint,
      body,
      headers: this.#headers,
      agent: operation === 'submit' ? this.#submitAgent : this.#fetchAgent,
      timeoutMs: this.#timeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
      ...(signal ? { signal } : {}),
    });
    const ms = Math.round(performance.now() - started);
    if (outcome.type === 'response') return this.#read(operation, outcome, ms);
    this.#logger.debug({ op: operation, ms, sent: outcome.sent, ...(outcome.type === 'failure' && { code: outcome.code }) }, `api call ${outcome.type === 'aborted' ? 'aborted' : 'failed'}`);
    if (outcome.type === 'aborted') {
      // Only a submit already on the wire is the service's business (it may have been taken); else the caller's reason.
      if (!classifyFailure(operation, { type: 'aborted', sent: outcome.sent })) throw outcome.reason;
      throw this.#fail(operation, { type: 'aborted', sent: outcome.sent }, { code: 'ABORTED', cause: outcome.reason }, 'aborted after the request was sent; it may have been accepted');
    }
    const what = outcome.code === 'TIMEOUT' ? `no answer within ${this.#timeoutMs} ms` : `network error ${outcome.code}`;
    const when = operation === 'submit' ? (outcome.sent ? ' after the request was sent; it may have been accepted' : ' before the request was sent') : '';
    throw this.#fail(operation, { type: 'no-answer', code: outcome.code, sent: outcome.sent }, { code: outcome.code, cause: outcome.cause }, `${what}${when}`);
  }

  /** An answer: its ErrCode-0 envelope, or the classified ApiError with what the service said. */
  #read(operation: ApiOperation, answer: Extract<PostJsonOutcome, { type: 'response' }>, ms: number): Accepted {
    const { status, headers } = answer;
    const requestId = requestIdOf(headers);
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    // Redacted before anything is excerpted from it: a gateway may echo the Authorization header.
    const text = answer.body ? this.#redact(answer.body.toString('utf8')) : undefined;
    const envelope = text === undefined ? undefined : asRecord(parseJsonText(text));
    const errCode = integerOf(field(envelope, 'ErrCode'));
    this.#logger.debug({ op: operation, ms, status, errCode, bodyError: answer.bodyError }, 'api call answered');
    if (envelope !== undefined && errCode === 0) {
      if (status < 200 || status >= 300) this.#logger.warn({ op: operation, status }, 'ErrCode 0 with a non-2xx HTTP status; trusting ErrCode');
      return { resp: asRecord(field(envelope, 'Resp')), envelope, status, requestId };
    }
    // PixVerse-V6's submit answers flat, {video_id, credits, usage}, without the envelope (DMXAPI-FAMILY §11):
    // a 2xx with a video id and no ErrCode is that answer. Read like Resp; a charge without an id stays unknown.
    if (operation === 'submit' && envelope !== undefined && errCode === undefined && status >= 200 && status < 300 && idText(field(envelope, 'video_id')) !== undefined) {
      return { resp: envelope, envelope, status, requestId };
    }
    const gateway = asRecord(field(envelope, 'error'));
    const gatewayCode = gatewayCodeOf(gateway);
    const facts: CallFacts = { type: 'answer', status, readable: envelope !== undefined, ...(errCode !== undefined && { errCode }), ...(gatewayCode !== undefined && { gatewayCode }) };
    const init = { httpStatus: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(requestId ? { requestId } : {}) };
    const after = retryAfterMs !== undefined ? ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';
    if (errCode !== undefined) {
      const errMsg = stringOf(field(envelope, 'ErrMsg')) ?? '';
      const said = `${status >= 200 && status < 300 ? '' : `HTTP ${status} `}ErrCode ${errCode} (${classifyErrCode(errCode, operation).meaning})${errMsg ? `: ${excerpt(errMsg)}` : ''}`;
      throw this.#fail(operation, facts, { ...init, code: `ERR_${errCode}`, errCode }, `${said}${after}`);
    }
    const detail = plainAnswerDetail({ status, headers, gateway, envelope, text, bodyError: answer.bodyError, maxResponseBytes: this.#maxResponseBytes, origin: this.#endpoint.origin, redact: (t) => this.#redact(t) });
    const code = answer.bodyError === 'TOO_LARGE' && status >= 200 && status < 300 ? 'TOO_LARGE' : `HTTP_${status}`;
    throw this.#fail(operation, facts, { ...init, code }, `HTTP ${status}${detail ? ` ${detail}` : ''}${after}`);
  }

  /** The ApiError of a failed call, of the kind classify-failure.ts decides; the key never leaves in its message. */
  #fail(operation: ApiOperation, facts: CallFacts, init: Omit<ApiErrorInit, 'kind' | 'operation' | 'message' | 'stopsRun'>, message: string): ApiError {
    const { kind, stopsRun } = classifyFailure(operation, facts)!;
    // An answer that may have been a charge says so, whatever else it says (an ErrCode 0 says it itself).
    const note = kind === 'outcome-unknown' && facts.type === 'answer' && facts.errCode !== 0 ? '; it may have been accepted' : '';
    return new ApiError({ ...init, kind, operation, stopsRun, message: this.#redact(`${operation}: ${message}${note}`) });
  }

  /** This client's key (even when no one registered it with redact.ts) and every registered secret, taken out. */
  #redact(text: string): string {
    const key = this.#apiKey;
    const own = key.length >= 4 ? text.split(key).join('[redacted]').split(encodeURIComponent(key)).join('[redacted]') : text;
    return redact(own);
  }
}
