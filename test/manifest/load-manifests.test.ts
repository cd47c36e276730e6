import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { ManifestError } from '../../src/errors/manifest-error.js';
import { loadManifests, scanManifests } from '../../src/manifest/load-manifests.js';
import { shardJobs, shardOf } from '../../src/manifest/shard-jobs.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

const manifest = (name: string, prompts: string[], extra = ''): string =>
  `name: ${name}\ndefaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n  prompt: [${prompts.map((p) => JSON.stringify(p)).join(', ')}]\n${extra}`;

async function put(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), text);
}

async function failure(patterns: string[], options = {}): Promise<ManifestError> {
  const error = await loadManifests(patterns, { cwd: dir, ...options }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ManifestError);
  return error as ManifestError;
}

describe('loadManifests', () => {
  it('expands globs (sorted) and literal paths, each file once, named relative to the cwd', async () => {
    await put('m/b.yaml', manifest('b', ['B']));
    await put('m/sub/a.yaml', manifest('a', ['A']));
    const set = await loadManifests(['m/**/*.yaml', 'm/b.yaml'], { cwd: dir });
    expect(set.manifests.map((m) => m.path)).toEqual(['m/b.yaml', 'm/sub/a.yaml']);
    expect(set.jobs.map((j) => j.request.input)).toEqual(['B', 'A']);
    expect(set.jobs[0]!.manifest).toBe('m/b.yaml');
    expect(set.diagnostics).toEqual([]);
  });

  it('names a pattern that matches nothing, a missing file and a folder', async () => {
    await mkdir(path.join(dir, 'folder'));
    const error = await failure(['nothing/*.yaml', 'missing.yaml', 'folder']);
    expect(error.diagnostics.map((d) => [d.file, d.message])).toEqual([
      ['nothing/*.yaml', 'no file matches the pattern "nothing/*.yaml"'],
      ['missing.yaml', 'no such file'],
      ['folder', 'is a folder; name files or a glob such as "folder/**/*.yaml"'],
    ]);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.exitCode).toBe(2);
  });

  it('reports every problem of every file in one error', async () => {
    await put('one.yaml', 'defaults: { qualty: 540p }\n');
    await put('two.yaml', 'name: two\nrepeat: 0\n');
    await put('ok.yaml', manifest('ok', ['fine']));
    const error = await failure(['*.yaml']);
    expect(error.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.column}  ${d.path}`)).toEqual([
      'one.yaml:1:1  ',
      'one.yaml:1:13  defaults.qualty',
      // Checked without the invalid repeat: the file has no prompt at all.
      'two.yaml:1:1  ',
      'two.yaml:2:9  repeat',
    ]);
    expect(error.message).toContain('4 problems in the manifests');
  });

  it('refuses a file over 10 MB before reading it', async () => {
    await writeFile(path.join(dir, 'huge.yaml'), '');
    await truncate(path.join(dir, 'huge.yaml'), 50 * 1024 * 1024);
    const error = await failure(['huge.yaml']);
    expect(error.diagnostics).toEqual([expect.objectContaining({ file: 'huge.yaml', message: 'the file is 50.0 MB; a manifest may be at most 10 MB (not read)' })]);
  });

  it('refuses text that is not UTF-8', async () => {
    await writeFile(path.join(dir, 'latin1.yaml'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect((await failure(['latin1.yaml'])).diagnostics[0]!.message).toBe('the file is not UTF-8 text');
  });

  it('runs a job that two manifests share once, in the first, with a warning', async () => {
    await put('a.yaml', manifest('a', ['shared', 'only a']));
    await put('b.yaml', manifest('b', ['shared', 'only b']));
    const set = await loadManifests(['a.yaml', 'b.yaml'], { cwd: dir });
    expect(set.jobs.map((j) => [j.manifest, j.request.input])).toEqual([
      ['a.yaml', 'shared'],
      ['a.yaml', 'only a'],
      ['b.yaml', 'only b'],
    ]);
    expect(set.manifests[1]!.jobs).toHaveLength(1);
    expect(set.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', file: 'b.yaml', message: '1 job is also in a.yaml; it runs once, as part of a.yaml' })]);
  });

  it('refuses two manifests writing the same file into one output folder', async () => {
    await put('a.yaml', manifest('same', ['A cat'], 'filename: "{prompt}"\n'));
    await put('b.yaml', manifest('same', ['A cat'], '  seed: [5]\nfilename: "{prompt}"\n'));
    const error = await failure(['a.yaml', 'b.yaml']);
    expect(error.diagnostics.find((d) => d.severity === 'error')!.message).toMatch(/^1 job would write the same file as a job of a\.yaml in the shared output folder .*output\/same/);
  });

  it('--max-jobs overrides every manifest and limits them together', async () => {
    await put('a.yaml', manifest('a', ['1', '2', '3']));
    await put('b.yaml', manifest('b', ['4', '5', '6']));
    expect((await failure(['a.yaml'], { maxJobs: 2 })).diagnostics[0]!.message).toContain('plans 3 jobs, more than max_jobs (2)');
    expect((await failure(['*.yaml'], { maxJobs: 5 })).diagnostics).toEqual([
      expect.objectContaining({ file: '--max-jobs', message: 'the manifests plan 6 jobs together, more than --max-jobs 5' }),
    ]);
    expect((await loadManifests(['*.yaml'], { cwd: dir, maxJobs: 6 })).jobs).toHaveLength(6);
  });

  it('scanManifests returns what validate needs without throwing', async () => {
    await put('bad.yaml', 'nme: x\n');
    const scan = await scanManifests(['bad.yaml'], { cwd: dir });
    expect(scan.files).toEqual(['bad.yaml']);
    expect(scan.manifests).toEqual([]);
    expect(scan.diagnostics[0]).toMatchObject({ severity: 'error', line: 1, column: 1, message: 'unknown key "nme" (did you mean "name"?)' });
  });
});

describe('shards', () => {
  it('partition the jobs: disjoint, complete, stable when the manifest grows', async () => {
    await put('m.yaml', manifest('m', ['x'], '  seed: { from: 1, count: 200 }\n'));
    const all = (await loadManifests(['m.yaml'], { cwd: dir })).jobs;
    const shards = await Promise.all([1, 2, 3].map(async (index) => loadManifests(['m.yaml'], { cwd: dir, shard: { index, count: 3 } })));
    const ids = shards.map((s) => s.jobs.map((j) => j.id));
    expect(ids.flat().sort()).toEqual(all.map((j) => j.id).sort());
    expect(new Set(ids.flat()).size).toBe(all.length);
    for (const s of ids) expect(s.length).toBeGreaterThan(40);
    expect(shards[0]!.manifests[0]!.jobs.map((j) => j.id)).toEqual(ids[0]);

    await put('m.yaml', manifest('m', ['x'], '  seed: { from: 1, count: 400 }\n'));
    const grown = await loadManifests(['m.yaml'], { cwd: dir, shard: { index: 2, count: 3 } });
    expect(grown.jobs.map((j) => j.id)).toEqual(expect.arrayContaining(ids[1]!));
  });

  it('uses the first 8 hex digits of the id', () => {
    expect(shardOf('0000000a00000000', 4)).toBe(3);
    expect(shardJobs([{ id: 'ffffffff00000000' }], { index: 4, count: 4 })).toHaveLength(1);
    expect(shardJobs([{ id: 'ffffffff00000000' }], undefined)).toHaveLength(1);
  });
});
