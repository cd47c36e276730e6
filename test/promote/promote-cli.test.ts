import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import type { Job } from '../../src/manifest/types.js';
import { estimateCredits } from '../../src/model/prices.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { KEY, readLedgerFile, TS } from '../run/run-helpers.js';

/**
 * The loop of issue 14 with the built CLI against the simulator: a 12-take sweep at 540p, two takes promoted to
 * 1080p (by id and from a picks.json), the manifest validated and planned, and running it adding 2 jobs beside
 * the 12, linked to their sources.
 */

let dir: string;
let sim: Simulator;
let sweep: LedgerJob[];
const env = { DMXAPI_API_KEY: KEY };
const OUT = 'output/sweep';

const cli = (args: string[]) => runCli(args, { cwd: dir, env, inheritEnv: false });

/** 2 prompts × 2 aspect ratios × 3 seeds; seed 0 lets the service pick, so "the seed used" differs from the one asked. */
const SWEEP = `name: sweep
defaults:
  quality: 540p
  duration: 5
  negative_prompt: "no people, {{no text}}"
matrix:
  prompt:
    - { id: fox, text: "a red fox in the snow" }
    - { id: owl, text: "an owl at dusk", motion_mode: fast }
  aspect_ratio: ["16:9", "9:16"]
  seed: [11, 22, 0]
`;

function jobsOf(text: string, file: string): Job[] {
  const parsed = parseManifest(text, file);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [...parsed.manifest!.jobs];
}

beforeAll(async () => {
  dir = await makeTempDir('promote-cli');
  sim = await startSimulator({ timeScale: TS, apiKey: KEY });
  await writeFile(join(dir, 'sweep.yaml'), SWEEP);
  const r = await cli(['run', 'sweep.yaml', '--base-url', sim.url, '--time-scale', String(TS)]);
  expect(r.code, r.stderr).toBe(0);
  sweep = (await readLedgerFile(dir, OUT)).jobs;
  expect(sweep).toHaveLength(12);
}, 120_000);
afterAll(async () => {
  await sim?.close();
  if (dir) await removeTempDir(dir);
});

