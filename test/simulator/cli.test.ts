import { describe, expect, it } from 'vitest';
import { FIRST_LINE, startCli } from '../../bench/lib/cli-process.mjs';
import { api, idOf, rawRequest, submit } from './sim-helpers.js';

const simulator = (args: string[]) => startCli(['simulator', ...args]);

describe('paiwo-batch simulator', () => {
  it('prints its base URL first, serves with the flags given, and stops with exit 0 on SIGTERM', async () => {
    const cli = simulator(['--port', '0', '--time-scale', '0.001', '--api-key', 'sk-cli', '--big-ids', '--concurrency', '3', '--balance', '100', '--seed', '9']);
    const url = await cli.waitFor(FIRST_LINE, 'stdout');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await api(url, { model: 'paiwo-get', input: '1' }, 'sk-other')).status).toBe(401);
    const ok = await api(url, { ...JSON.parse('{"model":"paiwo-v5.6-ttv","input":"cat","aspect_ratio":"1:1","duration":5,"quality":"360p"}') }, 'Bearer sk-cli');
    expect(BigInt(idOf(ok.text)) > 2n ** 53n).toBe(true);
    const stats = await rawRequest(`${url}/__sim/stats`);
    expect(stats.ok && JSON.parse(stats.res.text)).toMatchObject({ balance: 65, concurrency: { limit: 3 } });
    cli.child.kill('SIGTERM');
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    expect(stdout).toBe(`${url}\n`);
  });

  it('refuses a bad fault spec with exit 2, every problem listed, no stack trace', async () => {
    const cli = simulator(['--faults', 'bogus,429:3']);
    const { code, stdout, stderr } = await cli.done;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/unknown fault "bogus"/);
    expect(stderr).toMatch(/rate "3"/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('injects the faults given on the command line', async () => {
    const cli = simulator(['--faults', '500069@first=1', '--time-scale', '0.001']);
    const url = await cli.waitFor(FIRST_LINE, 'stdout');
    expect(JSON.parse((await submit(url)).text).ErrCode).toBe(500069);
    expect(JSON.parse((await submit(url)).text).ErrCode).toBe(0);
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(0);
  });
});
