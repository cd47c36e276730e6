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
import { lstatSync, mkdtempSync } from 'node:fs';
import { UserError } from '../errors/paiwo-error.js';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../util/logger.js';
import { FaultPlan } from './fault-plan.js';
import { formatFaults, resolveFaults, type ResolvedFault } from './fault-spec.js';
import { MediaLibrary } from './media-library.js';
import { createPrng, deriveSeed } from './prng.js';
import type { ResolvedSimulatorOptions, SimContext } from './sim-context.js';
import { createSimServer, type SimControls } from './sim-server.js';
import { buildStats } from './sim-stats.js';
import { SimState } from './sim-state.js';
import { openSimJournal, type SimJournal } from './sim-persist.js';
import { RenderClock } from './render-clock.js';
import { TakeRenderer, takeSpecOf, type TakeFiles } from './render-take.js';
import { resolveOptions, stateDirsOf, type SimulatorOptions } from './simulator-options.js';

export type { SimulatorOptions } from './simulator-options.js';

export interface Simulator extends SimControls {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /** Stops listening and ends every open socket, stalled ones included. */
  close(): Promise<void>;
  /**
   * Simulated ms (render-clock.ts): stopped while a generation waits for its take. What a rehearsal's runner
   * counts its deadlines on; monotonic, from an arbitrary origin.
   */
  clock(): number;
  /** Where the rendered take of a video and its poster are, or `null` (no such video, no rendered takes). */
  takeFiles(videoId: string): TakeFiles | null;
}

function newState(options: ResolvedSimulatorOptions, journal: SimJournal | undefined, takes: TakeRenderer | null, clock: RenderClock): SimState {
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
  if (takes) takes.imageBytes = (sha) => state.uploads.bytesOf(sha);
  if (takes && options.largeMediaBytes === undefined) {
    // A generation due to end whose take is not rendered yet stops the simulated clock until it is.
    state.gate = (v) => {
      const wait = takes.ready(takeSpecOf(v.request, v.seed, v.width, v.height, v.hasAudio, state.uploads.imageOf(v.request)));
      if (wait) clock.holdUntil(wait);
      return wait;
    };
  }
  return state;
}

/** The folder of rendered takes inside the first state folder. */
export const TAKES_DIR = 'simulator-takes';

function newRenderer(input: SimulatorOptions, logger: Logger): TakeRenderer | null {
  if (!input.takes) return null;
  const dirs = stateDirsOf(input);
  const cacheDir = input.takesCacheDir ?? (dirs[0] !== undefined ? join(dirs[0], TAKES_DIR) : mkdtempSync(join(tmpdir(), 'paiwo-sim-takes-')));
  // Like every file of an output folder, never written through a link planted in its place.
  if (lstatSync(cacheDir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new UserError('SIM_STATE_LINK', `${cacheDir} is a symbolic link; the simulator never writes its takes through one. Remove the link and start again.`);
  }
  return new TakeRenderer({
    cacheDir,
    onNotice: input.onNotice ?? ((message) => logger.warn(message)),
    ...(input.ffmpegPath !== undefined && { ffmpeg: input.ffmpegPath }),
  });
}

function newPlan(options: ResolvedSimulatorOptions, faults: readonly ResolvedFault[]): FaultPlan {
  return new FaultPlan(faults, createPrng(deriveSeed(options.seed, 'faults')));
}

/** Starts a simulator on the options' host and port (0: any free port), resolved once it listens. */
export async function startSimulator(input: SimulatorOptions = {}): Promise<Simulator> {
  const options = resolveOptions(input);
  const startFaults = resolveFaults(input.faults);
  const logger = input.logger ?? silentLogger;
  const dirs = stateDirsOf(input);
  const journal = dirs.length > 0 ? openSimJournal(dirs) : undefined;
  let takes: TakeRenderer | null = null;
  let server: Server;
  let ctx: SimContext;
  let controls: SimControls;
  const clock = new RenderClock();
  try {
    takes = newRenderer(input, logger);
    ctx = newContext(options, logger, takes, newState(options, journal, takes, clock), newPlan(options, startFaults));
    // Fail at start, not on the first request, when the fixtures are missing.
    ctx.media.asset('540p', '16:9', true);
    controls = controlsOf(ctx, journal, { takes, clock }, startFaults);
    server = createSimServer(ctx, controls);
    ctx.baseUrl = await listen(server, options);
  } catch (error) {
    takes?.close();
    journal?.close();
    throw error;
  }
  logger.debug({ url: ctx.baseUrl, faults: formatFaults(startFaults) }, 'simulator listening');
  return {
    url: ctx.baseUrl,
    ...controls,
    clock: () => clock.now(),
    takeFiles: (videoId) => {
      const v = ctx.state.videos.get(videoId);
      if (!v || !takes || takes.unavailable || options.largeMediaBytes !== undefined || v.outcome !== 1) return null;
      return takes.files(takeSpecOf(v.request, v.seed, v.width, v.height, v.hasAudio, ctx.state.uploads.imageOf(v.request)));
    },
    close: () =>
      new Promise<void>((resolve) => {
        takes?.close();
        server.close(() => {
          journal?.close(); // the state folder is free for another simulator once no request can write to it
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function newContext(options: ResolvedSimulatorOptions, logger: Logger, takes: TakeRenderer | null, state: SimState, plan: FaultPlan): SimContext {
  let requestSeq = 0;
  return {
    options,
    media: new MediaLibrary(),
    takes,
    logger,
    state,
    plan,
    baseUrl: '',
    nextRequestId: () => `${Date.now().toString().slice(0, 10)}${String(++requestSeq).padStart(8, '0')}`,
  };
}

/** The controls replace the state and the fault plan in `ctx`, where every handler reads them. */
function controlsOf(ctx: SimContext, journal: SimJournal | undefined, render: { takes: TakeRenderer | null; clock: RenderClock }, startFaults: readonly ResolvedFault[]): SimControls {
  const { options } = ctx;
  return {
    stats: () => buildStats(ctx),
    setFaults: (spec) => {
      ctx.plan = newPlan(options, resolveFaults(spec));
    },
    setBalance: (balance) => {
      ctx.state.drain(performance.now());
      ctx.state.balance = balance;
    },
    reset: () => {
      journal?.reset();
      ctx.state = newState(options, journal, render.takes, render.clock);
      ctx.plan = newPlan(options, startFaults);
    },
  };
}

/** Listens on the options' host and port; the base URL clients use. */
async function listen(server: Server, options: ResolvedSimulatorOptions): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
