import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { runCommand, type RunCommandOptions } from '../../src/commands/run.js';
import { PaiwoError } from '../../src/errors/paiwo-error.js';
import type { Ledger } from '../../src/ledger/types.js';
import { runBuffered } from '../helpers/buffered-io.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

export const KEY = 'sk-test-9f8e7d6c5b4a-secret';
/** Fast enough for tests, slow enough that a 360p job (≈14 s) takes a few dozen ms. */
export const TS = 0.003;

/**
 * The per-test hooks of the run tests: a fresh project folder before each test (handed to `onDir`), and after
 * it the simulator the test started (`simulator()`) closed, then the folder removed.
 */
export function eachTestInProject(onDir: (dir: string) => void, simulator: () => { close(): Promise<unknown> } | undefined): void {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await makeTempDir('run');
    onDir(dir);
  });
  afterEach(async () => {
    await simulator()?.close();
    if (dir) await removeTempDir(dir);
  });
}

/** A small manifest: every prompt × every seed, 360p 5 s silent (35 credits each). */
export async function writeManifest(dir: string, prompts: readonly string[], seeds: readonly number[] = [1], extra = '', file = 'm.yaml'): Promise<string> {
  const text = `name: t
defaults:
  quality: 360p
  duration: 5
  aspect_ratio: "16:9"
matrix:
  prompt: ${JSON.stringify(prompts)}
  seed: ${JSON.stringify(seeds)}
${extra}`;
  await writeFile(join(dir, file), text);
  return file;
}

export async function readLedgerFile(dir: string, out = 'output/t'): Promise<Ledger> {
  return JSON.parse(await readFile(join(dir, out, 'ledger.json'), 'utf8')) as Ledger;
}

export interface InProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `run` as the CLI calls it, in this process, with buffered streams; a thrown PaiwoError becomes its exit code. */
export async function runInProcess(dir: string, patterns: string[], options: RunCommandOptions & { baseUrl: string }, env: NodeJS.ProcessEnv = {}): Promise<InProcessResult> {
  return runBuffered((io) => runCommand(patterns, { timeScale: TS, logLevel: 'warn', cwd: dir, ...options }, io), { DMXAPI_API_KEY: KEY, ...env });
}
