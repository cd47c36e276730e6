import { PaiwoError } from '../errors/paiwo-error.js';
import { failedCallExitCode } from '../errors/service-errors.js';

export type DownloadErrorKind =
  /** 403/404/410: the media URL is no longer served; fetch the video again for a fresh URL. */
  | 'expired'
  /** Fewer bytes than the server announced: retryable (resumes from the .part). */
  | 'truncated'
  /** Larger than `maxBytes`: not retryable. */
  | 'too-large'
  /** Not http(s), directly or through a redirect: not retryable. */
  | 'bad-scheme'
  /** No ISO-BMFF `ftyp` box at offset 4: not retryable. */
  | 'not-mp4'
  /** Connection refused/reset, idle timeout: retryable. */
  | 'network'
  /** Slower than the minimum throughput (a trickle that never trips the idle timeout): retryable, resumes. */
  | 'slow'
  /** Any other HTTP answer: retryable for 408, 429 and 5xx. */
  | 'http';

const ALWAYS_RETRYABLE: ReadonlySet<DownloadErrorKind> = new Set(['truncated', 'network', 'slow']);

export interface DownloadErrorInit {
  readonly kind: DownloadErrorKind;
  readonly message: string;
  readonly httpStatus?: number;
  /** Only read for kind 'http'; the kind decides for the others. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/**
 * A media download that failed. `retryable` means "the same URL may work if tried again"; an expired URL is
 * not retryable as such: the runner fetches the video again for a fresh URL first.
 */
export class DownloadError extends PaiwoError {
  readonly code: string;
  readonly exitCode: number;
  readonly kind: DownloadErrorKind;
  readonly retryable: boolean;
  readonly httpStatus?: number;

  constructor(init: DownloadErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.exitCode = failedCallExitCode(init.kind);
    this.code = `DOWNLOAD_${init.kind.toUpperCase().replace('-', '_')}`;
    this.retryable = ALWAYS_RETRYABLE.has(init.kind) || (init.kind === 'http' && init.retryable === true);
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
  }
}
