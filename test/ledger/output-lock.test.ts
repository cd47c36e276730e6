import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect } from 'vitest';
import { acquireOutputLock, isStale, LOCK_FILE } from '../../src/ledger/output-lock.js';
import { createLogger } from '../../src/util/logger.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('output lock', () => {
  it('lets one runner in and names the live holder to the second', async () => {
    const lock = await acquireOutputLock(dir);
    const err = await acquireOutputLock(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OUTPUT_LOCKED', exitCode: 2 });
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await acquireOutputLock(dir);
    await again.release();
  });

  it('takes over a lock left by a dead process, with a warning', async () => {
    const pid = deadPid();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, hostname: hostname(), started_at: new Date().toISOString() }));
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never });
    const lock = await acquireOutputLock(dir, { logger });
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(lines.join('')).toContain('stale lock');
    expect(existsSync(join(dir, `${LOCK_FILE}.aside`))).toBe(false); // the stale lock moved aside is gone, and its folder
    await lock.release();
  });

  it('removes the aside file of a runner killed mid-takeover, not that of a live one', async () => {
    const asides = join(dir, `${LOCK_FILE}.aside`);
    await mkdir(asides);
    const dead = join(asides, `.stale-${deadPid()}-1796183092001`);
    const live = join(asides, `.stale-${process.pid}-1796183092002`);
    await writeFile(dead, '{}');
    await writeFile(live, '{}');
    const lock = await acquireOutputLock(dir);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    await lock.release();
  });

  it('takes over a torn lock file, and obeys a lock from another host', async () => {
    await writeFile(join(dir, LOCK_FILE), '{"pid":12');
    const lock = await acquireOutputLock(dir);
    await lock.release();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), hostname: 'some-other-host', started_at: new Date().toISOString() }));
    await expect(acquireOutputLock(dir)).rejects.toMatchObject({ code: 'OUTPUT_LOCKED' });
  });

  it('treats a live pid that started after the lock was written as a reused pid', () => {
    expect(isStale({ pid: process.pid, hostname: hostname(), started_at: '2000-01-01T00:00:00Z' })).toBe(true);
    expect(isStale({ pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() })).toBe(false);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const lock = await acquireOutputLock(dir);
    const other = JSON.stringify({ pid: 1, hostname: 'elsewhere', started_at: new Date().toISOString() });
    await writeFile(join(dir, LOCK_FILE), other);
    await lock.release();
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(other);
  });
});
