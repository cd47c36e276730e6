import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test as base } from 'vitest';

/** A new empty folder under the system's temp folder, named `paiwo-<name>-XXXXXX` so a leftover says whose it is. */
export function makeTempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `paiwo-${name}-`));
}

/** Removes a folder from makeTempDir with everything in it; nothing if it is gone already. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/**
 * Vitest's `test` with a `tmp` fixture: a fresh temp folder for each test that asks for it (`async ({ tmp }) =>`,
 * or a `test.beforeEach(({ tmp }) => …)`), named after the test file and removed after the test, passed or not.
 */
export const test = base.extend('tmp', async ({ task }, { onCleanup }) => {
  const dir = await makeTempDir(basename(task.file.name).replace(/\.test\.ts$/, ''));
  onCleanup(() => removeTempDir(dir));
  return dir;
});

export const it = test;
