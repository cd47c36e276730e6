import { formatFaults } from './fault-spec.js';
import { takeKey, takeSpecOf } from './render-take.js';
import type { SimContext } from './sim-context.js';
import type { SimVideo } from './sim-video.js';

/** What `GET /__sim/stats` and `Simulator.stats()` return: enough to prove nothing was paid twice or lost. */
export interface SimVideoStats {
  /** The exact decimal id, as written in the responses. */
  readonly id: string;
  /** The parsed submit body. */
  readonly request: unknown;
  /** sha256 of the canonical body (keys sorted): equal bodies, equal hashes. */
  readonly body_sha256: string;
  /** 5 while generating, then 1, 7 or 8. */
  readonly status: number;
  /** What the account was really charged (the `overcharge` fault charges more than the table). */
  readonly credits: number;
  /** What the answers said was charged (the `zero-charge` fault says 0). */
  readonly reported_credits: number;
  /** Credits returned to the balance (moderation, status 7). */
  readonly refunded: number;
  /** The seed used (random when 0 or none was asked). */
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly has_audio: boolean;
  /** sha256 of a full download of the video's media; null until it succeeded. */
  readonly sha256: string | null;
  readonly created_at: string;
  readonly finished_at: string | null;
  /** When a fetch first answered status 1 (the client could know it was done); null until then. */
  readonly detected_at: string | null;
  readonly fetches: number;
  readonly media_requests: number;
}

export interface SimStats {
  /** Every HTTP request, /__sim/* included. */
  readonly requests: number;
  readonly submits: {
    readonly accepted: number;
    /** Answered with any error (business or gateway) and nothing created. */
    readonly rejected: number;
    /** Accepted submits whose canonical body equals an earlier accepted one. */
    readonly duplicate_bodies: number;
  };
  readonly fetches: number;
  readonly media: { readonly requests: number; readonly bytes: number };
  readonly credits: { readonly charged: number; readonly refunded: number };
  /** null = unlimited. */
  readonly balance: number | null;
  readonly concurrency: { readonly limit: number; readonly current: number; readonly peak: number };
  /** Firings per fault name. */
  readonly faults: Record<string, number>;
  /** Requests an `outage` window answered with its 502, per operation. */
  readonly outage_requests: { readonly submit: number; readonly fetch: number; readonly media: number };
  /** The active fault spec, canonical. */
  readonly fault_spec: string;
  /** The simulator process's CPU time so far, in microseconds (process.cpuUsage()). */
  readonly cpu: { readonly user: number; readonly system: number };
  readonly videos: readonly SimVideoStats[];
  /** Images uploaded per upload model, and per `<model>:<sha256 of the bytes or URL>`. */
  readonly uploads: { readonly 'paiwo-picture': number; readonly 'pixverse-picture': number; readonly attempts: number; readonly by_source: Record<string, number> };
}

/** The sha256 a download of a finished video gets; `null` for a take not rendered yet. */
function servedSha256(ctx: SimContext, v: SimVideo): string | null {
  const { media, options, takes } = ctx;
  if (takes && !takes.unavailable && options.largeMediaBytes === undefined) {
    const spec = takeSpecOf(v.request, v.seed, v.width, v.height, v.hasAudio, ctx.state.uploads.imageOf(v.request));
    const bytes = takes.peek(spec);
    return bytes ? media.sha256(media.takeAsset(takeKey(spec), bytes)) : null;
  }
  return media.sha256(media.asset(v.request.quality, v.request.aspect_ratio, v.hasAudio, options.largeMediaBytes));
}

export function buildStats(ctx: SimContext): SimStats {
  const { state, plan, media, options } = ctx;
  state.drain(performance.now());
  const cpu = process.cpuUsage();
  return {
    requests: state.requests,
    submits: { accepted: state.accepted, rejected: state.rejected, duplicate_bodies: state.duplicateBodies },
    fetches: state.fetches,
    media: { requests: state.mediaRequests, bytes: state.mediaBytes },
    credits: { charged: state.charged, refunded: state.refunded },
    balance: state.balance,
    concurrency: { limit: options.concurrency, current: state.inFlight, peak: state.peak },
    faults: { ...plan.counts } as Record<string, number>,
    outage_requests: { ...plan.outageRequests },
    fault_spec: formatFaults(plan.faults),
    cpu: { user: cpu.user, system: cpu.system },
    uploads: { ...state.uploads.count, attempts: state.uploads.attempts, by_source: Object.fromEntries(state.uploads.bySource) },
    videos: state.order.map((v) => ({
      id: v.id,
      request: v.body,
      body_sha256: v.bodySha256,
      status: v.status,
      credits: v.credits,
      reported_credits: v.reportedCredits,
      refunded: v.refunded,
      seed: v.seed,
      width: v.width,
      height: v.height,
      has_audio: v.hasAudio,
      sha256: v.status === 1 ? servedSha256(ctx, v) : null,
      created_at: new Date(v.createdAtMs).toISOString(),
      finished_at: v.finishedAtMs === null ? null : new Date(v.finishedAtMs).toISOString(),
      detected_at: v.detectedAtMs === null ? null : new Date(v.detectedAtMs).toISOString(),
      fetches: v.fetches,
      media_requests: v.mediaRequests,
    })),
  };
}

