/**
 * A local simulator of the DMXAPI paiwo API (shared/api/DMXAPI-PAIWO.md), over real HTTP:
 *
 *   POST /v1/responses      submit (model paiwo-v5.6-ttv and the other models of the capability table) or fetch
 *                           (model paiwo-get); raw or Bearer key in Authorization
 *   GET|HEAD /media/...     the media URLs that fetch returns: real MP4s, Range requests (206)
 *   GET  /__sim/stats       SimStats as JSON           POST /__sim/reset     start over (the start options)
 *   POST /__sim/faults      {"spec": "..."}            POST /__sim/balance   {"balance": n | null}
 *
 * Plain node:http with keep-alive; O(1) work per request; no timers (generation ends are heap events drained
 * on each request). Faults: see fault-spec.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../util/logger.js';
import { FaultPlan } from './fault-plan.js';
import { formatFaults, resolveFaults, type FaultSpec, type ResolvedFault } from './fault-spec.js';
import { handleApi } from './handle-api.js';
import { handleMedia } from './handle-media.js';
import { MediaLibrary } from './media-library.js';
import { createPrng, deriveSeed } from './prng.js';
import { readBody } from './read-body.js';
import { gatewayErrorText, sendJson } from './responses.js';
import type { ResolvedSimulatorOptions, SimContext } from './sim-context.js';
import { buildStats, type SimStats } from './sim-stats.js';
import { SimState } from './sim-state.js';
import { openSimJournal, type SimJournal } from './sim-persist.js';
import { TakeRenderer, takeSpecOf } from './render-take.js';
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

export interface Simulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  stats(): SimStats;
  /** Replaces the active faults (runtime switching: "401 mid-run"); throws FaultSpecError on a bad spec. */
  setFaults(spec: string | readonly FaultSpec[]): void;
  /** Sets the balance (null = unlimited): "500090 mid-run". */
  setBalance(balance: number | null): void;
  /** Starts over with the start options: no videos, counters at zero, the start faults and balance. */
  reset(): void;
  /** Stops listening and ends every open socket, stalled ones included. */
  close(): Promise<void>;
}

export const DEFAULT_MODERATION_WORDS = ['forbidden', 'nsfw', '暴力'] as const;
export const DEFAULT_SUBMIT_MODERATION_WORDS = ['prohibited', '色情'] as const;

function resolveOptions(o: SimulatorOptions): ResolvedSimulatorOptions {
  const timeScale = o.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be greater than 0 (got ${timeScale})`);
  const concurrency = o.concurrency ?? 20;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1 (got ${concurrency})`);
  const failureRate = o.failureRate ?? 0;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`failureRate must be from 0 to 1 (got ${failureRate})`);
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    timeScale,
    apiKey: o.apiKey,
    concurrency,
    balance: o.balance ?? null,
    seed: o.seed ?? 1,
    bigIds: o.bigIds ?? false,
    largeMediaBytes: o.largeMediaBytes,
    oversizeMediaBytes: o.oversizeMediaBytes ?? 256 * 1024 * 1024,
    hugeJsonBytes: o.hugeJsonBytes ?? 100 * 1024 * 1024,
    mediaTtlMs: o.mediaTtlMs ?? 3_600_000 * timeScale,
    moderationWords: o.moderationWords ?? DEFAULT_MODERATION_WORDS,
    submitModerationWords: o.submitModerationWords ?? DEFAULT_SUBMIT_MODERATION_WORDS,
    failureRate,
    pace: resolvePace(o.pace ?? {}),
    retryAfterSeconds: o.retryAfterSeconds ?? 1,
  };
}

function newState(options: ResolvedSimulatorOptions, journal: SimJournal | undefined, takes: TakeRenderer | null): SimState {
  const state = new SimState(
    {
    seed: options.seed,
    timeScale: options.timeScale,
    concurrency: options.concurrency,
    balance: options.balance,
    bigIds: options.bigIds,
    moderationWords: options.moderationWords,
    failureRate: options.failureRate,
    pace: options.pace,
    },
    journal,
  );
  if (takes && options.largeMediaBytes === undefined) state.gate = (v) => takes.ready(takeSpecOf(v.request, v.seed, v.width, v.height, v.hasAudio));
  return state;
}

function stateDirsOf(o: SimulatorOptions): readonly string[] {
  if (o.stateDir === undefined) return [];
  return typeof o.stateDir === 'string' ? [o.stateDir] : o.stateDir;
}

