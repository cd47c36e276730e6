import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect } from 'vitest';
import { displayWidth, planCommand, type PlanCommandOptions } from '../../src/commands/plan.js';
import { loadManifests } from '../../src/manifest/load-manifests.js';
import type { Job } from '../../src/manifest/types.js';
import { writeLedger } from '../../src/ledger/store.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { ledgerRecordOf } from '../../src/ledger/schema.js';
import { makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { bufferedIO } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

/** 2 prompts × 2 aspect ratios × 3 seeds = 12 jobs at 360p / 5 s (35 credits each); output/sweep by default. */
const SWEEP = `name: sweep
defaults: { quality: 360p, duration: 5 }
matrix:
  prompt: [a red fox, an owl]
  aspect_ratio: ["16:9", "9:16"]
  seed: [1, 2, 3]
`;

async function plan(options: PlanCommandOptions = {}, file = 'sweep.yaml'): Promise<{ code: number; stdout: string }> {
  const io = bufferedIO();
  const code = await planCommand([file], { cwd: dir, ...options }, io);
  return { code, stdout: io.out() };
}

/** A ledger in `out` where the given jobs succeeded with their files on disk (`bytes` long). */
async function succeeded(out: string, jobs: readonly Job[], extra: LedgerJob[] = []): Promise<LedgerJob[]> {
  const records = jobs.map((j): LedgerJob => ({ ...ledgerRecordOf(j, '2026-12-01T00:00:00.000Z'), status: 'succeeded', video_id: '1', seed: j.request.seed ?? 9, credits: 35, bytes: 5 }));
  for (const r of records) {
    await mkdir(dirname(join(dir, out, r.file)), { recursive: true });
    await writeFile(join(dir, out, r.file), 'video');
  }
  await writeLedger(join(dir, out), makeLedger([...records, ...extra]));
  return records;
}

describe('plan knows what is done', () => {
  it('a plan of 12 jobs with 10 done says 10 done, 2 to run and prices those 2 alone (json and table)', async () => {
    await writeFile(join(dir, 'sweep.yaml'), SWEEP);
    const jobs = (await loadManifests(['sweep.yaml'], { cwd: dir })).jobs;
    expect(jobs).toHaveLength(12);
    await succeeded('output/sweep', jobs.slice(0, 10));

    const json = await plan({ json: true });
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ total_jobs: 12, estimated_credits: 420, done: 10, to_run: 2, to_finish: 0, held: 0, credits_to_spend: 70 });
    expect(doc.manifests[0]).toMatchObject({ jobs: 12, estimated_credits: 420, out_dir: join(dir, 'output/sweep'), done: 10, to_run: 2, credits_to_spend: 70 });
    expect(doc.jobs.map((j: { need: string }) => j.need)).toEqual([...Array(10).fill('done'), 'submit', 'submit']);

    const table = await plan();
    expect(table.stdout).toContain('in output/sweep: 10 done, 2 to run: 70 credits to spend');
    expect(table.stdout).toContain('to spend now: 10 done, 2 to run: 70 credits to spend');
    expect(table.stdout).toMatch(new RegExp(`^ {2}${jobs[11]!.id} .* to run +35$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^ {2}${jobs[0]!.id} .* done +35$`, 'm'));
  });

  it('uses the run\'s own rule: a short file is fetched again (not paid), failed and unknown are held unless the flags say so', async () => {
    await writeFile(join(dir, 'sweep.yaml'), SWEEP);
    const jobs = (await loadManifests(['sweep.yaml'], { cwd: dir })).jobs;
    const at = (i: number, patch: Partial<LedgerJob>): LedgerJob => ({ ...ledgerRecordOf(jobs[i]!, '2026-12-01T00:00:00.000Z'), ...patch });
    const records = await succeeded('elsewhere', jobs.slice(0, 8), [
      at(8, { status: 'failed', video_id: '2', credits: 35, error: { code: 8, message: 'generation failed' } }),
      at(9, { status: 'unknown', attempts: 1 }),
      at(10, { status: 'submitted', video_id: '3', credits: 35 }),
      at(11, { status: 'skipped' }),
    ]);
    await writeFile(join(dir, 'elsewhere', records[0]!.file), 'vid'); // short: 3 bytes of 5

    const plain = JSON.parse((await plan({ json: true, out: 'elsewhere' })).stdout);
    expect(plain).toMatchObject({ done: 7, to_run: 1, to_finish: 2, held: 2, credits_to_spend: 35 });
    const flags = JSON.parse((await plan({ json: true, out: 'elsewhere', retryFailed: true, resubmitUnknown: true })).stdout);
    expect(flags).toMatchObject({ done: 7, to_run: 3, to_finish: 2, held: 0, credits_to_spend: 105 });
    // The manifest's own folder has no ledger: everything is to run there.
    expect(JSON.parse((await plan({ json: true })).stdout)).toMatchObject({ done: 0, to_run: 12, credits_to_spend: 420 });
  });
});

describe('plan table widths (string-width)', () => {
  it('counts combining marks as nothing and emoji as two columns', () => {
    expect(displayWidth('cafe\u0301')).toBe(4);
    expect(displayWidth('\u{1F44D}\u{1F3FD}')).toBe(2);
    expect(displayWidth('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}')).toBe(2);
    expect(displayWidth('一只小猫')).toBe(8);
  });

  it('keeps the columns aligned for file names with combining marks, CJK and emoji', async () => {
    await writeFile(
      join(dir, 'm.yaml'),
      'defaults: { quality: 360p, duration: 5, aspect_ratio: "16:9" }\nmatrix:\n  prompt:\n    - { id: "cafe\u0301", text: "a cafe" }\n    - { id: "一只小猫", text: "a kitten" }\n    - { id: "fox", text: "a fox \u{1F98A}" }\n',
    );
    const r = await plan({}, 'm.yaml');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}[0-9a-f]{16} /.test(l));
    expect(rows).toHaveLength(3);
    const columnOf = (row: string): number => stringWidth(row.slice(0, row.indexOf('16:9')));
    expect(new Set(rows.map(columnOf)).size).toBe(1);
  });
});
