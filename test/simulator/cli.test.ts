import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { api, idOf, rawRequest, submit } from './sim-helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'simulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const firstLine = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        child.stdout.off('data', onData);
        resolve(stdout.slice(0, nl));
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error(`exited before printing a URL: ${stderr}`)));
  });
  firstLine.catch(() => {}); // awaited by the tests that expect a URL
  return { child, firstLine, exited, out: () => ({ stdout, stderr }) };
}

describe('paiwo-batch simulator', () => {
  it('prints its base URL first, serves with the flags given, and stops with exit 0 on SIGTERM', async () => {
    const cli = startCli(['--port', '0', '--time-scale', '0.001', '--api-key', 'sk-cli', '--big-ids', '--concurrency', '3', '--balance', '100', '--seed', '9']);
    const url = await cli.firstLine;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await api(url, { model: 'paiwo-get', input: '1' }, 'sk-other')).status).toBe(401);
    const ok = await api(url, { ...JSON.parse('{"model":"paiwo-v5.6-ttv","input":"cat","aspect_ratio":"1:1","duration":5,"quality":"360p"}') }, 'Bearer sk-cli');
    expect(BigInt(idOf(ok.text)) > 2n ** 53n).toBe(true);
    const stats = await rawRequest(`${url}/__sim/stats`);
    expect(stats.ok && JSON.parse(stats.res.text)).toMatchObject({ balance: 65, concurrency: { limit: 3 } });
    cli.child.kill('SIGTERM');
    const [code] = await cli.exited;
    expect(code).toBe(0);
    expect(cli.out().stdout).toBe(`${url}\n`);
  });

  it('refuses a bad fault spec with exit 2, every problem listed, no stack trace', async () => {
    const cli = startCli(['--faults', 'bogus,429:3']);
    const [code] = await cli.exited;
    expect(code).toBe(2);
    const { stdout, stderr } = cli.out();
    expect(stdout).toBe('');
    expect(stderr).toMatch(/unknown fault "bogus"/);
    expect(stderr).toMatch(/rate "3"/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('injects the faults given on the command line', async () => {
    const cli = startCli(['--faults', '500069@first=1', '--time-scale', '0.001']);
    const url = await cli.firstLine;
    expect(JSON.parse((await submit(url)).text).ErrCode).toBe(500069);
    expect(JSON.parse((await submit(url)).text).ErrCode).toBe(0);
    cli.child.kill('SIGINT');
    expect((await cli.exited)[0]).toBe(0);
  });
});
