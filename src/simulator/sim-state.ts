/**
 * The simulated account: videos, their generation timeline, the concurrency slots and the balance. Time is
 * never polled: each generation's end (and its slot's forced release after 10 scaled minutes, B.1) is an event
 * in one heap, drained before every read, so every observation sees exactly the state at its moment.
 */
import { SEED_MAX, type SubmitRequest } from '../model/capabilities.js';
import { expectedGenerationMs } from '../model/generation-time.js';
import { estimateCredits } from '../model/prices.js';
import { SimUploads } from './sim-uploads.js';
import { EventHeap } from './event-heap.js';
import { createPrng, deriveSeed, type Prng } from './prng.js';
import type { PersistedVideo, SimEvent, SimJournal } from './sim-persist.js';
import { DEFAULT_JITTER, SimPace, type ResolvedPace } from './sim-pace.js';
import { bodySha256Of, newVideo, OVERCHARGE_FACTOR, persistedVideo, restoredVideo, uuid, type AcceptFlags, type NewVideo, type SimVideo } from './sim-video.js';

/** Contract B.1: a job stuck "generating" for 10 minutes has its slot released. */
export const STUCK_SLOT_RELEASE_MS = 10 * 60 * 1000;
/** Generation time jitter by default: ± this share of the model's expected time (see sim-pace.ts). */
export const JITTER = DEFAULT_JITTER;
const SLOW_FACTOR = 5;

export interface SimStateConfig {
  readonly seed: number;
  readonly timeScale: number;
  readonly concurrency: number;
  readonly balance: number | null;
  readonly bigIds: boolean;
  readonly moderationWords: readonly string[];
  readonly failureRate: number;
  readonly pace: ResolvedPace;
}

interface GenEvent {
  readonly at: number;
  readonly video: SimVideo;
  readonly kind: 'end' | 'release';
}

export class SimState {
  readonly videos = new Map<string, SimVideo>();
  /** Uploaded images, two id spaces (paiwo-picture, pixverse-picture). */
  readonly uploads = new SimUploads();
  readonly order: SimVideo[] = [];
  /** Media URL token → video; old tokens stay (they are refused only by the expire-media fault). */
  readonly tokens = new Map<string, { video: SimVideo; validFrom: number }>();
  private readonly events = new EventHeap<GenEvent>();
  private readonly bodies = new Set<string>();
  private idPrng: Prng;
  private genPrng: Prng;
  private readonly pace: SimPace;
  private nextId: bigint;
  private balanceValue: number | null;
  inFlight = 0;
  peak = 0;
  requests = 0;
  accepted = 0;
  rejected = 0;
  duplicateBodies = 0;
  fetches = 0;
  mediaRequests = 0;
  mediaBytes = 0;
  charged = 0;
  refunded = 0;

  /** `journal`: the state survives restarts (sim-persist.ts); its events are replayed here first. */
  constructor(
    readonly config: SimStateConfig,
    private readonly journal?: SimJournal,
  ) {
    this.balanceValue = config.balance;
    this.idPrng = createPrng(deriveSeed(config.seed, 'ids'));
    this.genPrng = createPrng(deriveSeed(config.seed, 'generation'));
    this.pace = new SimPace(config.pace, config.timeScale);
    // 15 digits like the sample (385043936817661); with bigIds every id is odd and above 2^53, so no id
    // survives a trip through a JS number.
    this.nextId = config.bigIds ? 9_007_199_254_740_993n + 2n * BigInt(this.idPrng.int(1_000_000_000)) : 385_000_000_000_000n + BigInt(this.idPrng.int(1_000_000_000_000));
    if (journal) this.replay(journal.load(), performance.now());
  }

  get balance(): number | null {
    return this.balanceValue;
  }

  /** Sets the account's credits (`/__sim/balance`); remembered across restarts. */
  set balance(value: number | null) {
    this.balanceValue = value;
    this.journal?.append({ t: 'balance', balance: value }, true);
  }

  /** Wall-clock ms of a monotonic instant of this process. */
  private wall(mono: number): number {
    return Date.now() + (mono - performance.now());
  }

  /**
   * Rebuilds the state a previous process left: videos with their charges, refunds, balance and tokens; the
   * generations still running are scheduled on the same wall clock. New ids continue past every id issued, and
   * the random streams are derived afresh so no token repeats.
   */
  private replay(events: readonly SimEvent[], now: number): void {
    const offset = now - Date.now(); // wall → mono
    for (const e of events) {
      if (e.t === 'balance') this.balanceValue = e.balance;
      else if (e.t === 'token') {
        const video = this.videos.get(e.id);
        if (!video) continue;
        video.token = e.token;
        video.tokenValidFrom = e.valid_from_ms + offset;
        this.tokens.set(e.token, { video, validFrom: video.tokenValidFrom });
      } else if (e.t === 'refund') {
        const v = this.videos.get(e.id);
        if (!v || v.status !== 5) continue;
        v.status = 7;
        v.finishedAtMs = v.createdAtMs + (v.endsMono - v.startedMono);
        this.applyRefund(v);
      } else if (e.t === 'video') this.restoreVideo(e.v, offset);
    }
    this.idPrng = createPrng(deriveSeed(this.config.seed, `ids#${this.order.length}`));
    this.genPrng = createPrng(deriveSeed(this.config.seed, `generation#${this.order.length}`));
    this.drain(now);
    this.peak = this.inFlight; // videos that ended while the service was down never counted at once
  }

