import { EXIT } from './exit-codes.js';
import { PaiwoError } from './paiwo-error.js';
import { AccountRefusedError, BudgetExhaustedError } from './service-errors.js';

/**
 * What ended a run, or what a rerun would end with (`status`), in the order that wins when several apply
 * (docs/cli.md "Exit codes"). Which one applies is decided by `outcomeOf` (scheduler/run-summary.ts); the exit
 * code is the one its error here carries.
 */
export type RunOutcome = 'interrupted' | 'account-refused' | 'insufficient-balance' | 'over-budget' | 'unresolved-jobs' | 'failed-jobs' | 'ok';

/** Ctrl+C, SIGTERM or SIGHUP stopped the run; everything recorded is saved: exit 130. */
export class InterruptedError extends PaiwoError {
  readonly exitCode = EXIT.interrupted;
  readonly code = 'INTERRUPTED';
}

/** Jobs that may have been charged and have no video yet, or were not sent: exit 6. */
export class JobsUnresolvedError extends PaiwoError {
  readonly exitCode = EXIT.unresolvedJobs;
  readonly code = 'JOBS_UNRESOLVED';
}

/** Jobs the service failed or moderated: exit 5. */
export class JobsFailedError extends PaiwoError {
  readonly exitCode = EXIT.failedJobs;
  readonly code = 'JOBS_FAILED';
}

/**
 * The error a command ends with once it has printed its summary, for the CLI's one catch to turn into the exit
 * code; null when the run ended well. It is marked `reported`: the summary has said what happened and what to do.
 */
export function outcomeError(outcome: RunOutcome): PaiwoError | null {
  const reported = { reported: true } as const;
  switch (outcome) {
    case 'ok':
      return null;
    case 'interrupted':
      return new InterruptedError('interrupted; everything recorded is saved: rerun the same command to continue', reported);
    case 'account-refused':
      return new AccountRefusedError('ACCOUNT_REFUSED', 'the service refused the account (auth, permissions or model)', reported);
    case 'insufficient-balance':
      return new BudgetExhaustedError('INSUFFICIENT_BALANCE', 'the account has too few credits for the remaining jobs', reported);
    case 'over-budget':
      return new BudgetExhaustedError('BUDGET', 'max_credits cannot pay for the remaining jobs', reported);
    case 'unresolved-jobs':
      return new JobsUnresolvedError('jobs are unresolved (unknown outcome, still generating, or not submitted)', reported);
    case 'failed-jobs':
      return new JobsFailedError('jobs failed or were moderated', reported);
  }
}

/**
 * The exit code a run with this outcome ends with: its error's (or 0), for the run's summary to state. The
 * process gets it from cli/main.ts, which catches that error.
 */
export function exitCodeOfOutcome(outcome: RunOutcome): number {
  return outcomeError(outcome)?.exitCode ?? EXIT.ok;
}
