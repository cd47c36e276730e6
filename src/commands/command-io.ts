import type { Writable } from 'node:stream';

/** Where a command writes: the process's streams from the CLI, buffers in tests. */
export interface CommandIO {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Whether stderr is an interactive terminal (live progress) or a log (CI, pipes). */
  readonly isTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export function processIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stderr.isTTY) && !process.env.CI, env: process.env };
}
