// @ts-check
// The built CLI as a child process: the one way the tests and the benchmarks start it, collect its output, wait
// for a line, signal it, kill it (a crash), time it out or measure its CPU and peak RSS. Plain ESM typed with
// JSDoc, so node runs it without a TypeScript loader and tsc checks it (and the tests that import it) through
// tsconfig.test.json.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** For `waitFor`: a stream's first line, once its newline has arrived. */
export const FIRST_LINE = /^.*(?=\n)/;

const GNU_TIME = '/usr/bin/time';

/**
 * @typedef {object} CliOptions
 * @property {string} [cwd]
 * @property {Record<string, string | undefined>} [env] set over the starting environment; `undefined` removes a variable
 * @property {boolean} [inheritEnv] start from this process's environment (the default); false: from PATH and HOME
 *   only, so nothing of the caller's (CI, GITHUB_*, a real key) reaches the CLI
 * @property {string} [umask] run under `sh -c 'umask U; exec node …'`
 * @property {number} [killAfterMs] SIGKILL the CLI after this long (a crash), reported as `killed`
 * @property {number} [timeoutMs] a safety net: SIGKILL after this long, reported as `timedOut`, so a hang fails
 *   the caller instead of blocking it
 * @property {string} [script] the file node runs instead of this checkout's CLI: another build's
 *   dist/cli/main.js (a before/after), or a bench's own script
 * @property {readonly string[]} [nodeArgs] node's own flags, before the script (e.g. `--cpu-prof`)
 * @property {boolean} [measure] run under GNU time (`/usr/bin/time -v`, whose report ends stderr) for the result's
 *   `usage`; without it, only the peak RSS, sampled from /proc. `child` is then GNU time: a signal or a kill timer
 *   does not reach node, so do not combine it with them
 * @property {boolean} [echoStderr] also pass stderr through to this process's, as it comes
 */

/**
 * The same shape however the process ended: a non-zero exit or a signal is never a rejection.
 * @typedef {object} CliResult
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {string} stdout
 * @property {string} stderr
 * @property {boolean} killed ended by the `killAfterMs` timer
 * @property {boolean} timedOut ended by the `timeoutMs` timer
 * @property {number} ms from spawn to close
 * @property {CliUsage | null} usage with `measure`, else null
 */

/**
 * What the process cost; NaN where the machine cannot tell (no GNU time).
 * @typedef {object} CliUsage
 * @property {number} userMs
 * @property {number} sysMs
 * @property {number} cpuMs user + sys
 * @property {number} rssMb peak resident set
 * @property {number} voluntarySwitches
 * @property {number} involuntarySwitches
 */

/** @typedef {'stdout' | 'stderr'} CliStream */

/**
 * @typedef {object} CliProcess
 * @property {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>} child
 *   to signal it, e.g. `child.kill('SIGINT')`
 * @property {Promise<CliResult>} done resolves once the process has exited and closed its output
 * @property {(pattern: string | RegExp, stream?: CliStream) => Promise<string>} waitFor resolves with the text
 *   matched once `stream` (default stderr) shows `pattern`; rejects if the CLI ends first
 */

/**
 * Starts `node dist/cli/main.js ...args` and collects its output.
 * @param {readonly string[]} args
 * @param {CliOptions} [options]
 * @returns {CliProcess}
 */
