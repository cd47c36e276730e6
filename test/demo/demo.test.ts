import { cp, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../bench/lib/cli-process.mjs';
import { readLedger } from '../../src/ledger/store.js';
import type { Ledger } from '../../src/ledger/types.js';
import { FFMPEG, itWith } from '../helpers/requirements.js';
import { readPageData } from '../report/report-page.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const ROOT = process.cwd();

/** `npm run demo` without the build step (the suite has built already), in a copy of the repo's manifests. */
function demo(cwd: string): Promise<CliResult> {
  return runCli(['run', 'manifests/demo.yaml', '--simulator'], { cwd, env: { CI: 'true', DMXAPI_API_KEY: undefined, DMXAPI_BASE_URL: undefined } });
}

describe('npm run demo', () => {
  let dir: string;
  let out: string;
  let first: CliResult;
  let second: CliResult;
  let ledger1: Ledger;
  let ledger2: Ledger;
  let mtimes1: Map<string, number>;

  beforeAll(async () => {
    dir = await makeTempDir('demo');
    await cp(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
    out = join(dir, 'output/demo.rehearsal');
    first = await demo(dir);
    ledger1 = await readLedger(out);
    mtimes1 = new Map(await Promise.all(ledger1.jobs.map(async (j) => [j.file, (await stat(join(out, j.file))).mtimeMs] as const)));
    second = await demo(dir);
    ledger2 = await readLedger(out);
  });

  afterAll(async () => {
    if (dir) await removeTempDir(dir);
  });

  it('runs the demo matrix against the built-in simulator with no API key and says where the results are', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout + first.stderr).toContain(join('output', 'demo.rehearsal'));
    expect(first.stdout).toMatch(/^paiwo-batch rehearsal: /m);
    expect(first.stdout + first.stderr).toMatch(/report\.html/);
    expect(ledger1.jobs.length).toBeGreaterThanOrEqual(8);
    expect(ledger1.totals.by_status.succeeded).toBe(ledger1.jobs.length);
  });

  it('records that it was a rehearsal, in the ledger and in the report', async () => {
    expect(ledger1.service).toBe('simulator');
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('paiwo-batch rehearsal');
  });

  itWith([FFMPEG], 'shows eight different takes: no two videos are the same file', () => {
    expect(new Set(ledger1.jobs.map((j) => j.sha256)).size).toBe(ledger1.jobs.length);
    expect(new Set(ledger1.jobs.map((j) => j.video_id)).size).toBe(ledger1.jobs.length);
  });

  it('leaves output/demo.rehearsal/ with the videos, ledger.json and report.html', async () => {
    const files = await readdir(out);
    expect(files).toContain('ledger.json');
    expect(files).toContain('report.html');
    for (const job of ledger1.jobs) {
      const bytes = await readFile(join(out, job.file));
      expect(bytes.length).toBe(job.bytes);
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    }
    const report = await readFile(join(out, 'report.html'), 'utf8');
    const { takes } = readPageData(report);
    expect(takes).toHaveLength(ledger1.jobs.length);
    expect(takes.filter((t) => t.src !== null)).toHaveLength(ledger1.jobs.length);
  });

  it('a second run resumes: nothing is generated or downloaded again', () => {
    expect(second.code, second.stderr).toBe(0);
    expect(ledger2.jobs.map((j) => [j.id, j.video_id, j.attempts, j.sha256])).toEqual(ledger1.jobs.map((j) => [j.id, j.video_id, j.attempts, j.sha256]));
    expect(ledger2.totals.credits_spent).toBe(ledger1.totals.credits_spent);
  });

  it('the second run left every video file untouched', async () => {
    for (const [file, mtime] of mtimes1) expect((await stat(join(out, file))).mtimeMs).toBe(mtime);
  });
});
