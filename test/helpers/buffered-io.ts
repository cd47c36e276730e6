import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../src/commands/command-io.js';
import { PaiwoError } from '../../src/errors/paiwo-error.js';

/** A command's streams as buffers (decoded as UTF-8 across chunk boundaries), for calling commands in process. */
export interface BufferedIO extends CommandIO {
  out(): string;
  err(): string;
}

export function bufferedIO(env: NodeJS.ProcessEnv = {}): BufferedIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
  return { stdout, stderr, isTTY: false, env, out: () => out, err: () => err };
}

/**
 * A command as the CLI runs it, with buffered streams: a thrown PaiwoError becomes its exit code and its line
 * (none when the command already reported it, as cli/main.ts does).
 */
/** A command's exit code as the CLI ends with it: what it returned, or the code of the PaiwoError it threw. */
export async function exitCodeOf(command: Promise<number>): Promise<number> {
  try {
    return await command;
  } catch (error) {
    if (!(error instanceof PaiwoError)) throw error;
    return error.exitCode;
  }
}

export async function runBuffered(command: (io: CommandIO) => Promise<number>, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferedIO(env);
  let code: number;
  let thrown = '';
  try {
    code = await command(io);
  } catch (error) {
    if (!(error instanceof PaiwoError)) throw error;
    thrown = error.reported ? '' : `paiwo-batch: ${error.message}\n`;
    code = error.exitCode;
  }
  return { code, stdout: io.out(), stderr: io.err() + thrown };
}
