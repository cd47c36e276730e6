import { EXIT } from './exit-codes.js';
import { PaiwoError, type PaiwoErrorOptions } from './paiwo-error.js';

/** The service refused the account as a whole (401, 403, 400012, 500020, model not found): exit 3. */
export class AccountRefusedError extends PaiwoError {
  readonly exitCode = EXIT.accountRefused;
  constructor(
    readonly code: string,
    message: string,
    options?: PaiwoErrorOptions,
  ) {
    super(message, options);
  }
}

/** The budget (`max_credits`) or the account's balance (500090) cannot pay for more: exit 4. */
export class BudgetExhaustedError extends PaiwoError {
  readonly exitCode = EXIT.budget;
  constructor(
    readonly code: 'BUDGET' | 'INSUFFICIENT_BALANCE',
    message: string,
    options?: PaiwoErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * `doctor`: the service could not be reached, or what answered is not the contract's gateway (an HTML page, a
 * redirect, a proxy): exit 8. A run never ends with it: an outage there is waited out, then exit 6.
 */
export class ServiceUnreachableError extends PaiwoError {
  readonly exitCode = EXIT.serviceUnreachable;
  readonly code = 'SERVICE_UNREACHABLE';
}

/**
 * The exit code of a failed call (an API call's ApiError, a media download's DownloadError) that reaches the
 * CLI itself, by its kind; a run records them per job instead. The families above for a refused account and
 * an empty balance, else the tool's own failure (exit 1).
 */
export function failedCallExitCode(kind: string): number {
  if (kind === 'account-refused') return EXIT.accountRefused;
  if (kind === 'insufficient-balance') return EXIT.budget;
  return EXIT.internal;
}