  private restoreVideo(p: PersistedVideo, offset: number): void {
    this.insert(restoredVideo(p, offset, this.noteBody(p.body)), p.release_at_ms + offset);
    const id = BigInt(p.id);
    if (id >= this.nextId) this.nextId = id + (this.config.bigIds ? 2n : 1n);
  }

  /** The body's hash, counting a body seen before. */
  private noteBody(body: unknown): string {
    const bodySha256 = bodySha256Of(body);
    if (this.bodies.has(bodySha256)) this.duplicateBodies++;
    else this.bodies.add(bodySha256);
    return bodySha256;
  }

  /** Adds a charged video holding a slot, and schedules its end and its slot's forced release. */
  private insert(video: SimVideo, releaseAt: number): void {
    this.videos.set(video.id, video);
    this.order.push(video);
    this.tokens.set(video.token, { video, validFrom: video.tokenValidFrom });
    this.accepted++;
    this.charged += video.credits;
    if (this.balanceValue !== null) this.balanceValue -= video.credits;
    this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
    if (video.endsMono !== Infinity) this.events.push({ at: video.endsMono, video, kind: 'end' });
    if (video.endsMono > releaseAt) this.events.push({ at: releaseAt, video, kind: 'release' });
  }

  private applyRefund(v: SimVideo): void {
    v.refunded = v.credits;
    this.refunded += v.credits;
    if (this.balanceValue !== null) this.balanceValue += v.credits;
  }

  /**
   * What a generation that is due to end still waits for (its take being rendered), or `null`: it ends, and
   * frees its slot, only then — so a download never waits for a render and renders pace the submits.
   */
  gate: ((video: SimVideo) => Promise<unknown> | null) | null = null;

  /** Applies every generation end and slot release due at `now`. */
  drain(now: number): void {
    for (let e = this.events.popDue(now); e; e = this.events.popDue(now)) {
      const v = e.video;
      if (e.kind === 'end' && v.status === 5) {
        const wait = v.outcome === 1 ? this.gate?.(v) : null;
        if (wait) {
          void wait.then(() => this.finish(v, v.createdAtMs + Math.max(v.endsMono - v.startedMono, performance.now() - v.startedMono)));
          continue;
        }
        this.finish(v, v.createdAtMs + (v.endsMono - v.startedMono));
      } else this.releaseSlot(v);
    }
  }

  private finish(v: SimVideo, finishedAtMs: number): void {
    if (v.status !== 5) return;
    v.status = v.outcome;
    v.finishedAtMs = finishedAtMs;
    if (v.outcome === 7) {
      this.applyRefund(v);
      this.journal?.append({ t: 'refund', id: v.id }, false);
    }
    this.releaseSlot(v);
  }

  private releaseSlot(v: SimVideo): void {
    if (v.slotHeld) {
      v.slotHeld = false;
      this.inFlight--;
    }
  }

  creditsFor(request: SubmitRequest): number {
    return estimateCredits(request) ?? 0;
  }

  /** Creates a video: charges it, takes a slot, schedules its end. The caller checked limit and balance. */
  accept(request: SubmitRequest, body: unknown, now: number, flags: AcceptFlags): SimVideo {
    const bodySha256 = this.noteBody(body);
    const id = this.nextId.toString();
    this.nextId += this.config.bigIds ? 2n * BigInt(1 + this.idPrng.int(500)) : BigInt(1 + this.idPrng.int(5000));
    const credits = this.creditsFor(request) * (flags.overcharge ? OVERCHARGE_FACTOR : 1);
    const video = newVideo({ id, request, body, bodySha256, credits, ...this.drawGeneration(request, now, flags) }, flags, this.config.moderationWords);
    const releaseAt = now + STUCK_SLOT_RELEASE_MS * this.config.timeScale;
    // On disk before the id can leave: a restarted simulator knows every video a client was told about.
    this.journal?.append({ t: 'video', v: persistedVideo(video, releaseAt, (mono) => this.wall(mono)) }, true);
    this.insert(video, releaseAt);
    return video;
  }

  /** A new generation's draws from the seeded stream, in this order: the same seed must give the same run. */
  private drawGeneration(request: SubmitRequest, now: number, flags: AcceptFlags): Pick<NewVideo, 'seed' | 'failed' | 'token' | 'startedMono' | 'endsMono'> {
    const g = this.genPrng;
    const seed = request.seed === undefined || request.seed === 0 ? 1 + g.int(SEED_MAX) : request.seed;
    const factor = this.pace.factor(now, g);
    const failed = flags.fail || (this.config.failureRate > 0 && g.next() < this.config.failureRate);
    const token = uuid(g);
    const ms = expectedGenerationMs(request) * factor * this.config.timeScale * (flags.slow ? SLOW_FACTOR : 1);
    return { seed, failed, token, startedMono: now, endsMono: flags.stuck ? Infinity : now + ms };
  }

  /** A fresh media URL token for a video whose URL is older than the TTL. */
  renewToken(video: SimVideo, now: number): void {
    video.token = uuid(this.genPrng);
    video.tokenValidFrom = now;
    this.tokens.set(video.token, { video, validFrom: now });
    this.journal?.append({ t: 'token', id: video.id, token: video.token, valid_from_ms: this.wall(now) }, false);
  }
}

