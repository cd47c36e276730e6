import http from 'node:http';
import https from 'node:https';
import { UserError } from '../errors/paiwo-error.js';
import { FETCH_MODEL, type SubmitRequest } from '../model/capabilities.js';
import { estimateCredits } from '../model/prices.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { VERSION } from '../util/version.js';
import { ApiError, type ApiErrorKind, type ApiOperation } from './api-error.js';
import { classifyErrCode, classifyFetchHttpStatus, classifyFetchNetworkFailure } from './classify-failure.js';
import { postJson } from './post-json.js';
import { asRecord, field, idText, integerOf, numberOf, parseJsonText, stringOf } from './read-json.js';
import { parseRetryAfter } from './retry-after.js';
import { classifySubmit } from './submit-outcome.js';
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

export interface VideoStatus {
  /** Exact decimal string. */
  readonly videoId: string;
  /** 5 generating, 1 done, 7 moderated, 8 failed, 6 deleted, anything else unknown. */
  readonly status: number;
  /** Only meaningful when `ready` (then always an http(s) URL). A status-5 answer may already carry one. */
  readonly url: string | null;
  /**
   * Done as DMXAPI's own poll loops define it (contract B.9): status 1 AND a non-empty url AND outputWidth > 0.
   * A status-1 answer without them is "not yet": poll again.
   */
  readonly ready: boolean;
  readonly seed: number | null;
  readonly width: number;
  readonly height: number;
  readonly hasAudio: boolean;
  readonly credits: number | null;
  readonly createTime: string | null;
  readonly modifyTime: string | null;
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

/** Short, printable and single-line: a gateway's HTML page becomes its visible text. */
function excerpt(text: string, max = 200): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** A successful (ErrCode 0) envelope, handed to the operation to read its `Resp`. */
interface Accepted {
  readonly resp: Readonly<Record<string, unknown>> | undefined;
  readonly envelope: Readonly<Record<string, unknown>>;
  readonly status: number;
  readonly requestId: string | undefined;
}

/** The gateway's request id (contract B.9), printable and bounded, or undefined. */
function requestIdOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const raw = headers['x-rixapi-request-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return undefined;
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, 128);
  return clean || undefined;
}

