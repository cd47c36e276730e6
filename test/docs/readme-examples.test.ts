import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const exec = promisify(execFile);
const CLI = join(process.cwd(), 'dist/cli/main.js');

/** The fenced blocks of one README section, in order. */
async function sectionBlocks(heading: string): Promise<string[]> {
  const readme = await readFile('README.md', 'utf8');
  const start = readme.indexOf(`\n## ${heading}`);
  expect(start, `README.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```[a-z]*\n([^]*?)\n```/g)].map((m) => m[1]!);
}

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the README walk-through stays true', () => {
  let dir: string;
  let blocks: string[];
  beforeAll(async () => {
    dir = await makeTempDir('readme');
    await mkdir(join(dir, 'manifests'));
    blocks = await sectionBlocks('A manifest, walked through');
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('the annotated manifest is valid', async () => {
    const manifest = blocks[0]!;
    expect(manifest).toContain('matrix:');
    await writeFile(join(dir, 'manifests', 'walk.yaml'), manifest);
    const r = await cli(['validate', 'manifests/walk.yaml'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('the bad manifest, saved where the README says, prints exactly the diagnostics shown, every problem at once, exit 2', async () => {
    const [, bad, shown] = blocks;
    const [prompt, ...expected] = shown!.split('\n');
    // The command exactly as shown: `$ npx paiwo-batch validate manifests/bad.yaml   # exit 2`.
    const command = /^\$ npx paiwo-batch (\S.*?)\s+# exit (\d+)$/.exec(prompt!);
    expect(command, prompt).not.toBeNull();
    const args = command![1]!.split(/\s+/);
    expect(args.at(-1)).toBe('manifests/bad.yaml');
    await writeFile(join(dir, 'manifests', 'bad.yaml'), bad!);
    const r = await cli(args, dir);
    expect(r.code).toBe(Number(command![2]));
    expect((r.stdout + r.stderr).trimEnd().split('\n')).toEqual(expected);
  });

  it('the bad manifest is the clone\'s test/fixtures/manifests/typo-demo.yaml, as the README says, and manifests/ holds none', async () => {
    const [, bad] = blocks;
    expect(`${bad}\n`).toBe(await readFile('test/fixtures/manifests/typo-demo.yaml', 'utf8'));
    const readme = await readFile('README.md', 'utf8');
    expect(readme).toContain('the clone has the same file as `test/fixtures/manifests/typo-demo.yaml`');
  });
});
