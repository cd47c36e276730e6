import type { ApiErrorKind } from './api-error.js';
import { classifyErrCode, IMAGE_ID_CODES } from './err-codes.js';

/**
 * What came back for a submit that did not resolve to ErrCode 0 with a video id, reduced to the facts the money
 * rule looks at.
 * - `answer`: an HTTP status arrived (the body may be unreadable: `errCode` and `gatewayCode` then undefined;
 *   `errCode` 0 when it was accepted without a usable video id).
 * - `no-answer`: no status line at all; `sent` says whether the whole request body had been handed to the
 *   socket (post-json.ts: 'finish'). Until it has, the service cannot hold a complete request to act on.
 */
export type SubmitFacts =
  | { readonly type: 'answer'; readonly status: number; readonly errCode?: number; readonly gatewayCode?: string }
  | { readonly type: 'no-answer'; readonly sent: boolean };

export interface SubmitOutcomeRow {
  /** The row as docs/run-and-money.md and ARCHITECTURE.md name it. */
  readonly when: string;
  readonly matches: (facts: SubmitFacts) => boolean;
  /** The kind of the ApiError; every kind but `outcome-unknown` means "refused before it was accepted". */
  readonly kind: (facts: SubmitFacts) => ApiErrorKind;
  /** The endpoint itself is wrong or gone: no further submit of the run can do better (exit 3). */
  readonly stopsRun?: true;
}

const is2xx = (s: number): boolean => s >= 200 && s < 300;
const imageIdGatewayCode = (code: string | undefined): boolean => code !== undefined && IMAGE_ID_CODES.some((c) => new RegExp(`(^|_)${c}$`).test(code));
const status = (f: SubmitFacts): number | undefined => (f.type === 'answer' ? f.status : undefined);

/**
 * THE submit-outcome rule (issue 10), the one place it is written. A submit is "refused before it was accepted"
 * only when the answer proves it; EVERYTHING else after the body left is `outcome-unknown`: the job is held and
 * never paid again without the user's say. The first matching row wins; the last row matches everything.
 */
export const SUBMIT_OUTCOME_TABLE: readonly SubmitOutcomeRow[] = [
  {
    // ErrCode 0 is the service's "accepted" (and charged), whatever the HTTP status; without an id nothing can
    // be polled, so the job is held, never paid again.
    when: 'ErrCode 0 without a usable Resp.video_id (accepted, but nothing to poll)',
    matches: (f) => f.type === 'answer' && f.errCode === 0,
    kind: () => 'outcome-unknown',
  },
  {
    when: 'HTTP 2xx with ErrCode ≠ 0 (the service itself said no)',
    matches: (f) => f.type === 'answer' && is2xx(f.status) && f.errCode !== undefined && f.errCode !== 0,
    kind: (f) => classifyErrCode((f as { errCode: number }).errCode, 'submit').kind,
  },
  {
    // DMXAPI may wrap an upstream ErrCode in an HTTP error with code "<family>_<ErrCode>" (DMXAPI-FAMILY §13):
    // for the image-id codes that is the same refusal as in a 200 envelope.
    when: 'HTTP 4xx whose gateway code ends in an image-id ErrCode (400032, 500008, 701009): the image id was refused',
    matches: (f) => f.type === 'answer' && f.status >= 400 && f.status < 500 && imageIdGatewayCode(f.gatewayCode),
    kind: () => 'image-expired',
  },
  { when: 'HTTP 429 (rate limited by the gateway)', matches: (f) => status(f) === 429, kind: () => 'rate-limited' },
  { when: 'HTTP 401 / 403 (the key is refused)', matches: (f) => status(f) === 401 || status(f) === 403, kind: () => 'account-refused' },
  {
    when: 'HTTP 503 with gateway code model_not_found (no channel for the model)',
    matches: (f) => f.type === 'answer' && f.status === 503 && f.gatewayCode === 'model_not_found',
    kind: () => 'account-refused',
  },
  {
    when: 'no answer, and the request body never fully left (connection refused, DNS, TLS handshake)',
    matches: (f) => f.type === 'no-answer' && !f.sent,
    kind: () => 'overloaded',
  },
  {
    // Still unknown (a 404 page may come from a proxy in front of a service that took it), but every later
    // submit would meet the same wrong endpoint: hold this one and stop the run.
    when: 'HTTP 3xx / 404 / 405 (the base URL looks wrong)',
    matches: (f) => {
      const s = status(f);
      return s !== undefined && ((s >= 300 && s < 400) || s === 404 || s === 405);
    },
    kind: () => 'outcome-unknown',
    stopsRun: true,
  },
  {
    when: 'anything else after the body left: any other 5xx (500, 502, 503, 504, 524…) with or without a body, HTML or JSON; any other 4xx; a reset; a timeout; an unreadable 2xx',
    matches: () => true,
    kind: () => 'outcome-unknown',
  },
];

export interface SubmitOutcome {
  readonly kind: ApiErrorKind;
  readonly stopsRun: boolean;
  readonly row: SubmitOutcomeRow;
}

/** Looks a submit's failure up in the table. */
export function classifySubmit(facts: SubmitFacts): SubmitOutcome {
  const row = SUBMIT_OUTCOME_TABLE.find((r) => r.matches(facts))!;
  return { kind: row.kind(facts), stopsRun: row.stopsRun === true, row };
}
