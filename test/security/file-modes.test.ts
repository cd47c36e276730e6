import { lstat, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';
import { manifestOf, THREE, TIME_SCALE } from '../faults/fault-run.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * Files are created with the user's umask and no executable bit: the CLI runs under `sh -c 'umask U; exec node …'`
 * and every file and folder it made (videos in sub-folders, ledger, journal, lock-free end state, report, log) is
 * checked.
 */
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: TIME_SCALE, seed: 4 });
  dir = await makeTempDir('modes');
});

afterAll(async () => {
  await sim.close();
  await removeTempDir(dir);
});

async function modesUnder(root: string): Promise<{ files: Map<string, number>; dirs: Map<string, number> }> {
  const files = new Map<string, number>();
  const dirs = new Map<string, number>();
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath, e.name);
    const mode = (await lstat(full)).mode & 0o777;
    (e.isDirectory() ? dirs : files).set(path.relative(root, full), mode);
  }
  return { files, dirs };
}

describe('file modes follow the umask, never executable', () => {
  for (const umask of ['022', '077'] as const) {
    it(`umask ${umask}: files ${(0o666 & ~Number.parseInt(umask, 8)).toString(8)}, folders ${(0o777 & ~Number.parseInt(umask, 8)).toString(8)}`, async () => {
      const base = path.join(dir, `umask-${umask}`);
      const manifestPath = path.join(dir, `m-${umask}.yaml`);
      // Sub-folders per prompt: the folders the runner creates are checked too.
      await writeFile(manifestPath, manifestOf(THREE).replace('name: faults', 'name: modes\nfilename: "{prompt}/{seed}"'));
      const r = await runCli(
        ['run', manifestPath, '--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--out', path.join(base, 'out'), '--no-progress', '--log-file', path.join(base, 'run.log')],
        { env: { DMXAPI_API_KEY: 'sk-modes' }, umask, timeoutMs: 60_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      const { files, dirs } = await modesUnder(base);
      const mask = Number.parseInt(umask, 8);
      expect([...files.keys()].filter((f) => f.endsWith('.mp4'))).toHaveLength(3);
      for (const f of ['out/ledger.json', 'out/ledger.journal.jsonl', 'out/report.html', 'run.log']) expect(files.has(f), f).toBe(true);
      for (const [f, mode] of files) {
        expect(mode & 0o111, `${f} is executable (${mode.toString(8)})`).toBe(0);
        expect(mode & mask, `${f} ignores the umask (${mode.toString(8)})`).toBe(0);
        if (f.endsWith('.mp4')) expect(mode, f).toBe(0o666 & ~mask);
      }
      expect(dirs.size).toBeGreaterThanOrEqual(4);
      for (const [d, mode] of dirs) expect(mode, d).toBe(0o777 & ~mask);
    });
  }
});
