import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/ledger/output-lock.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { eachTestInProject, runInProcess, TS, writeManifest } from './run-helpers.js';

let dir: string;
let sim: Simulator;

eachTestInProject((d) => (dir = d), () => sim);

/** The pino JSON lines of a text, parsed. */
const logLines = (text: string): { level: number; msg: string }[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{"level":'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });

/** A lock left by a run that is no longer alive: the run takes it over with a warning. */
async function plantStaleLock(): Promise<void> {
  await mkdir(join(dir, 'output/t'), { recursive: true });
  await writeFile(join(dir, 'output/t', LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), started_at: new Date().toISOString() }));
}

describe('the run log outside a terminal', () => {
  it('by default: the full log in <out>/run.log, only warnings (and the progress lines) on stderr', async () => {
    sim = await startSimulator({ timeScale: TS });
    await plantStaleLock();
    const file = await writeManifest(dir, ['a cat', 'a dog'], [1, 2]);
    const r = await runInProcess(dir, [file], { baseUrl: sim.url, logLevel: undefined });
    expect(r.code, r.stderr).toBe(0);
    const onStderr = logLines(r.stderr);
    expect(onStderr.map((l) => l.msg)).toEqual(['taking over a stale lock left by a run that is no longer alive']);
    expect(onStderr.every((l) => l.level >= 40)).toBe(true);
    expect(r.stderr).toContain('paiwo-batch: the full log is in output/t/run.log; only its warnings are shown here (--log-file - shows it all)');
    expect(r.stderr).toMatch(/^progress: 4\/4 succeeded/m);
    const log = logLines(await readFile(join(dir, 'output/t/run.log'), 'utf8'));
    expect(log.filter((l) => l.msg === 'saved')).toHaveLength(4);
    expect(log.some((l) => l.msg.startsWith('taking over a stale lock'))).toBe(true);
  });

  it('--log-file - puts the whole log on stderr, as before; so does an explicit --log-level; neither writes run.log', async () => {
    sim = await startSimulator({ timeScale: TS });
    const file = await writeManifest(dir, ['a cat', 'a dog'], [1, 2]);
    const all = await runInProcess(dir, [file], { baseUrl: sim.url, logLevel: undefined, logFile: '-', out: 'a' });
    expect(all.code, all.stderr).toBe(0);
    expect(logLines(all.stderr).filter((l) => l.msg === 'saved')).toHaveLength(4);
    const debug = await runInProcess(dir, [file], { baseUrl: sim.url, logLevel: 'debug', out: 'b' });
    expect(logLines(debug.stderr).filter((l) => l.msg === 'saved')).toHaveLength(4);
    for (const out of ['a', 'b']) expect(await stat(join(dir, out, 'run.log')).catch(() => null)).toBeNull();
  });
});
