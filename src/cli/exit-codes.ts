/** The exit codes live with the errors that carry them (src/errors/exit-codes.ts); the CLI maps errors to them. */
export { EXIT, type ExitCode } from '../errors/exit-codes.js';
