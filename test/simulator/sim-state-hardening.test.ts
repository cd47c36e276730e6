import { appendFile, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { UserError } from '../../src/errors/paiwo-error.js';
import { SIM_LOCK_FILE } from '../../src/simulator/sim-lock.js';
import { SIM_STATE_FILE } from '../../src/simulator/sim-persist.js';
import { startSimulator, TAKES_DIR } from '../../src/simulator/start-simulator.js';
import { writeLedger } from '../../src/ledger/store.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';
import { idOf, submit, useSimulators } from './sim-helpers.js';
import { KEY, writeManifest } from '../run/run-helpers.js';

/** Issue 22, items 9, 11, 12 and 13: the simulator's state folder and the servers' start. */
const start = useSimulators();
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

/** A port something already listens on, and a way to free it. */
async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the state journal (item 11)', () => {
  it('a torn last line is cut on load, so the next append does not bury it and the restart after that starts', async ({ tmp }) => {
    const a = await start({ stateDir: tmp });
    const first = idOf((await submit(a.url)).text);
    await a.close();
    await appendFile(join(tmp, SIM_STATE_FILE), '{"t":"video","v":{"id":"9'); // killed mid-write
    const b = await start({ stateDir: tmp });
    expect((await readFile(join(tmp, SIM_STATE_FILE), 'utf8')).endsWith('\n')).toBe(true);
    const second = idOf((await submit(b.url)).text);
    await b.close();
    const c = await start({ stateDir: tmp });
    expect(c.stats().videos.map((v) => v.id)).toEqual([first, second]);
  });

  it('a damaged line in the middle is refused naming the file and line: garbage, null, a video without fields, a non-numeric id', async ({ tmp }) => {
    const a = await start({ stateDir: tmp });
    await submit(a.url);
    await a.close();
    const good = await readFile(join(tmp, SIM_STATE_FILE), 'utf8');
    const damaged = ['garbage{', 'null', '{"t":"video"}', '{"t":"video","v":{}}', '{"t":"refund","id":"abc"}', '{"t":"video","v":{"id":"x1","credits":35}}'];
    for (const line of damaged) {
      await writeFile(join(tmp, SIM_STATE_FILE), `${line}\n${good}`);
      const error = await startSimulator({ timeScale: 0.001, stateDir: tmp }).then(
        (s) => s.close().then(() => null),
        (e: unknown) => e,
      );
      expect(error, line).toBeInstanceOf(UserError);
      expect((error as Error).message).toContain(`${join(tmp, SIM_STATE_FILE)}:1:`);
      expect((error as Error).message).toMatch(/damaged/);
    }
    // The command line says it without a stack trace (exit 2).
    const cli = await runCli(['simulator', '--state-dir', tmp, '--port', '0'], { timeoutMs: 30_000 });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`${SIM_STATE_FILE}:1:`);
    noStack(cli.stderr);
  });
});

describe('one simulator per state folder (item 12)', () => {
  it('a second simulator on the folder is refused while the first runs, and starts once it has stopped', async ({ tmp }) => {
    const a = await start({ stateDir: tmp });
    const id = idOf((await submit(a.url)).text);
    await expect(startSimulator({ stateDir: tmp })).rejects.toThrow(/in use by simulator pid \d+/);
    const cli = await runCli(['simulator', '--state-dir', tmp, '--port', '0'], { timeoutMs: 30_000 });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/one simulator per state folder/);
    noStack(cli.stderr);
    await a.close();
    await expect(stat(join(tmp, SIM_LOCK_FILE))).rejects.toThrow();
    const b = await start({ stateDir: tmp });
    expect(b.stats().videos.map((v) => v.id)).toEqual([id]);
    expect(idOf((await submit(b.url)).text)).not.toBe(id);
  });

  it('a lock left by a simulator that died is taken over', async ({ tmp }) => {
    await writeFile(join(tmp, SIM_LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }));
    const s = await start({ stateDir: tmp });
    expect(JSON.parse(await readFile(join(tmp, SIM_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await s.close();
  });
});

describe('a rehearsal never writes through planted links (item 9)', () => {
  it('simulator-state.jsonl as a link: refused, its target untouched', async ({ tmp }) => {
    await writeManifest(tmp, ['a fox']);
    const out = join(tmp, 'output/t.rehearsal');
    await mkdir(out, { recursive: true });
    await writeFile(join(tmp, 'victim'), 'keep me');
    await symlink(join(tmp, 'victim'), join(out, SIM_STATE_FILE));
    const r = await runCli(['run', 'm.yaml', '--simulator', '--no-progress', '--time-scale', '0.003'], { cwd: tmp, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/symbolic link/);
    noStack(r.stderr);
    expect(await readFile(join(tmp, 'victim'), 'utf8')).toBe('keep me');
  });

  it('simulator-takes/ as a link: refused, nothing written behind it', async ({ tmp }) => {
    const elsewhere = join(tmp, 'elsewhere');
    await mkdir(elsewhere);
    const state = join(tmp, 'state');
    await mkdir(state);
    await symlink(elsewhere, join(state, TAKES_DIR));
    await expect(startSimulator({ stateDir: state, takes: true })).rejects.toThrow(/symbolic link/);
    // The state folder is free again after the refusal.
    const s = await start({ stateDir: state });
    await s.close();
  });
});

describe('clear messages instead of stack traces (item 13)', () => {
  it('--state-dir naming a file; a journal that is a folder', async ({ tmp }) => {
    await writeFile(join(tmp, 'a-file'), 'x');
    const file = await runCli(['simulator', '--state-dir', join(tmp, 'a-file'), '--port', '0'], { timeoutMs: 30_000 });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/is not a folder/);
    noStack(file.stderr);
    await mkdir(join(tmp, 'state', SIM_STATE_FILE), { recursive: true });
    const folder = await runCli(['simulator', '--state-dir', join(tmp, 'state'), '--port', '0'], { timeoutMs: 30_000 });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/is not a file|is a folder/);
    noStack(folder.stderr);
  });

  it('a busy --port for simulator and review', async ({ tmp }) => {
    const busy = await busyPort();
    try {
      const sim = await runCli(['simulator', '--port', String(busy.port)], { timeoutMs: 30_000 });
      expect(sim.code).toBe(2);
      expect(sim.stderr).toMatch(/port is in use/);
      noStack(sim.stderr);
      await writeLedger(join(tmp, 'out'), makeLedger([makeLedgerJob({ id: 'job0' })]));
      const review = await runCli(['review', join(tmp, 'out'), '--port', String(busy.port)], { timeoutMs: 30_000 });
      expect(review.code).toBe(2);
      expect(review.stderr).toMatch(/port is in use/);
      noStack(review.stderr);
    } finally {
      await busy.close();
    }
  });

  it('merge --into an existing file', async ({ tmp }) => {
    await writeLedger(join(tmp, 's1'), makeLedger([makeLedgerJob({ id: 'job0' })]));
    await writeFile(join(tmp, 'into'), 'a file');
    const r = await runCli(['merge', join(tmp, 's1'), '--into', join(tmp, 'into')], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a file, not a folder/);
    noStack(r.stderr);
    expect(await readFile(join(tmp, 'into'), 'utf8')).toBe('a file');
  });
});
void KEY;
