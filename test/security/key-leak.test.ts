import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
// Plain ESM shared with the benchmarks.
import { runCli, startCli } from '../../bench/lib/cli-process.mjs';
import { walk } from '../../bench/lib/crash-harness.mjs';
import { manifestOf, THREE, TIME_SCALE } from '../faults/fault-run.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * The API key must appear in no log line, ledger, report, error message or crash output. Every scenario below
 * runs the built CLI with a distinctive key; at the end every file of the temp folder (ledgers, journals,
 * reports, log files) and every captured stdout/stderr is scanned for the key in any form.
 */
const KEY = 'sk-SECRET-7f3e9c1d5b-e-DO-NOT-LEAK-42a8';
const FORMS = [KEY, `Bearer ${KEY}`, '7f3e9c1d5b-e-DO-NOT-LEAK', Buffer.from(KEY).toString('base64'), encodeURIComponent(KEY).replace(/-/g, '%2D')];
/** Any 8 characters in a row of the key or of an encoding of it is a leak (a cut-short message leaves such runs). */
const FRAGMENT = 8;
const ENCODINGS = [
  KEY,
  encodeURIComponent(KEY).replace(/-/g, '%2D'),
  ...[0, 1, 2].map((pad) => Buffer.from(`${'A'.repeat(pad)}${KEY}`).toString('base64').slice(4, -4)),
];
const FRAGMENTS = [...new Set(ENCODINGS.flatMap((form) => Array.from({ length: form.length - FRAGMENT + 1 }, (_, j) => form.slice(j, j + FRAGMENT))))];

let dir: string;
const outputs: { label: string; text: string }[] = [];
const sims: Simulator[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  dir = await makeTempDir('key-leak');
});

afterAll(async () => {
  for (const s of sims) await s.close();
  for (const s of servers) await new Promise((r) => s.close(r));
  await removeTempDir(dir);
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator({ timeScale: TIME_SCALE, seed: 9, ...options });
  sims.push(s);
  return s;
}

async function manifest(name: string, prompts: readonly string[] = THREE): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, manifestOf(prompts));
  return file;
}

/** Runs the CLI with the key in its environment and keeps its output for the scan. */
async function cli(label: string, args: string[], options: { killWhen?: () => Promise<boolean>; env?: Record<string, string> } = {}) {
  const { child, done } = startCli(args, { env: { DMXAPI_API_KEY: KEY, ...options.env }, timeoutMs: 90_000, cwd: dir });
  // A crash in the middle of the work, not during startup: SIGKILL once the condition holds.
  const killWhen = options.killWhen;
  if (killWhen) {
    const check = async (): Promise<void> => {
      if (child.exitCode !== null) return;
      if (await killWhen()) child.kill('SIGKILL');
      else setTimeout(() => void check(), 10);
    };
    void check();
  }
  const r = await done;
  expect(r.timedOut).toBe(false);
  outputs.push({ label: `${label} stdout`, text: r.stdout }, { label: `${label} stderr`, text: r.stderr });
  return r;
}

const runArgs = (manifestPath: string, base: string, out: string, extra: string[] = []) => [
  'run', manifestPath, '--base-url', base, '--time-scale', String(TIME_SCALE), '--out', path.join(dir, out), '--no-progress', ...extra,
];

/** A gateway that echoes the Authorization header back in its error messages (a badly written proxy). */
async function echoingGateway(mode: 'errmsg' | '401' | 'cut'): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      if (mode === 'cut') {
        // The key lands across the 200-character excerpt of the message: cut short, part of it would stay.
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'invalid_api_key', message: `${'the token you sent is not valid here; '.repeat(5).slice(0, 180)} ${auth}`, type: 'rix_api_error' } }));
      } else if (mode === '401') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'invalid_api_key', message: `Invalid Token ${auth} (request id: 1)`, type: 'rix_api_error', param: auth } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ErrCode: 400017, ErrMsg: `invalid parameter for key ${auth}`, Resp: { key: auth } }));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function findKey(text: string): string | undefined {
  return FORMS.find((f) => text.includes(f)) ?? FRAGMENTS.find((f) => text.includes(f));
}

