import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostname } from 'node:os';
import { LOCK_FILE } from '../../src/ledger/output-lock.js';
import { describe, expect } from 'vitest';
import { mergeLedgers } from '../../src/commands/merge.js';
import { readLedger, writeLedger } from '../../src/ledger/store.js';
import type { Ledger, LedgerJob } from '../../src/ledger/types.js';
import { demoLedger, makeLedgerJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { readPageData } from '../report/report-page.js';
import { it } from '../helpers/temp-dir.js';

const exec = promisify(execFile);
const CLI = join(process.cwd(), 'dist/cli/main.js');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec('node', [CLI, ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** A shard folder: its ledger plus a small video file per succeeded job, named after the job's file. */
async function writeShard(dir: string, jobs: LedgerJob[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeLedger(dir, makeLedger(jobs));
  for (const job of jobs) if (job.status === 'succeeded') await writeFile(join(dir, job.file), `video of ${job.id}`);
}

let root: string;
it.beforeEach(({ tmp }) => {
  root = tmp;
});

describe('mergeLedgers', () => {
  const src = (dir: string, jobs: LedgerJob[]) => ({ dir, ledger: makeLedger(jobs) as Ledger });

  it('unions disjoint shards', () => {
    const [a, b, c, d] = demoLedger().jobs;
    const result = mergeLedgers([src('s1', [a!, b!]), src('s2', [c!, d!])]);
    expect(result.ledger.jobs.map((j) => j.id)).toEqual(['job0', 'job1', 'job2', 'job3']);
    expect(result.ledger.totals.credits_spent).toBe(320);
    expect(result.sourceOf.get('job2')).toBe('s2');
    expect(result.conflicts).toEqual([]);
  });

  it('keeps the more advanced of two consistent records, and warns when the other may have been charged', () => {
    const done = makeLedgerJob({ id: 'x' });
    const waiting = { ...done, status: 'submitted' as const, sha256: null, bytes: null };
    expect(mergeLedgers([src('s1', [waiting]), src('s2', [done])]).ledger.jobs[0]?.status).toBe('succeeded');
    expect(mergeLedgers([src('s1', [done]), src('s2', [waiting])]).sourceOf.get('x')).toBe('s1');
    const unknown = { ...done, status: 'unknown' as const, video_id: null, credits: null };
    const r = mergeLedgers([src('s1', [unknown]), src('s2', [done])]);
    expect(r.ledger.jobs[0]?.status).toBe('succeeded');
    expect(r.duplicates).toBe(1);
    expect(r.warnings[0]).toMatch(/job x: kept the succeeded record from s2; s1 has it unknown/);
  });

  it('refuses records of one id that disagree where it matters', () => {
    const base = makeLedgerJob({ id: 'x' });
    const cases: [Partial<LedgerJob>, RegExp][] = [
      [{ video_id: '385043936810999' }, /different video ids .* paid for, twice/],
      [{ request: { ...base.request, seed: 99 } }, /different request bodies/],
      [{ file: 'other.mp4' }, /different output files/],
      [{ sha256: 'b'.repeat(64) }, /sha256 differs/],
    ];
    for (const [patch, reason] of cases) {
      const r = mergeLedgers([src('s1', [base]), src('s2', [{ ...base, ...patch }])]);
      expect(r.conflicts).toHaveLength(1);
      expect(r.conflicts[0]?.reason).toMatch(reason);
      expect(r.conflicts[0]?.dirs).toEqual(['s1', 's2']);
    }
    const failed = { ...base, status: 'failed' as const };
    const moderated = { ...base, status: 'moderated' as const };
    expect(mergeLedgers([src('s1', [failed]), src('s2', [moderated])]).conflicts[0]?.reason).toMatch(/different outcomes/);
  });

  it('keeps the service the shards ran against, and refuses to merge a rehearsal with a real run', () => {
    const a = makeLedgerJob({ id: 'a' });
    const b = makeLedgerJob({ id: 'b' });
    const rehearsal = (dir: string, job: LedgerJob) => ({ dir, ledger: { ...makeLedger([job]), service: 'simulator' } as Ledger });
    expect(mergeLedgers([rehearsal('s1', a), rehearsal('s2', b)]).ledger.service).toBe('simulator');
    const real = { dir: 'r', ledger: { ...makeLedger([b]), service: 'https://www.dmxapi.cn' } as Ledger };
    expect(() => mergeLedgers([rehearsal('s1', a), real])).toThrow(/s1 ran against the built-in simulator \(a rehearsal\) and r against https:\/\/www\.dmxapi\.cn/);
  });

  it('treats the same request with its fields in another order as the same job', () => {
    const a = makeLedgerJob({ id: 'x' });
    const reordered = { ...a, request: Object.fromEntries(Object.entries(a.request).reverse()) as LedgerJob['request'] };
    expect(mergeLedgers([src('s1', [a]), src('s2', [reordered])]).conflicts).toEqual([]);
  });
});

describe('paiwo-batch merge', () => {
  it('writes one ledger, the videos and one report, and merging again is idempotent', async () => {
    const jobs = demoLedger({ 5: 'failed' }).jobs;
    await writeShard(join(root, 's1'), jobs.slice(0, 3));
    await writeShard(join(root, 's2'), jobs.slice(3, 6));
    await writeShard(join(root, 's3'), jobs.slice(6));
    const into = join(root, 'merged');
    const first = await cli('merge', join(root, 's1'), join(root, 's2'), join(root, 's3'), '--into', into);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('8 jobs (7 succeeded, 1 failed)');
    expect(first.stdout).toContain('videos: 7 linked, 0 copied');
    const merged = await readLedger(into);
    expect(merged.jobs.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(merged.totals.by_status.succeeded).toBe(7);
    for (const job of merged.jobs.filter((j) => j.status === 'succeeded')) {
      expect(await readFile(join(into, job.file), 'utf8')).toBe(`video of ${job.id}`);
    }
    const report = await readFile(join(into, 'report.html'), 'utf8');
    expect(readPageData(report).takes).toHaveLength(8);

    // Again, with a shard given twice: the ledger already in --into takes part, nothing changes, nothing is duplicated.
    const again = await cli('merge', join(root, 's1'), join(root, 's1'), join(root, 's2'), join(root, 's3'), '--into', into);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('and the ledger already in');
    expect((await readLedger(into)).jobs).toHaveLength(8);
    expect((await readdir(into)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses conflicting shards with every conflict listed, exit 2, and writes nothing', async () => {
    const [a, b] = demoLedger().jobs;
    await writeShard(join(root, 's1'), [a!, b!]);
    await writeShard(join(root, 's2'), [{ ...a!, video_id: '111111111111111' }, { ...b!, file: 'elsewhere.mp4' }]);
    const into = join(root, 'merged');
    const r = await cli('merge', join(root, 's1'), join(root, 's2'), '--into', into);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('2 conflicting records; nothing was written');
    expect(r.stderr).toContain(`job ${a!.id} in ${join(root, 's1')} and ${join(root, 's2')}: different video ids`);
    expect(r.stderr).toContain(`job ${b!.id}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await stat(into).catch(() => null)).toBeNull();
  });

  it('names every folder that has no ledger, exit 2', async () => {
    await writeShard(join(root, 's1'), demoLedger().jobs.slice(0, 1));
    const r = await cli('merge', join(root, 's1'), join(root, 'nope1'), join(root, 'nope2'), '--into', join(root, 'm'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope1: no ledger\.json/);
    expect(r.stderr).toMatch(/nope2: no ledger\.json/);
  });

  it('reports a missing shard video as a warning and labels it in the merged report', async () => {
    const [a, b] = demoLedger().jobs;
    await writeShard(join(root, 's1'), [a!, b!]);
    await rm(join(root, 's1', b!.file));
    const into = join(root, 'm');
    const r = await cli('merge', join(root, 's1'), '--into', into);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`job ${b!.id}: ${join(root, 's1', b!.file)} is missing`);
    // The page labels a succeeded take without a video "file missing" (its script renders src: null so).
    const { takes } = readPageData(await readFile(join(into, 'report.html'), 'utf8'));
    expect(takes.find((t) => t.id === b!.id)).toMatchObject({ status: 'succeeded', src: null });
  });

  it('appends a Markdown summary of the whole batch to GITHUB_STEP_SUMMARY', async () => {
    const jobs = demoLedger({ 2: 'failed' }).jobs;
    jobs[2] = { ...jobs[2]!, error: { code: 8, message: 'broke | the <b>table</b>\nnext line' } };
    await writeShard(join(root, 's1'), jobs.slice(0, 4));
    await writeShard(join(root, 's2'), jobs.slice(4));
    const summary = join(root, 'summary.md');
    await writeFile(summary, '## earlier step\n\n');
    const r = await exec('node', [CLI, 'merge', join(root, 's1'), join(root, 's2'), '--into', join(root, 'm')], {
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.stdout).toContain('8 jobs');
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('## earlier step')).toBe(true);
    expect(text).toContain('## paiwo-batch merge — 2 folders');
    expect(text).toContain('| succeeded | 7 |');
    expect(text).toContain('| failed | 1 |');
    expect(text).toContain('**Credits:** 560 spent, 0 refunded.');
    const row = text.split('\n').find((l) => l.startsWith(`| \`${jobs[2]!.id}\``));
    expect(row).toContain('8: broke \\| the &lt;b>table&lt;/b> next line');
    expect(row).toContain('--retry-failed');
  });

  it('can merge into one of the shards themselves, leaving its videos in place', async () => {
    const jobs = demoLedger().jobs;
    await writeShard(join(root, 's1'), jobs.slice(0, 4));
    await writeShard(join(root, 's2'), jobs.slice(4));
    const r = await cli('merge', join(root, 's1'), join(root, 's2'), '--into', join(root, 's1'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('videos: 4 linked, 0 copied, 4 already there');
    expect((await readLedger(join(root, 's1'))).jobs).toHaveLength(8);
  });

  it('refuses to write into a folder a live run holds', async () => {
    await writeShard(join(root, 's1'), demoLedger().jobs.slice(0, 2));
    const into = join(root, 'busy');
    await mkdir(into);
    await writeFile(join(into, LOCK_FILE), JSON.stringify({ pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() }));
    const r = await cli('merge', join(root, 's1'), '--into', into);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is in use by another paiwo-batch run (pid ${process.pid}`);
    expect(await readdir(into)).toEqual([LOCK_FILE]);
  });

  it('holds the folder\'s lock while it merges, like a run, and leaves none behind', async () => {
    await writeShard(join(root, 's1'), demoLedger().jobs.slice(0, 2));
    const into = join(root, 'merged-locked');
    const r = await cli('merge', join(root, 's1'), '--into', into);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(into)).not.toContain(LOCK_FILE);
    // A merge refused for a conflict leaves no folder it made itself.
    const bad = demoLedger().jobs.slice(0, 1).map((j) => ({ ...j, video_id: '999' }));
    await writeShard(join(root, 's2'), bad);
    const refused = await cli('merge', join(root, 's1'), join(root, 's2'), '--into', join(root, 'never'));
    expect(refused.code).toBe(2);
    await expect(readdir(join(root, 'never'))).rejects.toThrow();
  });
});