export function startCli(args, options = {}) {
  /** @type {Record<string, string | undefined>} */
  const env = options.inheritEnv === false ? { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env } : { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  /** @type {[string, string[]]} */
  let [cmd, argv] = [process.execPath, [...(options.nodeArgs ?? []), options.script ?? CLI, ...args]];
  const timed = options.measure === true && existsSync(GNU_TIME);
  if (timed) [cmd, argv] = [GNU_TIME, ['-v', cmd, ...argv]];
  if (options.umask) [cmd, argv] = ['/bin/sh', ['-c', `umask ${options.umask}; exec "$0" "$@"`, cmd, ...argv]];
  const started = performance.now();
  const child = spawn(cmd, argv, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  /** @type {{ pattern: string | RegExp, stream: CliStream, resolve: (text: string) => void, reject: (error: Error) => void }[]} */
  let watchers = [];
  let ended = false;
  /** @param {string | RegExp} pattern @param {string} text */
  const matchOf = (pattern, text) => (typeof pattern === 'string' ? (text.includes(pattern) ? pattern : null) : (text.match(pattern)?.[0] ?? null));
  /** @param {string | RegExp} pattern */
  const endedBefore = (pattern) => new Error(`CLI ended before printing ${String(pattern)}:\n${output.stderr.slice(-2000)}`);
  for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
    child[stream].setEncoding('utf8').on('data', (/** @type {string} */ d) => {
      output[stream] += d;
      if (stream === 'stderr' && options.echoStderr) process.stderr.write(d);
      watchers = watchers.filter((w) => {
        const match = w.stream === stream ? matchOf(w.pattern, output[stream]) : null;
        if (match !== null) w.resolve(match);
        return match === null;
      });
    });
  }
  let killed = false;
  let timedOut = false;
  /** @type {NodeJS.Timeout[]} */
  const timers = [];
  if (options.killAfterMs !== undefined) timers.push(setTimeout(() => (killed = child.kill('SIGKILL')), options.killAfterMs));
  if (options.timeoutMs !== undefined) timers.push(setTimeout(() => (timedOut = child.kill('SIGKILL')), options.timeoutMs));
  let sampledRssKb = 0;
  if (options.measure && !timed) timers.push(setInterval(() => (sampledRssKb = Math.max(sampledRssKb, peakRssKb(child.pid))), 10));
  /** @param {Error} [error] */
  const end = (error) => {
    ended = true;
    for (const t of timers) clearTimeout(t);
    for (const w of watchers) w.reject(error ?? endedBefore(w.pattern));
    watchers = [];
  };
  /** @type {Promise<CliResult>} */
  const done = new Promise((resolve, reject) => {
    child.on('error', (error) => {
      end(error);
      reject(error);
    });
    child.on('close', (code, signal) => {
      end();
      const ms = performance.now() - started;
      const usage = !options.measure ? null : timed ? gnuTimeUsage(output.stderr) : { ...gnuTimeUsage(''), rssMb: sampledRssKb / 1024 || NaN };
      resolve({ ...output, code, signal, killed: killed && signal === 'SIGKILL', timedOut, ms, usage });
    });
  });
  done.catch(() => {}); // a failed spawn still rejects `done` for whoever awaits it; callers of waitFor alone see it there
  return {
    child,
    done,
    waitFor: (pattern, stream = 'stderr') =>
      new Promise((resolve, reject) => {
        const match = matchOf(pattern, output[stream]);
        if (match !== null) resolve(match);
        else if (ended) reject(endedBefore(pattern));
        else watchers.push({ pattern, stream, resolve, reject });
      }),
  };
}

/**
 * The figures of GNU time's `-v` report at the end of `stderr`.
 * @param {string} stderr
 * @returns {CliUsage}
 */
function gnuTimeUsage(stderr) {
  /** @param {string} label */
  const figure = (label) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(stderr)?.[1]);
  const userMs = figure('User time \\(seconds\\)') * 1000;
  const sysMs = figure('System time \\(seconds\\)') * 1000;
  return {
    userMs,
    sysMs,
    cpuMs: userMs + sysMs,
    rssMb: figure('Maximum resident set size \\(kbytes\\)') / 1024,
    voluntarySwitches: figure('Voluntary context switches'),
    involuntarySwitches: figure('Involuntary context switches'),
  };
}

/**
 * A live process's peak RSS so far (VmHWM), 0 once it is gone or where /proc is not.
 * @param {number | undefined} pid
 */
function peakRssKb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Runs the CLI to its end: `startCli(args, options).done`.
 * @param {readonly string[]} args
 * @param {CliOptions} [options]
 * @returns {Promise<CliResult>}
 */
export function runCli(args, options = {}) {
  return startCli(args, options).done;
}

/**
 * Like `runCli`, for callers that only go on after a success: a non-zero exit or a signal rejects, with the end of
 * stderr in the message.
 * @param {readonly string[]} args
 * @param {CliOptions} [options]
 * @returns {Promise<CliResult>}
 */
export async function runCliOk(args, options = {}) {
  const r = await runCli(args, options);
  if (r.code !== 0) throw new Error(`paiwo-batch ${args.join(' ')} ended with ${r.code ?? r.signal}:\n${r.stderr.slice(-2000)}`);
  return r;
}

/**
 * `paiwo-batch simulator` in its own process (it survives the runner's SIGKILLs), stopped with this process if not
 * before. Resolves once it prints its URL.
 * @param {readonly string[]} args e.g. ['--time-scale', '0.01', '--faults', '429:0.1', '--seed', '3']
 * @param {{ echoStderr?: boolean }} [options] echoStderr: show its warnings as they come (a bench)
 * @returns {Promise<{ url: string, pid: number | undefined, stats(): Promise<any>, setFaults(spec: string): Promise<void>,
 *   setBalance(balance: number | null): Promise<void>, close(): Promise<void> }>}
 */
export async function startSimulatorProcess(args = [], options = {}) {
  const sim = startCli(['simulator', ...args], { env: { PAIWO_LOG_LEVEL: 'warn' }, echoStderr: options.echoStderr });
  const stop = () => sim.child.kill('SIGTERM');
  process.once('exit', stop);
  void sim.done.finally(() => process.off('exit', stop)).catch(() => {});
  const url = (await sim.waitFor(FIRST_LINE, 'stdout')).trim();
  /** @param {string} path @param {unknown} body */
  const post = async (path, body) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  };
  return {
    url,
    pid: sim.child.pid,
    async stats() {
      return (await fetch(`${url}/__sim/stats`)).json();
    },
    setFaults: (spec) => post('/__sim/faults', { spec }),
    setBalance: (balance) => post('/__sim/balance', { balance }),
    async close() {
      if (sim.child.exitCode === null && sim.child.signalCode === null) sim.child.kill('SIGTERM');
      await sim.done;
    },
  };
}

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same kill schedule.
 * @param {number} seed
 */
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