function newRenderer(input: SimulatorOptions, logger: Logger): TakeRenderer | null {
  if (!input.takes) return null;
  const dirs = stateDirsOf(input);
  const cacheDir = input.takesCacheDir ?? (dirs[0] !== undefined ? join(dirs[0], 'simulator-takes') : mkdtempSync(join(tmpdir(), 'paiwo-sim-takes-')));
  return new TakeRenderer({
    cacheDir,
    onNotice: input.onNotice ?? ((message) => logger.warn(message)),
    ...(input.ffmpegPath !== undefined && { ffmpeg: input.ffmpegPath }),
  });
}

function newPlan(options: ResolvedSimulatorOptions, faults: readonly ResolvedFault[]): FaultPlan {
  return new FaultPlan(faults, createPrng(deriveSeed(options.seed, 'faults')));
}

export async function startSimulator(input: SimulatorOptions = {}): Promise<Simulator> {
  const options = resolveOptions(input);
  const startFaults = resolveFaults(input.faults);
  const logger = input.logger ?? silentLogger;
  let requestSeq = 0;
  const dirs = stateDirsOf(input);
  const journal = dirs.length > 0 ? openSimJournal(dirs) : undefined;
  const takes = newRenderer(input, logger);
  const ctx: SimContext = {
    options,
    media: new MediaLibrary(),
    takes,
    logger,
    state: newState(options, journal, takes),
    plan: newPlan(options, startFaults),
    baseUrl: '',
    nextRequestId: () => `${Date.now().toString().slice(0, 10)}${String(++requestSeq).padStart(8, '0')}`,
  };
  // Fail at start, not on the first request, when the fixtures are missing.
  ctx.media.asset('540p', '16:9', true);

  const stats = (): SimStats => buildStats(ctx);
  const setFaults = (spec: string | readonly FaultSpec[]): void => {
    ctx.plan = newPlan(options, resolveFaults(spec));
  };
  const setBalance = (balance: number | null): void => {
    ctx.state.drain(performance.now());
    ctx.state.balance = balance;
  };
  const reset = (): void => {
    journal?.reset();
    ctx.state = newState(options, journal, takes);
    ctx.plan = newPlan(options, startFaults);
  };

  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => {
    const started = performance.now();
    ctx.state.requests++;
    route(req, res).then(
      () => {
        if (logger.isLevelEnabled('debug')) {
          logger.debug({ method: req.method, path: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
        }
      },
      (error: unknown) => {
        logger.error({ err: error, method: req.method, path: req.url }, 'simulator request failed');
        if (!res.headersSent) sendJson(res, 500, gatewayErrorText('internal_error', 'simulator internal error', ctx.nextRequestId()));
        else res.destroy();
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.requestTimeout = 0; // stalls are a feature here; close() ends them

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/v1/responses') {
      if (req.method !== 'POST') return sendJson(res, 405, gatewayErrorText('method_not_allowed', 'use POST', ctx.nextRequestId()), { Allow: 'POST' });
      return handleApi(ctx, req, res);
    }
    if (path.startsWith('/media/') && (req.method === 'GET' || req.method === 'HEAD')) return handleMedia(ctx, req, res, path);
    if (path === '/__sim/stats' && req.method === 'GET') return sendJson(res, 200, JSON.stringify(stats()));
    if (path.startsWith('/__sim/') && req.method === 'POST') return simControl(req, res, path);
    req.resume();
    sendJson(res, 404, gatewayErrorText('not_found', `no route for ${req.method} ${path}`, ctx.nextRequestId()));
  }

  async function simControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const text = (await readBody(req)) ?? '';
    let body: Record<string, unknown> = {};
    try {
      if (text.trim() !== '') body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, JSON.stringify({ ok: false, error: 'body is not valid JSON' }));
    }
    try {
      if (path === '/__sim/reset') reset();
      else if (path === '/__sim/faults') setFaults(typeof body.spec === 'string' ? body.spec : '');
      else if (path === '/__sim/balance') {
        const b = body.balance;
        if (b !== null && (typeof b !== 'number' || !Number.isFinite(b))) throw new RangeError('balance must be a number or null');
        setBalance(b);
      } else return sendJson(res, 404, JSON.stringify({ ok: false, error: `unknown control ${path}` }));
    } catch (error) {
      return sendJson(res, 400, JSON.stringify({ ok: false, error: (error as Error).message }));
    }
    sendJson(res, 200, JSON.stringify({ ok: true, fault_spec: formatFaults(ctx.plan.faults), balance: ctx.state.balance }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  ctx.baseUrl = `http://${host}:${address.port}`;
  logger.debug({ url: ctx.baseUrl, faults: formatFaults(startFaults) }, 'simulator listening');

  return {
    url: ctx.baseUrl,
    stats,
    setFaults,
    setBalance,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        takes?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
