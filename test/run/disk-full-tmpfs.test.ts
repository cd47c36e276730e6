import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { adoptCommand } from '../../src/commands/adopt.js';
import { readLedger } from '../../src/ledger/store.js';
import { submitSuccessText } from '../../src/simulator/responses.js';
import { readBody, startHttpServer } from '../api/test-server.js';
import { it } from '../helpers/temp-dir.js';
import { KEY, writeManifest } from './run-helpers.js';

/**
 * Issue 10, finding 5, on a REAL filesystem that fills: a small tmpfs (needs root and mount(2); skipped
 * otherwise). A gateway holds the answers to 40 submits until all 40 intents are journaled, fills the tmpfs,
 * then answers them all: the answers overflow the journal's last page, so from some answer on the journal
 * refuses them (a short write, then ENOSPC). Every paid id must end up either in the ledger or in a
 * PAID BUT NOT RECORDED line — never nowhere — and the run exits 7.
 */
function tryMount(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mnt = mkdtempSync(join(tmpdir(), 'paiwo-tmpfs-'));
const mounted = tryMount(mnt);

/** Writes until the filesystem refuses even one more byte. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 16, 4096, 1]) {
      const chunk = Buffer.alloc(size, 120);
      try {
        for (;;) if (writeSync(fd, chunk) < size) break;
      } catch {
        // ENOSPC at this size: try smaller chunks
      }
    }
  } finally {
    closeSync(fd);
  }
}

afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a real disk filling under the answers of paid submits (tmpfs)', () => {
  it('every paid id is in the ledger or on stderr, none lost; exit 7; after freeing space adopt records the rest', async ({ tmp: dir }) => {
    const JOBS = 40;
    const out = join(mnt, 'out');
    mkdirSync(out);
    const held: (() => void)[] = [];
    const issued: string[] = [];
    const filler = join(mnt, 'filler');
    const server = await startHttpServer(async (req, res) => {
      const body = JSON.parse(await readBody(req)) as { model: string };
      if (body.model === 'paiwo-get') return; // polls never answer: the run stops before they matter
      const videoId = String(385_000_000_000_000 + issued.length);
      issued.push(videoId);
      held.push(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(submitSuccessText(videoId, 35)));
      if (held.length === JOBS) {
        // Every intent is on disk (each is fsync'd before its request leaves): now the disk is full.
        fill(filler);
        for (const answer of held) answer();
      }
    });
    try {
      const file = await writeManifest(dir, Array.from({ length: JOBS }, (_, i) => `job ${i}`), [1], `run:\n  concurrency: ${JOBS}\n`);
      const r = await runCli(['run', file, '--base-url', server.url, '--time-scale', '0.003', '--out', out, '--log-level', 'fatal'], {
        cwd: dir,
        env: { DMXAPI_API_KEY: KEY },
        inheritEnv: false,
      });
      expect(r.code, r.stderr.slice(-2000)).toBe(7);
      expect(issued).toHaveLength(JOBS);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('paiwo-batch: PAID BUT NOT RECORDED: '));
      expect(lines.length).toBeGreaterThan(0);
      const printed = new Map(lines.map((l) => {
        const m = / job (\S+) video (\d+) .* adopt (\S+) (\S+) (\d+)$/.exec(l)!;
        expect(m[3]).toBe(out);
        return [m[1]!, m[2]!] as const;
      }));

      unlinkSync(filler); // the user frees some space
      const ledger = await readLedger(out);
      const recorded = ledger.jobs.filter((j) => j.video_id !== null).map((j) => j.video_id!);
      // Not lost, not both: the recorded ids and the printed ids are exactly the ids the gateway issued.
      expect([...recorded, ...printed.values()].sort()).toEqual([...issued].sort());
      for (const [jobId] of printed) expect(ledger.jobs.find((j) => j.id === jobId)?.status).toBe('submitting');

      const io = { stdout: new PassThrough(), stderr: new PassThrough(), isTTY: false, env: {} };
      for (const [jobId, videoId] of printed) expect(await adoptCommand(out, jobId, videoId, io)).toBe(0);
      const after = await readLedger(out);
      expect(after.jobs.map((j) => j.video_id).sort()).toEqual([...issued].sort());
      expect(after.jobs.every((j) => j.status === 'submitted')).toBe(true);
    } finally {
      await server.close();
    }
  }, 120_000);
});
