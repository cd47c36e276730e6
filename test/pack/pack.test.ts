import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const exec = promisify(execFile);
const ROOT = process.cwd();

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function sh(command: string, args: readonly string[], cwd: string): Promise<Result> {
  // npm and npx read these: no audit or funding lookups, nothing from the network the npm cache already has.
  const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await exec(command, [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * What a user gets from `npm pack` (or the registry): the tarball installed into an empty project, its CLI run
 * through `npx` exactly as the README shows. The build is the one `npm test` just made (`pretest`), so the pack
 * skips `prepack`.
 */
describe('the packed tarball, installed into an empty project', () => {
  let dir: string;
  let project: string;
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    dir = await makeTempDir('pack');
    const packed = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string; mode: number }[] }[];
    tarball = join(dir, info!.filename);
    files = info!.files.map((f) => f.path);
    project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true }));
    const installed = await sh('npm', ['install', tarball, '--prefer-offline'], project);
    expect(installed.code, installed.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('holds the built CLI and library, the schema, the simulator media and the example manifests, and no sources or tests', () => {
    for (const f of ['dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'schemas/manifest.schema.json', 'manifests/demo.yaml', 'README.md', 'package.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('fixtures/media/') && f.endsWith('.mp4'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('output/') || f.startsWith('node_modules/'))).toEqual([]);
  });

  it('installs paiwo-batch as an executable bin with a node shebang', async () => {
    const bin = join(project, 'node_modules/.bin/paiwo-batch');
    expect((await stat(bin)).mode & 0o111).not.toBe(0);
    expect((await readFile(bin, 'utf8')).split('\n', 1)[0]).toBe('#!/usr/bin/env node');
  });

  it('npx paiwo-batch validate, run --simulator and status work there', async () => {
    await writeFile(join(project, 'demo.yaml'), await readFile(join(ROOT, 'manifests/demo.yaml')));
    const version = await sh('npx', ['paiwo-batch', '--version'], project);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);

    const validate = await sh('npx', ['paiwo-batch', 'validate', 'demo.yaml'], project);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toMatch(/^valid: 1 manifest, 8 jobs/);
    expect(validate.code).toBe(0);

    const run = await sh('npx', ['paiwo-batch', 'run', 'demo.yaml', '--simulator', '--no-progress'], project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('8 succeeded');
    const saved = (await readdir(join(project, 'output/demo.rehearsal'))).filter((f) => f.endsWith('.mp4'));
    expect(saved).toHaveLength(8);
    expect((await readFile(join(project, 'output/demo.rehearsal', saved[0]!))).subarray(4, 8).toString('latin1')).toBe('ftyp');

    const status = await sh('npx', ['paiwo-batch', 'status', 'output/demo.rehearsal'], project);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('every job succeeded.');
  }, 120_000);
});
