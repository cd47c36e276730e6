import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../bench/lib/cli-process.mjs';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { exampleManifestPaths } from '../helpers/example-manifests.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DIAGNOSTIC_LINE = /^\S+?(:\d+:\d+)?  \S+  .+$/;

let server: Server;
let requests = 0;
let dir: string;
let env: NodeJS.ProcessEnv;

/** Runs the built CLI; resolves with the exit code whatever it is. */
const cli = (args: string[], cwd = ROOT): Promise<CliResult> => runCli(args, { cwd, env });

function expectCleanFailure(r: CliResult): void {
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('internal error');
}

beforeAll(async () => {
  // Any request reaching this server would mean validate or plan touched the network.
  server = createServer((_req, res) => {
    requests++;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  env = { ...process.env, DMXAPI_BASE_URL: `http://127.0.0.1:${port}`, DMXAPI_API_KEY: 'sk-test', NO_COLOR: '1' };
  dir = await makeTempDir('cli-manifest');
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeTempDir(dir);
  expect(requests).toBe(0);
});

describe('paiwo-batch validate', () => {
  it('exits 0 for the example manifests (a glob) and summarises them', async () => {
    // In a folder holding the tracked examples alone: a user's own manifests/bad.yaml must not fail the suite.
    const project = path.join(dir, 'examples');
    await mkdir(path.join(project, 'manifests'), { recursive: true });
    for (const file of exampleManifestPaths()) await copyFile(file, path.join(project, 'manifests', path.basename(file)));
    const r = await cli(['validate', 'manifests/*.yaml'], project);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid: 3 manifests, \d+ jobs, about [\d,]+ credits\n$/);
    expect(r.stderr).toBe('');
  });

  it('exits 2 with every problem of every file as file:line:column  path  message, no stack', async () => {
    const r = await cli(['validate', 'test/fixtures/manifests/several-errors.yaml', 'test/fixtures/manifests/rules-errors.yaml']);
    expectCleanFailure(r);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('14 errors in 2 files; nothing was sent.');
    for (const l of lines.slice(0, -1)) expect(l).toMatch(DIAGNOSTIC_LINE);
    expect(lines).toContain('test/fixtures/manifests/several-errors.yaml:2:1  modle  unknown key "modle" (did you mean "model"?)');
    // Found by expansion although the file also has schema errors.
    expect(lines).toContain('test/fixtures/manifests/several-errors.yaml:9:7  matrix.prompt[0]  unknown variable {animl} in the prompt (did you mean "animal"?); write {{ and }} for literal braces');
    expect(lines).toContain(
      'test/fixtures/manifests/rules-errors.yaml:10:11  matrix.colour  warning: no prompt or negative prompt uses {colour}, so jobs that differ only in it send the same request (they run once)',
    );
  });

  it('reports the schema errors and what expansion finds in one run, and plan refuses the file', async () => {
    const f = 'test/fixtures/manifests/typo-demo.yaml';
    const r = await cli(['validate', f]);
    expectCleanFailure(r);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => !l.includes('  warning: ')).map((l) => l.split('  ')[0])).toEqual([
      `${f}:3:3`,
      `${f}:4:13`,
      `${f}:6:12`,
      `${f}:8:26`,
      `${f}:10:13`,
      '5 errors in 1 file; nothing was sent.',
    ]);
    const plan = await cli(['plan', '--json', f]);
    expectCleanFailure(plan);
    expect(plan.stdout).toBe('');
    expect(plan.stderr.trimEnd().split('\n').at(-1)).toBe('5 errors in the manifests; nothing was planned or sent.');
  });

  it('--json prints valid, files, errors and warnings', async () => {
    const r = await cli(['validate', '--json', 'test/fixtures/manifests/rules-errors.yaml', 'manifests/demo.yaml']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(false);
    expect(out.files).toEqual(['test/fixtures/manifests/rules-errors.yaml', 'manifests/demo.yaml']);
    expect(out.errors).toHaveLength(3);
    expect(out.errors[0]).toEqual({
      severity: 'error',
      file: 'test/fixtures/manifests/rules-errors.yaml',
      line: 4,
      column: 16,
      path: 'defaults.motion_mode',
      message: 'motion_mode "fast" does not support 8s on paiwo-v5.6-ttv; duration from matrix.duration[1] (12 jobs)',
    });
    expect(out.warnings).toHaveLength(1);
    const ok = await cli(['validate', '--json', 'manifests/demo.yaml']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, files: ['manifests/demo.yaml'], errors: [], warnings: [] });
  });

  it('names a glob that matches nothing', async () => {
    const r = await cli(['validate', 'nowhere/**/*.yaml']);
    expectCleanFailure(r);
    expect(r.stderr).toContain('nowhere/**/*.yaml  (file)  no file matches the pattern "nowhere/**/*.yaml"');
  });

  it('refuses an alias bomb and a 50 MB manifest quickly and cleanly', async () => {
    const big = path.join(dir, 'big.yaml');
    await writeFile(big, '');
    await truncate(big, 50 * 1024 * 1024);
    const r = await cli(['validate', 'test/fixtures/manifests/alias-bomb.yaml', big]);
    expectCleanFailure(r);
    expect(r.stderr).toContain('alias bomb');
    expect(r.stderr).toContain('the file is 50.0 MB; a manifest may be at most 10 MB (not read)');
  });
});

