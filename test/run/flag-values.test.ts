import { describe, expect, it } from 'vitest';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';

/**
 * Every flag value is checked before anything starts: a bad one is a usage error (exit 2) that says what is
 * accepted, never an internal error with a stack trace. The manifest path does not even need to exist: the
 * flags are parsed first.
 */
const BAD: readonly { readonly args: readonly string[]; readonly says: string }[] = [
  { args: ['run', 'm.yaml', '--log-level', 'warning'], says: 'Allowed choices are trace, debug, info, warn, error, fatal, silent' },
  { args: ['run', 'm.yaml', '--retries', '-1'], says: 'expected a whole number of 0 or more and at most 100' },
  { args: ['run', 'm.yaml', '--retries', '1e9'], says: 'at most 100' },
  { args: ['run', 'm.yaml', '--concurrency', 'NaN'], says: 'expected a whole number of 1 or more' },
  { args: ['run', 'm.yaml', '--concurrency', '0x10'], says: 'expected a whole number of 1 or more' },
  { args: ['run', 'm.yaml', '--job-timeout', 'Infinity'], says: 'expected a number greater than 0 and at most 2,592,000' },
  { args: ['run', 'm.yaml', '--time-scale', '0'], says: 'expected a number greater than 0 and at most 100' },
  { args: ['run', 'm.yaml', '--time-scale', '1e400'], says: 'expected a number greater than 0 and at most 100' },
  { args: ['run', 'm.yaml', '--requests-per-second', '-3'], says: 'expected a number greater than 0' },
  { args: ['run', 'm.yaml', '--max-credits', '12.5'], says: 'expected a whole number of 0 or more' },
  { args: ['run', 'm.yaml', '--shard', '0/4'], says: 'expected k/n with 1 ≤ k ≤ n' },
  { args: ['run', 'm.yaml', '--shard', '99999999999999999999/1'], says: 'expected k/n with 1 ≤ k ≤ n' },
  { args: ['plan', 'm.yaml', '--max-jobs', ''], says: 'expected a whole number of 1 or more' },
  { args: ['simulator', '--port', '70000'], says: 'expected a whole number of 0 or more and at most 65,535' },
  { args: ['simulator', '--time-scale', 'fast'], says: 'expected a number greater than 0 and at most 100' },
  { args: ['simulator', '--failure-rate', '0x1'], says: 'expected a number from 0 to 1' },
];

describe('bad flag values', () => {
  it.each(BAD)('$args: exit 2 naming what is accepted', async ({ args, says }) => {
    const r = await runCli([...args], { env: { DMXAPI_API_KEY: 'sk-flags' }, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(says);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('run --help shows the defaults of --retries, --job-timeout, --time-scale and --log-level', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--retries <n> .*else 5\)/);
    expect(help).toMatch(/--job-timeout <seconds> .*else 1800\)/);
    expect(help).toMatch(/--time-scale <x> .*default 1, 0\.02 with --simulator\)/);
    expect(help).toMatch(/--log-level <level> pino log level \(default info\).*\(choices: "trace", .*"silent"\)/);
  });

  it('run --help says where the key comes from, where a rehearsal writes and where the log goes', async () => {
    const r = await runCli(['run', '--help']);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('export DMXAPI_API_KEY=');
    expect(help).toContain('output/<manifest name>.rehearsal/');
    expect(help).toMatch(/full JSON log goes to run\.log in the output folder/);
    expect(help).toMatch(/--log-file - puts the whole log on stderr/);
  });
});
