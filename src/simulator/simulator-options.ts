/** The simulator's start options, as written and resolved (every default filled in). */
import type { Logger } from '../util/logger.js';
import type { FaultSpec } from './fault-spec.js';
import type { ResolvedSimulatorOptions } from './sim-context.js';
import { resolvePace, type PaceOptions } from './sim-pace.js';

export interface SimulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Multiplies generation times and the 10-minute slot release: 0.01 makes a 25 s job take 250 ms. @default 1 */
  readonly timeScale?: number;
  /** Only this key is accepted; `undefined`: any non-empty key. A missing or empty Authorization is always 401. */
  readonly apiKey?: string;
  /** The account's concurrent-generation limit: generations in status 5 count; 500044 beyond it. @default 20 */
  readonly concurrency?: number;
  /** The account's credits; 500090 when a submit costs more. @default null (unlimited) */
  readonly balance?: number | null;
  /** Failure modes to inject (fault-spec.ts). @default none */
  readonly faults?: string | readonly FaultSpec[];
  /** Seeds ids, random seeds, jitter, tokens and fault decisions: same seed + same request order = same run. @default 1 */
  readonly seed?: number;
  /** Issue ids above 2^53 (odd, so no id survives a JS number). @default false */
  readonly bigIds?: boolean;
  /** Serve every video padded to this many bytes (a valid MP4 generated as a stream), for download benchmarks. */
  readonly largeMediaBytes?: number;
  /** Size served by the `oversize-media` fault. @default 256 MiB */
  readonly oversizeMediaBytes?: number;
  /** Size of the `huge-json` fault's body. @default 100 MB */
  readonly hugeJsonBytes?: number;
  /**
   * How long a media URL stays valid, in real ms from when the video finished. A fetch after that returns a
   * fresh URL; only the `expire-media` fault refuses an old one (403), so rehearsals are not flaky.
   * @default 3_600_000 × timeScale (the hour other resellers keep outputs, B.7, on the simulator's clock)
   */
  readonly mediaTtlMs?: number;
  /** Prompts containing one of these (case-insensitive) generate, then end in status 7 and are refunded. @default ['forbidden', 'nsfw', '暴力'] */
  readonly moderationWords?: readonly string[];
  /** Prompts containing one of these are refused at submit with 500054, nothing charged. @default ['prohibited', '色情'] */
  readonly submitModerationWords?: readonly string[];
  /** Share of generations that end in status 8. @default 0 */
  readonly failureRate?: number;
  /**
   * The service's pace (sim-pace.ts): a factor on the table's generation times, the spread of each draw and a
   * drift during the run, to rehearse a busy evening or a quiet night. @default the table's, ±15 %, no drift
   */
  readonly pace?: PaceOptions;
  /** The `Retry-After` value (whole seconds, as HTTP requires) of the `429` fault. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Requests are logged at debug. @default silent */
  readonly logger?: Logger;
  /**
   * Keep the state (videos, ids, charges, balance) in this folder (`simulator-state.jsonl`), or alike in each of
   * these folders, and start from what is there: one persistent service across restarts (sim-persist.ts).
   * @default none: the state lives and dies with the process
   */
  readonly stateDir?: string | readonly string[];
  /**
   * Serve each video as a distinct take of its requested duration and size, showing its prompt, seed and
   * settings (render-take.ts; needs ffmpeg, else the shipped clip). Not with `largeMediaBytes`. @default false
   */
  readonly takes?: boolean;
  /** Where rendered takes are cached. @default `<first stateDir>/simulator-takes/`, else a new temporary folder */
  readonly takesCacheDir?: string;
  /** The ffmpeg to render takes with. @default `ffmpeg` on the PATH */
  readonly ffmpegPath?: string;
  /** Said once to the user (e.g. "no ffmpeg: the shipped clip instead"). @default logger.warn */
  readonly onNotice?: (message: string) => void;
}

/** The simulator's defaults, once: `resolveOptions` applies them and the `simulator` command's help quotes them. */
export const SIMULATOR_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  timeScale: 1,
  concurrency: 20,
  seed: 1,
  /** × timeScale: the hour other resellers keep outputs (B.7), on the simulator's clock. */
  mediaTtlMs: 3_600_000,
  retryAfterSeconds: 1,
} as const;

export const DEFAULT_MODERATION_WORDS = ['forbidden', 'nsfw', '暴力'] as const;
export const DEFAULT_SUBMIT_MODERATION_WORDS = ['prohibited', '色情'] as const;

export function resolveOptions(o: SimulatorOptions): ResolvedSimulatorOptions {
  const timeScale = o.timeScale ?? SIMULATOR_DEFAULTS.timeScale;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be greater than 0 (got ${timeScale})`);
  const concurrency = o.concurrency ?? SIMULATOR_DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1 (got ${concurrency})`);
  const failureRate = o.failureRate ?? 0;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`failureRate must be from 0 to 1 (got ${failureRate})`);
  return {
    port: o.port ?? SIMULATOR_DEFAULTS.port,
    host: o.host ?? SIMULATOR_DEFAULTS.host,
    timeScale,
    apiKey: o.apiKey,
    concurrency,
    balance: o.balance ?? null,
    seed: o.seed ?? SIMULATOR_DEFAULTS.seed,
    bigIds: o.bigIds ?? false,
    largeMediaBytes: o.largeMediaBytes,
    oversizeMediaBytes: o.oversizeMediaBytes ?? 256 * 1024 * 1024,
    hugeJsonBytes: o.hugeJsonBytes ?? 100 * 1024 * 1024,
    mediaTtlMs: o.mediaTtlMs ?? SIMULATOR_DEFAULTS.mediaTtlMs * timeScale,
    moderationWords: o.moderationWords ?? DEFAULT_MODERATION_WORDS,
    submitModerationWords: o.submitModerationWords ?? DEFAULT_SUBMIT_MODERATION_WORDS,
    failureRate,
    pace: resolvePace(o.pace ?? {}),
    retryAfterSeconds: o.retryAfterSeconds ?? SIMULATOR_DEFAULTS.retryAfterSeconds,
  };
}

/** The state folders, as a list (none: the state lives and dies with the process). */
export function stateDirsOf(o: SimulatorOptions): readonly string[] {
  if (o.stateDir === undefined) return [];
  return typeof o.stateDir === 'string' ? [o.stateDir] : o.stateDir;
}
