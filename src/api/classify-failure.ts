import type { ApiErrorKind, ApiOperation } from './api-error.js';

interface ErrCodeRule {
  readonly kind: ApiErrorKind;
  readonly meaning: string;
}

/** The service's business errors (shared/api/DMXAPI-PAIWO.md B.2). ErrMsg is never compared; ErrCode is. */
const ERR_CODES: Readonly<Record<number, ErrCodeRule>> = {
  400011: { kind: 'invalid-request', meaning: 'empty parameter' },
  400012: { kind: 'account-refused', meaning: 'invalid account' },
  400013: { kind: 'invalid-request', meaning: 'parameter of the wrong type' },
  400017: { kind: 'invalid-request', meaning: 'invalid parameter' },
  400018: { kind: 'invalid-request', meaning: 'prompt longer than 2048 characters' },
  400019: { kind: 'invalid-request', meaning: 'negative prompt longer than 2048 characters' },
  500008: { kind: 'not-found', meaning: 'requested data not found' },
  500020: { kind: 'account-refused', meaning: 'no permission' },
  500044: { kind: 'concurrency-limit', meaning: 'concurrent-generation limit reached' },
  500054: { kind: 'moderated', meaning: 'input failed moderation' },
  500063: { kind: 'moderated', meaning: 'input failed moderation' },
  500069: { kind: 'overloaded', meaning: 'system under high load' },
  500090: { kind: 'insufficient-balance', meaning: 'insufficient balance' },
  99999: { kind: 'overloaded', meaning: 'unknown error' },
};

/** The kind of a non-zero ErrCode. */
export function classifyErrCode(errCode: number, operation: ApiOperation): ErrCodeRule {
  const rule = Object.hasOwn(ERR_CODES, errCode) ? ERR_CODES[errCode] : undefined;
  if (rule) return rule;
  // The service said "no" in a way we do not know. A submit is not repeated on a guess (it could loop on a
  // charged error); a fetch is free to ask again a bounded number of times.
  return operation === 'submit'
    ? { kind: 'invalid-request', meaning: 'unrecognised error code' }
    : { kind: 'protocol', meaning: 'unrecognised error code' };
}

/**
 * The kind of an answer that carries no usable ErrCode, from its HTTP status and the gateway's error code
 * (B.3), or of a 2xx whose body was cut, too large or not the expected JSON.
 */
export function classifyHttpStatus(status: number, operation: ApiOperation, gatewayCode: string | undefined): ApiErrorKind {
  const submit = operation === 'submit';
  if (gatewayCode === 'model_not_found') return 'account-refused';
  // A redirect, a missing endpoint or a refused method: the base URL is wrong for every call of the run.
  if ((status >= 300 && status < 400) || status === 401 || status === 403 || status === 404 || status === 405) return 'account-refused';
  if (status === 429) return 'rate-limited';
  // 408: the server gave up waiting for our request, so it was not taken.
  if (status === 408) return submit ? 'overloaded' : 'transient';
  if (status >= 400 && status < 500) return 'invalid-request';
  // The issue names "5xx before the request was accepted" retryable: the gateway itself refused.
  if (status === 500 || status === 503) return 'overloaded';
  // 502, 504, 524 and the rest: the upstream may have taken the submit before the gateway gave up.
  if (status >= 500) return submit ? 'outcome-unknown' : 'transient';
  // 1xx/2xx without the expected body.
  return submit ? 'outcome-unknown' : 'protocol';
}

/**
 * The kind of a call that got no answer at all. Before the body was flushed the service cannot have taken
 * the submit; after it, it may have.
 */
export function classifyNetworkFailure(code: string, sent: boolean, operation: ApiOperation): ApiErrorKind {
  if (operation === 'fetch') return code === 'ECONNREFUSED' ? 'overloaded' : 'transient';
  return sent ? 'outcome-unknown' : 'overloaded';
}