describe('promote (built CLI, simulator)', () => {
  it('refuses 1080p with 10 s, giving the reason, and writes nothing', async () => {
    const r = await cli(['promote', OUT, '--ids', sweep[0]!.id, '--quality', '1080p', '--duration', '10', '-o', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`take ${sweep[0]!.id}`);
    expect(r.stderr).toMatch(/10s is not allowed at 1080p.*allowed: 5, 8/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await expect(access(join(dir, 'bad.yaml'))).rejects.toThrow();
  });

  it('refuses unknown ids, listing them, and a request identical to its take', async () => {
    const r = await cli(['promote', OUT, '--ids', `${sweep[0]!.id},0123456789abcdef,fedcba9876543210`, '--quality', '1080p']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no job 0123456789abcdef, fedcba9876543210 in output/sweep/ledger.json');
    expect(r.stdout).toBe('');
    const same = await cli(['promote', OUT, '--ids', sweep[0]!.id]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('already done');
    const neither = await cli(['promote', OUT, '--quality', '1080p']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('exactly one of --ids');
  });

  it('--picks takes the favourites of a picks.json (stdout), and refuses a file of another shape', async () => {
    const [a, b, c] = [sweep[4]!, sweep[7]!, sweep[9]!];
    const picks = { version: 1, updated_at: '2026-12-01T10:00:00.000Z', takes: { [a.id]: { mark: 'favourite', note: 'the light' }, [b.id]: { mark: 'reject', note: '' }, [c.id]: { mark: 'favourite', note: '' } } };
    await writeFile(join(dir, OUT, 'picks.json'), JSON.stringify(picks));
    const r = await cli(['promote', OUT, '--picks', `${OUT}/picks.json`, '--quality', '720p']);
    expect(r.code, r.stderr).toBe(0);
    expect([...r.stdout.matchAll(/^ {4}- from: "([0-9a-f]{16})"$/gm)].map((m) => m[1])).toEqual([a.id, c.id]);
    const jobs = jobsOf(r.stdout, 'picked.yaml');
    expect(jobs.map((j) => [j.promotedFrom, j.request.quality, j.request.seed])).toEqual([
      [a.id, '720p', a.seed],
      [c.id, '720p', c.seed],
    ]);
    await writeFile(join(dir, 'bad-picks.json'), JSON.stringify({ version: 1, takes: { [a.id]: { mark: 'love' } } }));
    const bad = await cli(['promote', OUT, '--picks', 'bad-picks.json', '--quality', '720p']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a picks file');
    expect(bad.stderr).toContain(`takes.${a.id}.mark`);
  });

  it('--ids to 1080p: a manifest that pins the used seeds, keeps every other field, plans 2 jobs and adds them beside the 12', async () => {
    // One take asked for seed 0 (the service picked one), one asked for 22: both are pinned to what was used.
    const picked = [sweep.find((j) => j.seed_requested === 0 && j.axes.prompt === 'fox')!, sweep.find((j) => j.seed_requested === 22 && j.axes.prompt === 'owl')!];
    expect(picked[0]!.seed).toBeGreaterThan(0);
    const r = await cli(['promote', OUT, '--ids', picked.map((j) => j.id).join(','), '--quality', '1080p', '-o', 'promoted.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('2 new jobs, about 150 credits');
    const text = await readFile(join(dir, 'promoted.yaml'), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*schemas\/manifest\.schema\.json$/);
    expect(text).toContain(`# take ${picked[0]!.id}  ${picked[0]!.file}`);
    expect(text).toContain('no upscale');

    const jobs = jobsOf(text, 'promoted.yaml');
    expect(jobs.map((j) => j.promotedFrom)).toEqual(picked.map((j) => j.id));
    jobs.forEach((job, i) => {
      const source = picked[i]!;
      expect(job.request).toEqual({ ...source.request, quality: '1080p', seed: source.seed });
      expect(job.request.negative_prompt).toBe('no people, {no text}');
    });
    expect(jobs[1]!.request.motion_mode).toBe('fast');

    const valid = await cli(['validate', 'promoted.yaml']);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stderr).toBe('');

    const credits = jobs.reduce((sum, j) => sum + estimateCredits(j.request)!, 0);
    const before = JSON.parse((await cli(['plan', '--json', 'promoted.yaml'])).stdout);
    expect(before).toMatchObject({ total_jobs: 2, done: 0, to_run: 2, credits_to_spend: credits });
    expect(before.manifests[0]).toMatchObject({ out: 'output/sweep', done: 0, to_run: 2, credits_to_spend: credits });

    const ran = await cli(['run', 'promoted.yaml', '--base-url', sim.url, '--time-scale', String(TS)]);
    expect(ran.code, ran.stderr).toBe(0);
    const ledger = (await readLedgerFile(dir, OUT)).jobs;
    expect(ledger).toHaveLength(14);
    const promoted = ledger.filter((j) => j.promoted_from !== undefined);
    expect(promoted.map((j) => [j.promoted_from, j.status, j.seed_requested, j.request.quality])).toEqual(picked.map((s) => [s.id, 'succeeded', s.seed, '1080p']));
    expect(ledger.filter((j) => sweep.some((s) => s.id === j.id)).every((j) => j.promoted_from === undefined && j.status === 'succeeded')).toBe(true);
    // The new jobs' axes are their sources' (quality and the pinned seed aside): the report can line them up.
    expect(promoted.map((j) => j.axes)).toEqual(picked.map((s) => ({ ...s.axes, quality: '1080p', seed: s.seed })));

    const after = JSON.parse((await cli(['plan', '--json', 'promoted.yaml'])).stdout);
    expect(after).toMatchObject({ done: 2, to_run: 0, credits_to_spend: 0 });
    const again = JSON.parse((await cli(['plan', '--json', 'sweep.yaml'])).stdout);
    expect(again).toMatchObject({ total_jobs: 12, done: 12, to_run: 0, credits_to_spend: 0 });
    // Promoting the same take again names the job that already exists instead of counting it as new.
    const twice = await cli(['promote', OUT, '--ids', picked[0]!.id, '--quality', '1080p']);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stderr).toContain(`the re-render of take ${picked[0]!.id} is already job ${promoted[0]!.id} of this folder (succeeded)`);
    expect(twice.stderr).toContain('0 new jobs, about 0 credits (1 already in the folder)');
  }, 120_000);
});
