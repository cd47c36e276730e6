import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../bench/lib/cli-process.mjs';
import type { DoctorReport } from '../../src/commands/doctor.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const KEY = 'sk-9f3e1c7b5a20d4';

/** A tiny server answering every request with `answer` (an HTML page, a redirect…). */
async function serve(answer: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function doctor(args: readonly string[], env: Record<string, string | undefined> = { DMXAPI_API_KEY: KEY }, cwd?: string) {
  const r = await runCli(['doctor', '--json', ...args], { env: { DMXAPI_BASE_URL: undefined, ...env }, timeoutMs: 60_000, ...(cwd && { cwd }) });
  expect(r.timedOut).toBe(false);
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport, stderr: r.stderr };
}

describe('paiwo-batch doctor (issue 21): free checks only', () => {
  let sim: Simulator;
  let dir: string;
  let manifest: string;
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: KEY, timeScale: 0.01 });
    dir = await makeTempDir('doctor');
    manifest = path.join(dir, 'night.yaml');
    await writeFile(
      manifest,
      stringify({ name: 'night', defaults: { aspect_ratio: '16:9', quality: '720p', duration: 5 }, matrix: { prompt: ['a cat', 'a dog', 'a fox'] }, run: { out: path.join(dir, 'out') } }),
    );
  });
  afterAll(async () => {
    await sim.close();
    await removeTempDir(dir);
  });

  it('all well: exit 0, the key and the gateway checked with a free call, the folder with room; nothing submitted or charged', async () => {
    const { code, report } = await doctor(['--base-url', sim.url, manifest], { DMXAPI_API_KEY: KEY }, dir);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status === 'error')).toEqual([]);
    const output = report.checks.find((c) => c.name === 'output')!;
    expect(output.folder).toBe(path.join(dir, 'out'));
    // 3 × 720p 16:9 5 s, ~0.6 MB each at the estimate's bitrate.
    expect(output.needed_bytes).toBeGreaterThan(1_000_000);
    expect(output.free_bytes).toBeGreaterThan(output.needed_bytes!);
    const stats = sim.stats();
    expect(stats.submits).toEqual({ accepted: 0, rejected: 0, duplicate_bodies: 0 });
    expect(stats.credits.charged).toBe(0);
    expect(stats.fetches).toBeGreaterThan(0);
  });

  it('a refused key: exit 3, nothing charged', async () => {
    const { code, report } = await doctor(['--base-url', sim.url], { DMXAPI_API_KEY: 'sk-wrong-key' });
    expect(code).toBe(3);
    expect(report.checks.find((c) => c.name === 'key')).toMatchObject({ status: 'error', exit: 3 });
    expect(JSON.stringify(report)).not.toContain('sk-wrong-key');
    expect(sim.stats().credits.charged).toBe(0);
  });

  it('no key: exit 2, nothing sent', async () => {
    const before = sim.stats().requests;
    const { code, report } = await doctor(['--base-url', sim.url], { DMXAPI_API_KEY: undefined });
    expect(code).toBe(2);
    expect(report.checks.find((c) => c.name === 'key')?.status).toBe('error');
    expect(sim.stats().requests).toBe(before + 0);
  });

  it('nothing listening: exit 8, at once', async () => {
    const { url, server } = await serve((res) => res.end());
    await new Promise((r) => server.close(r));
    const { code, report } = await doctor(['--base-url', url]);
    expect(code).toBe(8);
    expect(report.checks.find((c) => c.name === 'service')).toMatchObject({ status: 'error', exit: 8 });
  });

  for (const [what, answer] of [
    ['an HTML error page (a proxy, a gateway down)', (res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>')],
    ['an HTML page with 200 (a captive portal)', (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>')],
    ['a redirect', (res) => res.writeHead(302, { Location: 'https://example.invalid/' }).end()],
  ] as const satisfies readonly (readonly [string, (res: import('node:http').ServerResponse) => void])[]) {
    it(`not the contract's gateway — ${what}: exit 8`, async () => {
      const { url, server } = await serve(answer);
      try {
        const { code, report } = await doctor(['--base-url', url]);
        expect(code).toBe(8);
        expect(report.checks.find((c) => c.name === 'service')?.status).toBe('error');
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  }

  it('an output folder that cannot be made (a file on its path): exit 7', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const { code, report } = await doctor(['--base-url', sim.url, '--out', path.join(file, 'out'), manifest], { DMXAPI_API_KEY: KEY }, dir);
    expect(code).toBe(7);
    expect(report.checks.find((c) => c.name === 'output')).toMatchObject({ status: 'error', exit: 7 });
  });

  // Free space, on a real small filesystem (root only, like test/run/disk-full-tmpfs.test.ts).
  const small = path.join(process.env.TMPDIR ?? '/tmp', `paiwo-doctor-tmpfs-${process.pid}`);
  const mounted = (() => {
    if (process.getuid?.() !== 0) return false;
    try {
      execFileSync('mkdir', ['-p', small]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  afterAll(() => {
    if (mounted) execFileSync('umount', ['-l', small]);
  });
  it.skipIf(!mounted)('a folder without room for the planned videos: exit 7, naming what is needed and free', async () => {
    await mkdir(path.join(small, 'out'), { recursive: true });
    const { code, report } = await doctor(['--base-url', sim.url, '--out', path.join(small, 'out'), manifest], { DMXAPI_API_KEY: KEY }, dir);
    expect(code).toBe(7);
    const output = report.checks.find((c) => c.name === 'output')!;
    expect(output.free_bytes!).toBeLessThan(output.needed_bytes!);
    expect(output.message).toMatch(/need about .* only .* free/);
  });

  it('--simulator: all well without a key', async () => {
    const { code, report } = await doctor(['--simulator'], { DMXAPI_API_KEY: undefined });
    expect(code).toBe(0);
    expect(report.service).toBe('simulator');
  });
});
