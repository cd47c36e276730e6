import type { ApiErrorKind, ApiOperation } from './api-error.js';
import { classifyErrCode } from './err-codes.js';
import { classifySubmit } from './submit-outcome.js';

/**
 * What came back for a call that did not give its result, reduced to the facts its kind depends on.
 * - `answer`: an HTTP status arrived without a usable result. `errCode` when the body had one (0: accepted, but
 *   the Resp is not what the operation needs), the gateway's `error.code`, and whether the body was JSON at all.
 * - `no-answer`: no status line; `code` is the socket's failure, `sent` whether the request body had fully
 *   left (post-json.ts: 'finish').
 * - `aborted`: the caller's signal stopped the call; `sent` as above.
 * - `bad-input`: refused before anything was sent (a video id that is not digits).
 */
export type CallFacts =
  | { readonly type: 'answer'; readonly status: number; readonly errCode?: number; readonly gatewayCode?: string; readonly readable: boolean }
  | { readonly type: 'no-answer'; readonly code: string; readonly sent: boolean }
  | { readonly type: 'aborted'; readonly sent: boolean }
  | { readonly type: 'bad-input' };

export interface CallFailure {
  readonly kind: ApiErrorKind;
  /** Submit only: the endpoint itself looks wrong, so no further submit of the run can do better. */
  readonly stopsRun: boolean;
}

/**
 * The one place a failed call's kind is decided (the kind decides retry-or-not, api-error.ts). A submit's is
 * the submit-outcome table's (money first); a fetch's is decided here. `undefined` for an abort that is the
 * caller's own stop and nothing the service may have acted on: the caller's reason is thrown as it is.
 */
export function classifyFailure(operation: ApiOperation, facts: CallFacts): CallFailure | undefined {
  if (facts.type === 'bad-input') return { kind: 'invalid-request', stopsRun: false };
  if (operation === 'submit') {
    // Aborted after the body left, a submit may have been taken: the table's no-answer rows judge it.
    if (facts.type === 'aborted' && !facts.sent) return undefined;
    const { kind, stopsRun } = classifySubmit(
      facts.type === 'answer'
        ? { type: 'answer', status: facts.status, ...(facts.errCode !== undefined && { errCode: facts.errCode }), ...(facts.gatewayCode !== undefined && { gatewayCode: facts.gatewayCode }) }
        : { type: 'no-answer', sent: facts.sent },
    );
    return { kind, stopsRun };
  }
  if (facts.type === 'aborted') return undefined;
  return { kind: classifyFetch(facts), stopsRun: false };
}

/** A fetch never charges: everything that might pass next time is worth another try. */
function classifyFetch(facts: Exclude<CallFacts, { type: 'aborted' | 'bad-input' }>): ApiErrorKind {
  if (facts.type === 'no-answer') return facts.code === 'ECONNREFUSED' ? 'overloaded' : 'transient';
  // ErrCode 0 with a Resp of the wrong shape (no status, another video, a done video's url not http(s)).
  if (facts.errCode === 0) return 'protocol';
  if (facts.errCode !== undefined) return classifyErrCode(facts.errCode, 'fetch').kind;
  // A 2xx we could not read at all (not JSON, cut off, too large) is worth another try.
  if (facts.status >= 200 && facts.status < 300 && !facts.readable) return 'transient';
  return classifyFetchHttpStatus(facts.status, facts.gatewayCode);
}

/** The kind of a fetch answer without a usable ErrCode, from its HTTP status and the gateway's code (B.3). */
function classifyFetchHttpStatus(status: number, gatewayCode: string | undefined): ApiErrorKind {
  if (gatewayCode === 'model_not_found') return 'account-refused';
  // A redirect, a missing endpoint or a refused method: the base URL is wrong for every call of the run.
  if ((status >= 300 && status < 400) || status === 401 || status === 403 || status === 404 || status === 405) return 'account-refused';
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400 && status < 500) return 'invalid-request';
  // 1xx/2xx JSON without ErrCode: a shape we do not know.
  return 'protocol';
}
