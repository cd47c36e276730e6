/** `paiwo-batch simulator`: serve the simulator until SIGINT/SIGTERM; the base URL is the first stdout line. */
import type { CommandIO } from './command-io.js';
import { EXIT } from '../errors/exit-codes.js';
import { startSimulator, type SimulatorOptions } from '../simulator/start-simulator.js';
import { resolveFaults } from '../simulator/fault-spec.js';
import type { PaceDrift } from '../simulator/sim-pace.js';
import { createLogger, DEFAULT_LOG_LEVEL, type Logger } from '../util/logger.js';
import { untilSignal } from '../util/until-signal.js';
import { listenError } from './listen-error.js';

export interface SimulatorCommandOptions {
  readonly port?: number;
  readonly host?: string;
  readonly timeScale?: number;
  readonly apiKey?: string;
  readonly concurrency?: number;
  readonly balance?: number;
  readonly faults?: string;
  readonly seed?: number;
  readonly bigIds?: boolean;
  readonly largeMedia?: number;
  readonly mediaTtl?: number;
  readonly failureRate?: number;
  readonly retryAfter?: number;
  readonly pace?: number;
  readonly paceSpread?: readonly [number, number];
  readonly paceDrift?: PaceDrift;
  readonly verbose?: boolean;
  /** Keep the state in this folder and start from what is there. */
  readonly stateDir?: string;
  /** Render a distinct take per video (ffmpeg). */
  readonly takes?: boolean;
  /** Resolves when the simulator should stop; default: the first SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
  readonly logger?: Logger;
}

export async function simulatorCommand(opts: SimulatorCommandOptions, io: CommandIO): Promise<number> {
  // A bad spec is a usage error (FaultSpecError, exit 2) before anything listens.
  const faults = resolveFaults(opts.faults);
  const logger = opts.logger ?? createLogger({ level: opts.verbose ? 'debug' : (io.env.PAIWO_LOG_LEVEL ?? DEFAULT_LOG_LEVEL) });
  const options: SimulatorOptions = {
    port: opts.port,
    host: opts.host,
    timeScale: opts.timeScale,
    apiKey: opts.apiKey,
    concurrency: opts.concurrency,
    balance: opts.balance,
    faults,
    seed: opts.seed,
    bigIds: opts.bigIds,
    largeMediaBytes: opts.largeMedia,
    mediaTtlMs: opts.mediaTtl,
    failureRate: opts.failureRate,
    retryAfterSeconds: opts.retryAfter,
    ...(opts.stateDir !== undefined && { stateDir: opts.stateDir }),
    ...(opts.takes && { takes: true }),
    pace: { pace: opts.pace, spread: opts.paceSpread, drift: opts.paceDrift },
    logger,
  };
  const sim = await startSimulator(options).catch((error: unknown) => {
    throw listenError(error, 'the simulator', opts.port, opts.host);
  });
  io.stdout.write(`${sim.url}\n`);
  logger.info({ url: sim.url, stats: `${sim.url}/__sim/stats`, ...(opts.stateDir !== undefined && { state_dir: opts.stateDir }) }, 'simulator listening');
  const signal = await (opts.until ?? untilSignal());
  logger.info({ signal }, 'simulator stopping');
  await sim.close();
  return EXIT.ok;
}
