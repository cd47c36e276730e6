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
 * The kind of a FETCH answer that carries no usable ErrCode, from its HTTP status and the gateway's error code
 * (B.3). A fetch never charges, so everything that might pass is worth another try. Submits are decided by the
 * submit-outcome table (submit-outcome.ts), never here.
 */
export function classifyFetchHttpStatus(status: number, gatewayCode: string | undefined): ApiErrorKind {
  if (gatewayCode === 'model_not_found') return 'account-refused';
  // A redirect, a missing endpoint or a refused method: the base URL is wrong for every call of the run.
  if ((status >= 300 && status < 400) || status === 401 || status === 403 || status === 404 || status === 405) return 'account-refused';
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400 && status < 500) return 'invalid-request';
  // 1xx/2xx without the expected body (a 2xx that is not JSON at all is made `transient` by the client).
  return 'protocol';
}

/** The kind of a FETCH that got no answer at all: asked again (a fetch never charges). */
export function classifyFetchNetworkFailure(code: string): ApiErrorKind {
  return code === 'ECONNREFUSED' ? 'overloaded' : 'transient';
}
