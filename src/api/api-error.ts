import { PaiwoError } from '../errors/paiwo-error.js';
import { failedCallExitCode } from '../errors/service-errors.js';

/**
 * What went wrong with one API call, as far as the runner needs to know. The kind alone decides retry-or-not
 * (see `isRetryableKind`); the runner turns the non-retryable ones into p-retry's `AbortError`.
 */
export type ApiErrorKind =
  /** HTTP 429: retryable, lower concurrency, honour `retryAfterMs`. */
  | 'rate-limited'
  /** ErrCode 500044: retryable, lower concurrency. */
  | 'concurrency-limit'
  /** ErrCode 500069/99999; a submit that never fully left (connection refused); a fetch refused: retryable. */
  | 'overloaded'
  /** Submit only: may have been accepted (anything the submit-outcome table cannot prove refused). Never resubmit. */
  | 'outcome-unknown'
  /** Fetch only: network failure, 5xx, timeout, unreadable body. Retryable: a fetch never charges. */
  | 'transient'
  /** ErrCode 400011/400013/400017/400018/400019 or a plain 4xx: fatal for the job. */
  | 'invalid-request'
  /** ErrCode 500054/500063: the prompt failed moderation; fatal for the job. */
  | 'moderated'
  /** ErrCode 500008: unknown video id; fatal for the job. */
  | 'not-found'
  /** 401, 403, 400012, 500020, model_not_found (and a wrong base URL): stop the whole run, exit 3. */
  | 'account-refused'
  /** ErrCode 500090: stop submitting, exit 4. */
  | 'insufficient-balance'
  /** A parseable answer of an unexpected shape: retryable a bounded number of times. */
  | 'protocol'
  /**
   * Submit only, ErrCode 400032 / 500008 / 701009: the image id is unknown, expired or of the other upload family.
   * Refused (not charged); the runner uploads the image again once and submits again.
   */
  | 'image-expired';

/** `upload` (paiwo-picture / pixverse-picture) never charges: it is classified like a fetch. */
export type ApiOperation = 'submit' | 'fetch' | 'upload';

const RETRYABLE: Readonly<Record<ApiErrorKind, boolean>> = {
  'rate-limited': true,
  'concurrency-limit': true,
  overloaded: true,
  // The one that matters for money: a submit that may have been charged is never repeated automatically.
  'outcome-unknown': false,
  transient: true,
  'invalid-request': false,
  moderated: false,
  'not-found': false,
  'account-refused': false,
  'insufficient-balance': false,
  protocol: true,
  'image-expired': false,
};

/** The one place that decides whether a failed call may simply be made again. */
export function isRetryableKind(kind: ApiErrorKind): boolean {
  return RETRYABLE[kind];
}

export interface ApiErrorInit {
  readonly kind: ApiErrorKind;
  readonly operation: ApiOperation;
  /** e.g. 'ERR_500044', 'HTTP_429', 'HTTP_502', 'ECONNRESET', 'TIMEOUT'. */
  readonly code: string;
  /** Human readable, with the service's message; never the key. */
  readonly message: string;
  readonly httpStatus?: number;
  readonly errCode?: number;
  readonly retryAfterMs?: number;
  /** The answer's `X-Rixapi-Request-Id` (contract B.9), when there was an answer. */
  readonly requestId?: string;
  /** Submit only: the endpoint itself looks wrong (submit-outcome.ts), so the run stops submitting. */
  readonly stopsRun?: boolean;
  readonly cause?: unknown;
}

/** A failed submit or fetch, classified. */
export class ApiError extends PaiwoError {
  readonly code: string;
  readonly exitCode: number;
  readonly kind: ApiErrorKind;
  readonly operation: ApiOperation;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly httpStatus?: number;
  readonly errCode?: number;
  readonly requestId?: string;
  readonly stopsRun: boolean;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.kind = init.kind;
    this.operation = init.operation;
    this.retryable = isRetryableKind(init.kind);
    this.exitCode = failedCallExitCode(init.kind);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.errCode !== undefined) this.errCode = init.errCode;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    this.stopsRun = init.stopsRun === true;
  }
}
