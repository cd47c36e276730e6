import { redact } from '../util/redact.js';
import { EXIT } from './exit-codes.js';

export interface PaiwoErrorOptions {
  readonly cause?: unknown;
  /**
   * The command has already told the user what happened (a run's or status's summary): the CLI ends with the
   * error's exit code and prints nothing more.
   */
  readonly reported?: boolean;
}

/**
 * Every error the tool raises on purpose is a `PaiwoError` with a stable `code`. Its family carries the exit
 * code (errors/exit-codes.ts); only the CLI entry (cli/main.ts) turns errors into exits and prints them.
 */
export abstract class PaiwoError extends Error {
  abstract readonly code: string;
  /** The process exit code this error ends a command with. */
  abstract readonly exitCode: number;
  readonly reported: boolean;

  constructor(message: string, options?: PaiwoErrorOptions) {
    // Redacted here, once: wherever the message goes next (ledger, journal, --json, status, report), it is clean.
    super(redact(message), options);
    this.name = new.target.name;
    this.reported = options?.reported === true;
  }
}

/** The user's mistake (bad manifest, bad flag, missing key): exit 2, printed without a stack, nothing sent. */
export class UserError extends PaiwoError {
  readonly exitCode = EXIT.usage;
  constructor(
    readonly code: string,
    message: string,
    options?: PaiwoErrorOptions,
  ) {
    super(message, options);
  }
}

/** The tool itself failed (a bug, an unexpected filesystem error): exit 1, printed with its cause. */
export class InternalError extends PaiwoError {
  readonly exitCode = EXIT.internal;
  readonly code = 'INTERNAL';
}

/**
 * The output folder (or a file in it) cannot be written: disk full, read-only filesystem, no permission.
 * The user's environment, not a bug: exit 7 with the folder and what to do, never a stack trace.
 */
export class OutputUnwritableError extends PaiwoError {
  readonly exitCode = EXIT.outputUnwritable;
  constructor(
    readonly code: string,
    message: string,
    options?: PaiwoErrorOptions,
  ) {
    super(message, options);
  }
}