describe('the API key leaks nowhere', () => {
  it('a run with faults, debug logs in a --log-file, --json, and the commands that read the folder', async () => {
    const s = await sim({ faults: '429:0.2@max=3,reset-after/fetch:0.2@max=2,html-502/fetch:0.2@max=2,504-after-charge@first=1,truncate-media:0.3@max=2' });
    const m = await manifest('faults');
    const r = await cli('faults run', [...runArgs(m, s.url, 'out-faults', ['--json', '--log-level', 'trace', '--log-file', path.join(dir, 'faults.log')])]);
    expect(r.code).toBe(6);
    expect((await readFile(path.join(dir, 'faults.log'), 'utf8')).split('\n').length).toBeGreaterThan(10);
    // The same run's logs on stderr, at the most verbose level.
    const again = await cli('faults rerun', [...runArgs(m, s.url, 'out-faults', ['--log-level', 'trace', '--resubmit-unknown'])]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('"level"');
    await cli('status', ['status', path.join(dir, 'out-faults')]);
    await cli('status --json', ['status', '--json', path.join(dir, 'out-faults')]);
    await cli('report', ['report', path.join(dir, 'out-faults')]);
    await cli('validate', ['validate', m]);
    await cli('plan', ['plan', m]);
  });

  it('a run the service refuses (401 on every call)', async () => {
    const s = await sim({ apiKey: 'sk-the-only-key-the-account-has' });
    const r = await cli('401 run', [...runArgs(await manifest('refused'), s.url, 'out-401', ['--json', '--log-level', 'trace', '--log-file', path.join(dir, '401.log')])]);
    expect(r.code).toBe(3);
  });

  it('a gateway that echoes the key in its 401 message and in ErrMsg', async () => {
    const r401 = await cli('echo 401', [...runArgs(await manifest('echo401'), await echoingGateway('401'), 'out-echo-401', ['--json', '--log-level', 'trace'])]);
    expect(r401.code).toBe(3);
    const rMsg = await cli('echo errmsg', [...runArgs(await manifest('echomsg'), await echoingGateway('errmsg'), 'out-echo-msg', ['--json', '--log-level', 'trace'])]);
    expect(rMsg.code).toBe(5);
    const ledger = await readFile(path.join(dir, 'out-echo-msg', 'ledger.json'), 'utf8');
    expect(ledger).toContain('invalid parameter for key'); // the service's message is kept, the key is not
  });

  it('a gateway that cuts its echo of the key short, then status and report of that folder', async () => {
    const r = await cli('echo cut', [...runArgs(await manifest('echocut'), await echoingGateway('cut'), 'out-echo-cut', ['--json', '--log-level', 'trace'])]);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toContain('the token you sent is not valid');
    await cli('echo cut status', ['status', path.join(dir, 'out-echo-cut')]);
    await cli('echo cut status --json', ['status', '--json', path.join(dir, 'out-echo-cut')]);
    await cli('echo cut report', ['report', path.join(dir, 'out-echo-cut')]);
  });

  it('a gateway that puts the key in the media URL (path and query), whose downloads then fail', async () => {
    const s = await sim({ faults: 'key-in-url,html-502/media' });
    const r = await cli('key in url', [...runArgs(await manifest('keyurl'), s.url, 'out-key-url', ['--json', '--retries', '0', '--log-level', 'trace', '--log-file', path.join(dir, 'keyurl.log')])]);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('DOWNLOAD_HTTP');
    expect(r.stdout).toContain('/media/echo/');
    await cli('key in url status', ['status', path.join(dir, 'out-key-url')]);
    await cli('key in url status --json', ['status', '--json', path.join(dir, 'out-key-url')]);
    await cli('key in url report', ['report', path.join(dir, 'out-key-url')]);
  });

  it('a run killed with SIGKILL mid-run, then resumed', async () => {
    const s = await sim();
    const m = await manifest('crash', [...THREE, 'a bird at dawn', 'a boat at dusk', 'a tree in fog']);
    const killed = await cli('killed run', [...runArgs(m, s.url, 'out-crash', ['--log-level', 'trace', '--log-file', path.join(dir, 'crash.log')])], {
      // Some jobs submitted (journal events written), the run not finished.
      killWhen: async () => ((await stat(path.join(dir, 'out-crash', 'ledger.journal.jsonl')).catch(() => null))?.size ?? 0) > 2000,
    });
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await cli('resumed run', [...runArgs(m, s.url, 'out-crash', ['--log-level', 'trace', '--json'])]);
    expect([0, 6]).toContain(resumed.code);
  });

  it('a run against an unreachable service, and a missing key', async () => {
    const r = await cli('unreachable', [...runArgs(await manifest('unreachable'), 'http://127.0.0.1:9', 'out-unreachable', ['--retries', '0', '--log-level', 'trace'])]);
    expect([3, 6]).toContain(r.code);
    const missing = await runCli(['run', await manifest('nokey'), '--base-url', 'http://127.0.0.1:9'], { env: { DMXAPI_API_KEY: '' } });
    expect(missing.code).toBe(2);
  });

  it('scans every file and every output: the key is in none of them', async () => {
    const files = await walk(dir);
    const texts = [...outputs];
    for (const f of files) texts.push({ label: f, text: await readFile(path.join(dir, f), 'latin1') });
    // The scan is not vacuous: ledgers, journals, reports and log files of every scenario are in it.
    for (const needed of ['faults.log', '401.log', 'crash.log', 'keyurl.log', 'out-key-url/ledger.json', 'out-echo-cut/ledger.json', 'out-echo-cut/report.html', 'out-faults/ledger.json', 'out-faults/report.html', 'out-401/ledger.json', 'out-echo-msg/report.html', 'out-crash/ledger.json']) {
      expect(files).toContain(needed);
    }
    expect(files.some((f: string) => f.endsWith('.mp4'))).toBe(true);
    const leaks = texts.filter((t) => findKey(t.text)).map((t) => `${t.label}: ${findKey(t.text)}`);
    expect(leaks).toEqual([]);
    // And the scanner itself would see a leak.
    expect(findKey(`{"msg":"x","authorization":"Bearer ${KEY}"}`)).toBeDefined();
    expect(findKey(`invalid token Bearer ${KEY.slice(0, 12)}…`)).toBeDefined();
  });
});
