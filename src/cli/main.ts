#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { PaiwoError } from '../errors/paiwo-error.js';
import { EXIT } from '../errors/exit-codes.js';
import { registerValidate } from './commands/validate.js';
import { registerPlan } from './commands/plan.js';
import { registerRun } from './commands/run.js';
import { registerSimulator } from './commands/simulator.js';
import { registerReport } from './commands/report.js';
import { registerStatus } from './commands/status.js';
import { registerMerge } from './commands/merge.js';
import { registerPromote } from './commands/promote.js';
import { registerAdopt } from './commands/adopt.js';
import { registerReview } from './commands/review.js';
import { registerDoctor } from './commands/doctor.js';
import { VERSION } from '../util/version.js';
import { printable } from '../util/printable.js';
import { addSecret } from '../util/redact.js';
import { asOutputUnwritable } from '../errors/output-unwritable.js';

// Downloads open, fsync and rename their files in libuv's thread pool (4 threads by default), and at 200
// generation slots a run saves hundreds of videos a second. libuv reads this when the pool starts, at the first
// file-system call, which comes after this line.
process.env.UV_THREADPOOL_SIZE ??= '16';


function buildProgram(): Command {
  const program = new Command('paiwo-batch')
    .description('Batch paiwo-v5.6-ttv text-to-video jobs from YAML manifests, without paying twice.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [registerValidate, registerPlan, registerRun, registerSimulator, registerReport, registerReview, registerStatus, registerMerge, registerPromote, registerAdopt, registerDoctor]) {
    register(program);
  }
  return program;
}

/**
 * The one place errors become exit codes: a PaiwoError carries its family's code (a run's or status's outcome
 * too, errors/run-outcome.ts); user mistakes never show a stack trace.
 */
function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
    // `paiwo-batch help` asked for it (0); `paiwo-batch` alone gets the help on stderr and fails (a script that
    // lost its arguments must not pass).
    if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return EXIT.usage; // commander already printed the message
  }
  // A full or read-only disk is the user's environment, not a bug: one line naming the place, exit 7, no stack.
  const unwritable = !(error instanceof PaiwoError) || error.exitCode === EXIT.internal ? asOutputUnwritable(error) : undefined;
  if (unwritable) {
    process.stderr.write(`paiwo-batch: ${printable(unwritable.message)}\n`);
    return unwritable.exitCode;
  }
  if (error instanceof PaiwoError) {
    // A command that printed its summary has said what happened: only the exit code is left to give.
    if (error.reported) return error.exitCode;
    process.stderr.write(`paiwo-batch: ${printable(error.message)}\n`);
    if (error.exitCode === EXIT.internal && error.cause) process.stderr.write(`${printable(String((error.cause as Error).stack ?? error.cause))}\n`);
    return error.exitCode;
  }
  process.stderr.write(`paiwo-batch: internal error: ${printable((error as Error)?.stack ?? String(error))}\n`);
  return EXIT.internal;
}

// A reader that stops early (`paiwo-batch plan … | head`) closes stdout: what is left to print is dropped and the
// command ends as it would have (a run still records everything), with no stack trace for the closed pipe.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') process.stderr.write(`paiwo-batch: cannot write to stdout: ${printable(error.message)}\n`);
});

// The key is a secret in every command's output (status and report read ledgers a hostile gateway wrote into).
addSecret(process.env.DMXAPI_API_KEY);
try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}