describe('paiwo-batch plan', () => {
  it('--json prints the exact request bodies, ids, files and credits', async () => {
    // --out: an empty folder, so nothing the worktree's own output/ holds counts as done.
    const r = await cli(['plan', '--json', '--out', dir, 'manifests/cat-sweep.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan)).toEqual(['manifests', 'total_jobs', 'estimated_credits', 'done', 'to_run', 'to_finish', 'held', 'over_budget', 'credits_to_spend', 'price_table_version', 'concurrency', 'estimated_seconds', 'jobs']);
    expect(plan.total_jobs).toBe(37);
    expect(plan.estimated_credits).toBe(24 * 80 + 12 * 90 + 195);
    expect(plan).toMatchObject({ done: 0, to_run: 37, credits_to_spend: 3195 });
    expect(plan.manifests).toEqual([
      { path: 'manifests/cat-sweep.yaml', name: 'cat-sweep', jobs: 37, estimated_credits: 3195, max_jobs: 1000, out_dir: dir, done: 0, to_run: 37, to_finish: 0, held: 0, over_budget: 0, credits_to_spend: 3195, concurrency: 4, estimated_seconds: plan.estimated_seconds },
    ]);
    expect(plan.jobs[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      manifest: 'manifests/cat-sweep.yaml',
      file: '一只-animal-在草地上玩耍_小猫_16x9_540p_5s_seed1.mp4',
      request: { model: 'paiwo-v5.6-ttv', input: '一只小猫在草地上玩耍', aspect_ratio: '16:9', quality: '540p', duration: 5, negative_prompt: 'no people', generate_audio_switch: true, seed: 1 },
      estimated_credits: 80,
      need: 'submit',
    });
    expect(new Set(plan.jobs.map((j: { id: string }) => j.id)).size).toBe(37);
  });

  it('prints a table per manifest with totals and the price table version', async () => {
    const r = await cli(['plan', '--out', dir, 'manifests/demo.yaml', 'manifests/cat-sweep.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo  (manifests/demo.yaml)  8 jobs, 640 credits');
    expect(r.stdout).toContain('0 done, 8 to run: 640 credits to spend');
    expect(r.stdout).toMatch(/^ {2}id {16}file +model +aspect +image +quality {2}duration {2}seed {2}state {3}credits$/m);
    expect(r.stdout).toMatch(/^ {2}[0-9a-f]{16} {2}kitten_16x9_540p_5s_seed1\.mp4 +paiwo-v5\.6-ttv +16:9 +- +540p +5s +1 +to run +80$/m);
    expect(r.stdout).toContain('total: 2 manifests, 45 jobs, about 3,835 credits');
    expect(r.stdout).toContain('price table of 2026-12-05');
  });

  it('shows the first 50 rows of a large plan and counts the rest', async () => {
    const file = path.join(dir, 'sweep.yaml');
    await writeFile(file, 'defaults: { prompt: a, aspect_ratio: "16:9", quality: 360p, duration: 5 }\nmatrix:\n  seed: { from: 1, count: 120 }\n');
    const r = await cli(['plan', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^ {2}[0-9a-f]{16} /.test(l))).toHaveLength(50);
    expect(r.stdout).toContain('… and 70 more jobs (plan --json lists them all)');
  });

  it('--max-jobs refuses a larger plan, naming the number', async () => {
    const r = await cli(['plan', '--max-jobs', '10', 'manifests/cat-sweep.yaml']);
    expectCleanFailure(r);
    expect(r.stderr).toContain('this manifest plans 37 jobs, more than max_jobs (10)');
    expect(r.stdout).toBe('');
  });

  it('refuses an impossible seed count at once with file:line and exit 2 (no allocation, no internal error)', async () => {
    const file = path.join(dir, 'seeds.yaml');
    await writeFile(file, 'defaults: { prompt: a, aspect_ratio: "16:9", quality: 360p, duration: 5 }\nmatrix:\n  seed: { random: 3000000000, base: 7 }\n');
    const r = await cli(['plan', '--max-jobs', '4000000000', file]);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(/seeds\.yaml:3:\d+ +matrix\.seed\.random +3,000,000,000 distinct random seeds cannot exist/);
  });

  it('--shard k/n plans a stable part and says which', async () => {
    const [one, two] = await Promise.all([cli(['plan', '--json', '--shard', '1/2', 'manifests/cat-sweep.yaml']), cli(['plan', '--json', '--shard', '2/2', 'manifests/cat-sweep.yaml'])]);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(a.shard).toEqual({ index: 1, count: 2 });
    expect(a.total_jobs + b.total_jobs).toBe(37);
    expect(a.manifests[0].jobs).toBe(a.total_jobs);
    expect(a.jobs.some((j: { id: string }) => b.jobs.some((k: { id: string }) => k.id === j.id))).toBe(false);
    const bad = await cli(['plan', '--shard', '3/2', 'manifests/cat-sweep.yaml']);
    expectCleanFailure(bad);
  });

  it('exits 2 on a broken manifest with its diagnostics and plans nothing', async () => {
    const r = await cli(['plan', '--json', 'test/fixtures/manifests/several-errors.yaml']);
    expectCleanFailure(r);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('11 errors in the manifests; nothing was planned or sent.');
  });
});
