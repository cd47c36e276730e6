import type { Writable } from 'node:stream';
import { InvalidArgumentError } from 'commander';

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

/** Commander option parsers: a bad value is a usage error (exit 2) that names the flag's rule. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of 0 or more');
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number greater than 0');
  return n;
}

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError('expected k/n with 1 ≤ k ≤ n, e.g. 2/4');
  return { index, count };
}
