import type { Command } from 'commander';
import { parseNonNegativeInt, parsePort, parsePositiveInt, parsePositiveNumber, parseTimeScale, processIO } from '../io.js';
import { simulatorCommand } from '../../commands/simulator.js';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_JITTER, parseDrift, parseSpread } from '../../simulator/sim-pace.js';
import { SIMULATOR_DEFAULTS } from '../../simulator/simulator-options.js';

/** A parser that throws RangeError, as commander's usage error. */
function cliParse<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function parseRate(value: string): number {
  const n = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number from 0 to 1, got ${JSON.stringify(value.slice(0, 40))}`);
  return n;
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('serve a local simulator of the DMXAPI paiwo API; prints its base URL first, runs until stopped')
    .option('--port <n>', 'port to listen on, 0 to 65535 (0 = any free port)', parsePort, SIMULATOR_DEFAULTS.port)
    .option('--host <host>', 'address to bind', SIMULATOR_DEFAULTS.host)
    .option('--time-scale <x>', 'multiply generation times, above 0 and at most 100 (0.01 makes a 25 s job take 250 ms)', parseTimeScale, SIMULATOR_DEFAULTS.timeScale)
    .option('--api-key <key>', 'accept only this key (default: any non-empty key)')
    .option('--concurrency <n>', `the account's concurrent-generation limit (500044 beyond it; default ${SIMULATOR_DEFAULTS.concurrency})`, parsePositiveInt)
    .option('--balance <credits>', 'the account\'s credits (500090 when short)', parseNonNegativeInt)
    .option('--faults <spec>', 'failure modes to inject, e.g. "429:0.1,504-after-charge:0.02" (see docs/simulator.md)')
    .option('--seed <n>', `seed for faults, jitter, ids and random seeds, so a run can be replayed (default ${SIMULATOR_DEFAULTS.seed})`, parseNonNegativeInt)
    .option('--big-ids', 'issue video ids above 2^53')
    .option('--large-media <bytes>', 'serve media files of this size (a real MP4 padded as a stream)', parsePositiveInt)
    .option('--media-ttl <ms>', `media URL lifetime in ms (default ${SIMULATOR_DEFAULTS.mediaTtlMs / 3_600_000} hour × time-scale); the expire-media fault refuses older URLs`, parsePositiveInt)
    .option('--failure-rate <share>', 'share of generations that end in status 8 (0..1)', parseRate)
    .option('--pace <factor>', 'the service\'s pace: × the expected generation times (2 = a busy evening, 0.5 = a quiet night)', parsePositiveNumber)
    .option('--pace-spread <low-high>', `each generation's factor drawn uniformly in this range (default ${1 - DEFAULT_JITTER}-${1 + DEFAULT_JITTER})`, cliParse(parseSpread))
    .option('--pace-drift <from-to/seconds>', 'the pace moves from FROM× to TO× over SECONDS of service time from the first submit, e.g. 0.6-1.8/600', cliParse(parseDrift))
    .option('--retry-after <seconds>', `Retry-After value of the 429 fault (default ${SIMULATOR_DEFAULTS.retryAfterSeconds})`, parseNonNegativeInt)
    .option('--state-dir <dir>', 'keep the state (videos, ids, charges, balance) in this folder and resume from it: one service across restarts')
    .option('--takes', 'serve each video as a distinct take of its duration and size showing its prompt and seed (needs ffmpeg)')
    .option('--verbose', 'log every request (pino, debug level) on stderr')
    .action(async (opts: Parameters<typeof simulatorCommand>[0]) => {
      process.exitCode = await simulatorCommand(opts, processIO());
    });
}
