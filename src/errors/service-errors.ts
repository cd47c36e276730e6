import { PaiwoError } from './paiwo-error.js';

/** The service refused the account as a whole (401, 403, 400012, 500020, model not found): exit 3. */
export class AccountRefusedError extends PaiwoError {
  readonly exitCode = 3;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The budget (`max_credits`) or the account's balance (500090) cannot pay for more: exit 4. */
export class BudgetExhaustedError extends PaiwoError {
  readonly exitCode = 4;
  constructor(
    readonly code: 'BUDGET' | 'INSUFFICIENT_BALANCE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
