import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { readLedger } from '../../src/ledger/store.js';
import { describeWith, FFMPEG } from '../helpers/requirements.js';
import { it } from '../helpers/temp-dir.js';
import { writeManifest } from './run-helpers.js';

/**
 * Issue 25: a rehearsal at a time-scale no machine renders at still ends in one run, exit 0, and keeps each take
 * on disk once. 40 takes, 40 in flight, at 0.0005 (a 360p generation is 7 ms of wall time) with a job timeout of
 * 300 simulated seconds (150 ms of wall time): rendering 40 takes takes seconds, so deadlines that counted wall
 * time expired long before the renders were done (exit 6, jobs left `submitted`).
 */
describeWith([FFMPEG], 'a rehearsal faster than the machine renders', () => {
  it('ends exit 0 with every take saved, each the simulator\'s take linked (one inode) with its poster', async ({ tmp: dir }) => {
    await writeManifest(dir, ['a heron at dusk', 'a tram in fog', 'a kite over dunes', 'a snail on glass'], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const r = await runCli(['run', 'm.yaml', '--simulator', '--concurrency', '40', '--time-scale', '0.0005', '--job-timeout', '300', '--no-progress', '--log-level', 'warn'], {
      cwd: dir,
      env: { DMXAPI_API_KEY: undefined },
      timeoutMs: 55_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = join(dir, 'output', 't.rehearsal');
    const ledger = await readLedger(out);
    expect(ledger.totals.by_status.succeeded).toBe(40);

    const takes = join(out, 'simulator-takes');
    const cached = new Map<number, string>();
    for (const name of await readdir(takes)) cached.set((await stat(join(takes, name))).ino, name);
    const inodes = new Set<number>();
    for (const job of ledger.jobs) {
      const video = await stat(join(out, job.file));
      // The saved video IS the simulator's take: one inode, two names, so the bytes are on disk once.
      expect(cached.get(video.ino), job.file).toMatch(/^[0-9a-f]{32}\.mp4$/);
      expect(video.nlink).toBe(2);
      inodes.add(video.ino);
      // Its poster is the one rendered with it, linked, and not older than the video (so the report keeps it).
      const poster = await stat(join(out, '.posters', `${job.id}.jpg`));
      expect(cached.get(poster.ino)).toBe(cached.get(video.ino)!.replace(/\.mp4$/, '.jpg'));
      expect(poster.mtimeMs).toBeGreaterThanOrEqual(video.mtimeMs);
    }
    expect(inodes.size).toBe(40); // 40 seeds × prompts: 40 distinct takes
  });
});
