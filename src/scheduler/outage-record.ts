import { ApiError } from '../api/api-error.js';

/** One outage of a run, as the summary, `--json` and the step summary tell it. */
export interface OutageRecord {
  /** ISO time the run first saw the service fail this way. */
  readonly since: string;
  /** ISO time it ended (recovered or given up); null while it lasts. */
  readonly until: string | null;
  /** What made the run think the service was down, e.g. "submit: HTTP_502". */
  readonly cause: string;
  /** Free calls (`paiwo-get`) sent to see whether it was back. */
  readonly probes: number;
  /** Submits that ended `unknown` because of it (the one that opened it included): what it cost in unknowns. */
  readonly unknown: number;
  /** `recovered`: submitting resumed; `gave-up`: it outlasted `outage_wait`; `run-ended`: nothing was left to wait for. */
  readonly ended: 'recovered' | 'gave-up' | 'run-ended' | null;
  /** `gave-up` only: why (outage_wait passed, or submits kept failing while the gateway answered free calls). */
  readonly why?: string;
}

/** Thrown where a call was about to leave while the service is down: nothing was sent, the caller waits and retries. */
export class OutagePaused extends Error {
  constructor() {
    super('the service looks down: waiting for it before sending');
    this.name = 'OutagePaused';
  }
}

/** A video id no service issues (ids are 15+ digits): a healthy gateway answers its fetch with ErrCode 500008. */
export const IMPOSSIBLE_VIDEO_ID = '0';

/**
 * Whether a failed call was still answered the way the contract says (so the gateway is up): a business
 * ErrCode, or the gateway's own JSON refusal (401/403/429). An HTML page, a 5xx, a timeout or a reset is not.
 */
export function answeredByContract(error: ApiError): boolean {
  // `protocol`: JSON with ErrCode 0 of an unexpected shape: the gateway answered.
  if (error.errCode !== undefined || error.kind === 'protocol') return true;
  return error.httpStatus === 401 || error.httpStatus === 403 || error.httpStatus === 429;
}

/** 03:12:04, local time. */
export function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** What hears free calls: the outage guard (outage-guard.ts). */
export interface FreeCallListener {
  /** Throws OutagePaused while the service looks down. */
  checkFetch(): void;
  fetchEnded(error?: unknown): void;
}

/**
 * Times a free call (a paid video's check, an image's upload) that ran out of retries on gateway-shaped failures
 * waits for the service and starts over, before its failures count as its own.
 */
export const RESUMES_AFTER_OUTAGE = 3;

/**
 * A free call (fetch, upload) the guard hears like every fetch: not sent while the service looks down
 * (OutagePaused), and told how it went.
 */
export async function guardedFreeCall<T>(guard: FreeCallListener, call: () => Promise<T>): Promise<T> {
  guard.checkFetch();
  try {
    const answer = await call();
    guard.fetchEnded();
    return answer;
  } catch (error) {
    guard.fetchEnded(error);
    throw error;
  }
}
