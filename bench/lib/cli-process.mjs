// The built CLI as a child process, for the crash benchmark and the fault, crash and security tests: the
// simulator in its own process (it survives the runner's SIGKILLs) and `run` with a kill timer.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Runs `node dist/cli/main.js ...args` and collects its output. Never rejects for a non-zero exit.
 * @param {readonly string[]} args
 * @param {{ env?: Record<string, string | undefined>, cwd?: string, killAfterMs?: number, umask?: string,
 *   timeoutMs?: number, onSpawn?: (child: import('node:child_process').ChildProcess) => void }} [options]
 *   killAfterMs: SIGKILL the runner after this long (a crash); umask: run under `sh -c 'umask U; exec node …'`;
 *   timeoutMs: a safety net (SIGKILL, reported as timedOut) so a hang fails the caller instead of blocking it.
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string, killed: boolean,
 *   timedOut: boolean, ms: number }>}
 */
export function runCli(args, options = {}) {
  const env = { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const [cmd, argv] = options.umask
    ? ['/bin/sh', ['-c', `umask ${options.umask}; exec "$0" "$@"`, process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timers = [];
    if (options.killAfterMs !== undefined) {
      timers.push(setTimeout(() => {
        killed = child.kill('SIGKILL');
      }, options.killAfterMs));
    }
    if (options.timeoutMs !== undefined) {
      timers.push(setTimeout(() => {
        timedOut = child.kill('SIGKILL');
      }, options.timeoutMs));
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, stdout, stderr, killed: killed && signal === 'SIGKILL', timedOut, ms: performance.now() - started });
    });
    options.onSpawn?.(child);
  });
}

/**
 * `paiwo-batch simulator` in its own process. Resolves once it prints its URL.
 * @param {readonly string[]} args e.g. ['--time-scale', '0.01', '--faults', '429:0.1', '--seed', '3']
 * @returns {Promise<{ url: string, pid: number, stats(): Promise<any>, setFaults(spec: string): Promise<void>,
 *   setBalance(balance: number | null): Promise<void>, close(): Promise<void> }>}
 */
export async function startSimulatorProcess(args = []) {
  const child = spawn(process.execPath, [CLI, 'simulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PAIWO_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${stderr}`)));
  });
  const post = async (path, body) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  };
  return {
    url,
    pid: child.pid,
    async stats() {
      return (await fetch(`${url}/__sim/stats`)).json();
    },
    setFaults: (spec) => post('/__sim/faults', { spec }),
    setBalance: (balance) => post('/__sim/balance', { balance }),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same kill schedule. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