/**
 * The DMXAPI paiwo endpoint: submit a generation, fetch its state. Classifies every failure into an ApiError
 * whose kind says whether the call may be repeated; never retries by itself.
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

  /** POST {model: paiwo-v5.6-ttv,...}. Resolves only on ErrCode 0 (the job IS charged). Rejects with ApiError. */
  async submit(request: SubmitRequest, signal?: AbortSignal): Promise<SubmitAccepted> {
    const { resp, envelope, status, requestId } = await this.#call('submit', JSON.stringify(request), signal);
    const videoId = idText(field(resp, 'video_id')) ?? idText(field(resp, 'id'));
    if (videoId === undefined) {
      // ErrCode 0 says it was accepted, but without an id nothing can be polled: hold it, never resubmit.
      throw this.#error({ kind: 'outcome-unknown', operation: 'submit', code: 'BAD_RESPONSE', httpStatus: status, ...(requestId ? { requestId } : {}) }, 'ErrCode 0 but no usable Resp.video_id');
    }
    return { videoId, credits: this.#chargedCredits(request, resp, envelope, videoId), ...(requestId ? { requestId } : {}) };
  }

  /** POST {model: "paiwo-get", input: videoId}. Never charges. Rejects with ApiError. */
  async fetchVideo(videoId: string, signal?: AbortSignal): Promise<VideoStatus> {
    if (!/^\d{1,40}$/.test(videoId)) {
      throw this.#error({ kind: 'invalid-request', operation: 'fetch', code: 'BAD_VIDEO_ID' }, `"${excerpt(videoId, 60)}" is not a video id`);
    }
    const { resp, status: httpStatus } = await this.#call('fetch', JSON.stringify({ model: FETCH_MODEL, input: videoId }), signal);
    const shape = (problem: string): ApiError =>
      this.#error({ kind: 'protocol', operation: 'fetch', code: 'BAD_RESPONSE', httpStatus }, `video ${videoId}: ${problem}`);
    if (resp === undefined) throw shape('ErrCode 0 but no Resp object');
    const id = idText(field(resp, 'id')) ?? idText(field(resp, 'video_id'));
    if (id !== undefined && id !== videoId) throw shape(`the answer is about video ${id}`);
    const status = integerOf(field(resp, 'status'));
    if (status === undefined) throw shape('Resp.status is not an integer');
    const url = stringOf(field(resp, 'url'))?.trim() || null;
    // A finished video's URL is what the downloader will open: refuse file:, data:, javascript: here already.
    if (status === 1 && url !== null && !isHttpUrl(url)) throw shape(`done but its url is not http(s): "${excerpt(url, 80)}"`);
    const width = integerOf(field(resp, 'outputWidth')) ?? 0;
    const seed = integerOf(field(resp, 'seed'));
    const credits = numberOf(field(resp, 'credits'));
    return {
      videoId,
      status,
      url,
      ready: status === 1 && url !== null && width > 0,
      seed: seed ?? null,
      width,
      height: integerOf(field(resp, 'outputHeight')) ?? 0,
      hasAudio: field(resp, 'has_audio') === true,
      credits: credits ?? null,
      createTime: stringOf(field(resp, 'create_time')) ?? null,
      modifyTime: stringOf(field(resp, 'modify_time')) ?? null,
    };
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

    if (outcome.type === 'aborted') {
      this.#logger.debug({ op: operation, ms, sent: outcome.sent }, 'api call aborted');
      // A submit already on the wire may have been taken: the caller must record it as unknown.
      if (operation === 'submit' && outcome.sent) {
        throw this.#error({ kind: 'outcome-unknown', operation, code: 'ABORTED', cause: outcome.reason }, 'aborted after the request was sent; it may have been accepted');
      }
      throw outcome.reason;
    }
    if (outcome.type === 'failure') {
      this.#logger.debug({ op: operation, ms, code: outcome.code, sent: outcome.sent }, 'api call failed');
      const kind = operation === 'submit' ? classifySubmit({ type: 'no-answer', sent: outcome.sent }).kind : classifyFetchNetworkFailure(outcome.code);
      const what = outcome.code === 'TIMEOUT' ? `no answer within ${this.#timeoutMs} ms` : `network error ${outcome.code}`;
      const when = operation === 'submit' ? (outcome.sent ? ' after the request was sent; it may have been accepted' : ' before the request was sent') : '';
      throw this.#error({ kind, operation, code: outcome.code, cause: outcome.cause }, `${what}${when}`);
    }

    const { status, headers } = outcome;
    const requestId = requestIdOf(headers);
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    // Redacted before anything is excerpted from it: a gateway may echo the Authorization header.
    const text = outcome.body ? this.#redact(outcome.body.toString('utf8')) : undefined;
    const envelope = text === undefined ? undefined : asRecord(parseJsonText(text));
    const errCode = integerOf(field(envelope, 'ErrCode'));
    const errMsg = stringOf(field(envelope, 'ErrMsg')) ?? '';
    this.#logger.debug({ op: operation, ms, status, errCode, bodyError: outcome.bodyError }, 'api call answered');
    const base = { operation, httpStatus: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(requestId ? { requestId } : {}) };
    const after = retryAfterMs !== undefined ? ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';

    if (envelope !== undefined && errCode === 0) {
      if (status < 200 || status >= 300) this.#logger.warn({ op: operation, status }, 'ErrCode 0 with a non-2xx HTTP status; trusting ErrCode');
      return { resp: asRecord(field(envelope, 'Resp')), envelope, status, requestId };
    }
    const gateway = asRecord(field(envelope, 'error'));
    const gatewayCode = stringOf(field(gateway, 'code')) ?? (integerOf(field(gateway, 'code'))?.toString() || undefined);
    // A submit's answer is judged by the one submit-outcome table; `submit` notes whether it stops the run.
    const submit = operation === 'submit' ? classifySubmit({ type: 'answer', status, ...(errCode !== undefined && { errCode }), ...(gatewayCode !== undefined && { gatewayCode }) }) : undefined;
    const more = submit?.stopsRun ? { stopsRun: true } : {};
    const unknownNote = submit?.kind === 'outcome-unknown' ? '; it may have been accepted' : '';
    if (envelope !== undefined && errCode !== undefined) {
      const rule = classifyErrCode(errCode, operation);
      throw this.#error({ ...base, ...more, kind: submit?.kind ?? rule.kind, code: `ERR_${errCode}`, errCode }, `${status >= 200 && status < 300 ? '' : `HTTP ${status} `}ErrCode ${errCode} (${rule.meaning})${errMsg ? `: ${excerpt(errMsg)}` : ''}${after}${unknownNote}`);
    }

    const gatewayMessage = stringOf(field(gateway, 'message'));
    let kind: ApiErrorKind = submit?.kind ?? classifyFetchHttpStatus(status, gatewayCode);
    // A 2xx we could not read is worth another try for a fetch.
    if (status >= 200 && status < 300 && operation === 'fetch' && envelope === undefined) kind = 'transient';
    let detail: string;
    if (gateway !== undefined) detail = `${gatewayCode ?? ''}${gatewayMessage ? `: ${excerpt(gatewayMessage)}` : ''}`.trim();
    else if (outcome.bodyError !== undefined) detail = outcome.bodyError === 'TOO_LARGE' ? `answer larger than ${this.#maxResponseBytes} bytes, not read` : `answer cut off (${outcome.bodyError})`;
    else if (envelope === undefined) detail = text && text.trim() ? `non-JSON answer: "${excerpt(text, 120)}"` : 'empty answer';
    else detail = 'answer has neither ErrCode nor error';
    if (status >= 300 && status < 400 && typeof headers.location === 'string') detail += ` (redirected to ${excerpt(this.#redact(headers.location), 120)}; check the base URL)`;
    if (status === 404 || status === 405) detail += ` (is ${this.#endpoint.origin} the API's base URL?)`;
    const code = outcome.bodyError === 'TOO_LARGE' && status >= 200 && status < 300 ? 'TOO_LARGE' : `HTTP_${status}`;
    throw this.#error({ ...base, ...more, kind, code }, `HTTP ${status}${detail ? ` ${detail}` : ''}${after}${unknownNote}`);
  }

  /** Every message passes here: whatever the service echoes, the key never leaves in an error. */
  #error(init: { kind: ApiErrorKind; operation: ApiOperation; code: string; httpStatus?: number; errCode?: number; retryAfterMs?: number; requestId?: string; stopsRun?: boolean; cause?: unknown }, message: string): ApiError {
    return new ApiError({ ...init, message: this.#redact(`${init.operation}: ${message}`) });
  }

  /** This client's key (even when no one registered it with redact.ts) and every registered secret, taken out. */
  #redact(text: string): string {
    const key = this.#apiKey;
    const own = key.length >= 4 ? text.split(key).join('[redacted]').split(encodeURIComponent(key)).join('[redacted]') : text;
    return redact(own);
  }
}
