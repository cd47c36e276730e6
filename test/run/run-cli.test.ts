import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../bench/lib/cli-process.mjs';
import { LOCK_FILE } from '../../src/ledger/output-lock.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { KEY, readLedgerFile, eachTestInProject, writeManifest } from './run-helpers.js';

let dir: string;
let sim: Simulator;

eachTestInProject((d) => (dir = d), () => sim);

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

const env = { DMXAPI_API_KEY: KEY };

describe('run (the built CLI as a process)', () => {
  it('refuses to start without a key: exit 2, a clear message, no stack, nothing sent', async () => {
    sim = await startSimulator({ timeScale: 0.003 });
    const file = await writeManifest(dir, ['p1']);
    const r = await runCli(['run', file, '--base-url', sim.url], { cwd: dir, inheritEnv: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DMXAPI_API_KEY is not set');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(sim.stats().requests).toBe(0);
  });

  it('--simulator with a missing or broken manifest reports it (exit 2) without starting the simulator first', async () => {
    const missing = await runCli(['run', 'no-such.yaml', '--simulator'], { cwd: dir, inheritEnv: false });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such.yaml');
    expect(missing.stderr).toContain('no such file');
    expect(missing.stderr).not.toContain('simulator');
    await writeFile(join(dir, 'broken.yaml'), 'name: broken\nmatrix:\n  prompt: [a]\n  qualty: [540p]\n');
    const broken = await runCli(['run', 'broken.yaml', '--simulator'], { cwd: dir, inheritEnv: false });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.yaml');
    expect(broken.stderr).not.toContain('simulator');
  });

  it('never writes or prints the key: not in any output file, the log file, stdout or stderr', async () => {
    sim = await startSimulator({ timeScale: 0.003, apiKey: KEY, faults: 'html-502/fetch:0.3,429:0.2,504-after-charge@first=1', seed: 3 });
    const file = await writeManifest(dir, ['p1', 'something forbidden', 'p3', 'p4']);
    const logFile = join(dir, 'logs/run.log');
    const a = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003', '--log-file', logFile, '--log-level', 'debug', '--json'], { cwd: dir, env, inheritEnv: false });
    expect([5, 6]).toContain(a.code);
    sim.setFaults('401');
    const b = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003', '--log-level', 'debug', '--resubmit-unknown'], { cwd: dir, env, inheritEnv: false });
    expect(b.code).toBe(3);
    const wrong = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003'], { cwd: dir, env: { DMXAPI_API_KEY: `${KEY}-wrong` }, inheritEnv: false });
    expect(wrong.code).toBe(3);
    const texts = [a.stdout, a.stderr, b.stdout, b.stderr, wrong.stdout, wrong.stderr];
    const files = await filesUnder(dir);
    expect(files).toContain(logFile);
    expect(files.some((f) => f.endsWith('ledger.json'))).toBe(true);
    for (const f of files) texts.push((await readFile(f)).toString('latin1'));
    expect((await readFile(logFile, 'utf8')).length).toBeGreaterThan(1000);
    for (const t of texts) {
      expect(t).not.toContain(KEY);
      expect(t).not.toContain(KEY.slice(3, 20));
    }
  });

  it('refuses a folder another live run holds (exit 2, naming it) and takes over a stale lock', async () => {
    sim = await startSimulator({ timeScale: 0.003 });
    const file = await writeManifest(dir, ['p1']);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'output/t'), { recursive: true });
    // This test process is alive and started before the lock was written: a live owner.
    await writeFile(join(dir, 'output/t', LOCK_FILE), JSON.stringify({ pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() }));
    const locked = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003'], { cwd: dir, env, inheritEnv: false });
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain(`pid ${process.pid}`);
    expect(sim.stats().requests).toBe(0);

    await writeFile(join(dir, 'output/t', LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), started_at: new Date().toISOString() }));
    const stale = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003'], { cwd: dir, env, inheritEnv: false });
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).toContain('stale lock');
    expect((await readdir(join(dir, 'output/t'))).includes(LOCK_FILE)).toBe(false);
  });

  it('survives SIGKILL mid-run: the rerun pays for nothing twice and finishes', async () => {
    sim = await startSimulator({ timeScale: 0.01, concurrency: 3 });
    const prompts = Array.from({ length: 16 }, (_, i) => `job ${i}`);
    const file = await writeManifest(dir, prompts, [1], 'run:\n  concurrency: 3\n');
    const cli = startCli(['run', file, '--base-url', sim.url, '--time-scale', '0.01', '--log-file', '-'], { cwd: dir, env, inheritEnv: false });
    await cli.waitFor(/("msg":"saved"[\s\S]*){4}/);
    cli.child.kill('SIGKILL');
    const killed = await cli.done;
    expect(killed.signal).toBe('SIGKILL');
    const rerun = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.01', '--json'], { cwd: dir, env, inheritEnv: false });
    const s = sim.stats();
    expect(s.submits.duplicate_bodies).toBe(0);
    const ledger = await readLedgerFile(dir);
    const unknown = ledger.jobs.filter((j) => j.status === 'unknown');
    // Only a submit that was on the wire at the kill can be unknown; everything else finished.
    expect(ledger.jobs.filter((j) => j.status !== 'unknown').every((j) => j.status === 'succeeded')).toBe(true);
    expect(unknown.length).toBeLessThanOrEqual(3);
    expect(rerun.code).toBe(unknown.length === 0 ? 0 : 6);
    expect(s.submits.accepted).toBeGreaterThanOrEqual(16 - unknown.length);
    expect(s.submits.accepted).toBeLessThanOrEqual(16);
  });

  it('Ctrl+C: stops submitting, records what is in flight, exits 130; the next run completes', async () => {
    sim = await startSimulator({ timeScale: 0.01, concurrency: 3 });
    const prompts = Array.from({ length: 16 }, (_, i) => `job ${i}`);
    const file = await writeManifest(dir, prompts, [1], 'run:\n  concurrency: 3\n');
    const cli = startCli(['run', file, '--base-url', sim.url, '--time-scale', '0.01', '--log-file', '-', '--json'], { cwd: dir, env, inheritEnv: false });
    await cli.waitFor(/("msg":"saved"[\s\S]*){3}/);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    const summary = JSON.parse(r.stdout);
    expect(summary.exit_code).toBe(130);
    expect(summary.stopped).toContain('interrupted');
    const after = await readLedgerFile(dir);
    expect(after.jobs.some((j) => j.status === 'submitting')).toBe(false);
    expect(after.jobs.filter((j) => j.status === 'pending').length).toBeGreaterThan(0);
    const acceptedAtStop = sim.stats().submits.accepted;
    // Every accepted submit is in the ledger with its id.
    expect(after.jobs.filter((j) => j.video_id !== null).length).toBe(acceptedAtStop);
    const rerun = await runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.01'], { cwd: dir, env, inheritEnv: false });
    expect(rerun.code).toBe(0);
    expect(sim.stats().submits.accepted).toBe(16);
    expect(sim.stats().submits.duplicate_bodies).toBe(0);
  });

  it('a second Ctrl+C exits at once with 130, losing nothing recorded', async () => {
    sim = await startSimulator({ timeScale: 0.01, concurrency: 3, faults: 'stall/submit@after=4' });
    const prompts = Array.from({ length: 10 }, (_, i) => `job ${i}`);
    const file = await writeManifest(dir, prompts, [1], 'run:\n  concurrency: 3\n');
    const cli = startCli(['run', file, '--base-url', sim.url, '--time-scale', '0.01', '--log-file', '-'], { cwd: dir, env, inheritEnv: false });
    await cli.waitFor(/("msg":"saved"[\s\S]*){2}/);
    cli.child.kill('SIGINT'); // stalled submits keep the first stop waiting for their answers...
    await cli.waitFor('Press Ctrl+C again');
    cli.child.kill('SIGINT'); // ...the second one does not wait
    const r = await cli.done;
    expect(r.code).toBe(130);
    const { readLedger } = await import('../../src/ledger/store.js');
    const ledger = await readLedger(join(dir, 'output/t'));
    const accepted = new Set(sim.stats().videos.map((v) => v.id));
    // Every id the service gave us and we acknowledged is in the journal; the stalled ones are `submitting`.
    for (const j of ledger.jobs.filter((x) => x.video_id)) expect(accepted.has(j.video_id!)).toBe(true);
    expect(ledger.jobs.filter((j) => j.status === 'submitting').length).toBeGreaterThan(0);
  });
});
