/**
 * The simulated account: videos, their generation timeline, the concurrency slots and the balance. Time is
 * never polled: each generation's end (and its slot's forced release after 10 scaled minutes, B.1) is an event
 * in one heap, drained before every read, so every observation sees exactly the state at its moment.
 */
import { createHash } from 'node:crypto';
import type { SubmitRequest } from '../model/capabilities.js';
import { SEED_MAX } from '../model/capabilities.js';
import { outputSize } from '../model/output-size.js';
import { expectedGenerationMs } from '../model/generation-time.js';
import { estimateCredits, wantsAudio } from '../model/prices.js';
import { capabilitiesOf } from '../model/capabilities.js';
import { EventHeap } from './event-heap.js';
import { createPrng, deriveSeed, type Prng } from './prng.js';
import { canonicalJson } from '../util/canonical-json.js';
import { DEFAULT_JITTER, SimPace, type ResolvedPace } from './sim-pace.js';

/** Contract B.1: a job stuck "generating" for 10 minutes has its slot released. */
export const STUCK_SLOT_RELEASE_MS = 10 * 60 * 1000;
/** Generation time jitter by default: ± this share of the model's expected time (see sim-pace.ts). */
export const JITTER = DEFAULT_JITTER;
const SLOW_FACTOR = 5;

export interface SimVideo {
  readonly id: string;
  readonly request: SubmitRequest;
  readonly body: unknown;
  readonly bodySha256: string;
  readonly credits: number;
  refunded: number;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly hasAudio: boolean;
  /** The terminal status it will reach: 1, 7 or 8. */
  readonly outcome: 1 | 7 | 8;
  status: number;
  readonly createdAtMs: number;
  readonly startedMono: number;
  /** Infinity for a stuck generation. */
  readonly endsMono: number;
  finishedAtMs: number | null;
  /** Wall-clock ms of the first fetch that answered status 1 (when the client could know): for benchmarks. */
  detectedAtMs: number | null;
  slotHeld: boolean;
  fetches: number;
  mediaRequests: number;
  /** The current media URL's token and when it became valid (monotonic ms). */
  token: string;
  tokenValidFrom: number;
}

export interface AcceptFlags {
  readonly fail: boolean;
  readonly slow: boolean;
  readonly stuck: boolean;
}

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


export function isModerated(prompt: string, words: readonly string[]): boolean {
  const text = prompt.toLowerCase();
  return words.some((w) => w !== '' && text.includes(w.toLowerCase()));
}

export class SimState {
  readonly videos = new Map<string, SimVideo>();
  readonly order: SimVideo[] = [];
  /** Media URL token → video; old tokens stay (they are refused only by the expire-media fault). */
  readonly tokens = new Map<string, { video: SimVideo; validFrom: number }>();
  private readonly events = new EventHeap<GenEvent>();
  private readonly bodies = new Set<string>();
  private readonly idPrng: Prng;
  private readonly genPrng: Prng;
  private readonly pace: SimPace;
  private nextId: bigint;

  balance: number | null;
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

  constructor(readonly config: SimStateConfig) {
    this.balance = config.balance;
    this.idPrng = createPrng(deriveSeed(config.seed, 'ids'));
    this.genPrng = createPrng(deriveSeed(config.seed, 'generation'));
    this.pace = new SimPace(config.pace, config.timeScale);
    // 15 digits like the sample (385043936817661); with bigIds every id is odd and above 2^53, so no id
    // survives a trip through a JS number.
    this.nextId = config.bigIds ? 9_007_199_254_740_993n + 2n * BigInt(this.idPrng.int(1_000_000_000)) : 385_000_000_000_000n + BigInt(this.idPrng.int(1_000_000_000_000));
  }

  /** Applies every generation end and slot release due at `now`. */
  drain(now: number): void {
    for (let e = this.events.popDue(now); e; e = this.events.popDue(now)) {
      const v = e.video;
      if (e.kind === 'end' && v.status === 5) {
        v.status = v.outcome;
        v.finishedAtMs = v.createdAtMs + (v.endsMono - v.startedMono);
        if (v.outcome === 7) {
          v.refunded = v.credits;
          this.refunded += v.credits;
          if (this.balance !== null) this.balance += v.credits;
        }
      }
      if (v.slotHeld) {
        v.slotHeld = false;
        this.inFlight--;
      }
    }
  }

  creditsFor(request: SubmitRequest): number {
    return estimateCredits(request) ?? 0;
  }

  /** Creates a video: charges it, takes a slot, schedules its end. The caller checked limit and balance. */
  accept(request: SubmitRequest, body: unknown, now: number, flags: AcceptFlags): SimVideo {
    const bodySha256 = createHash('sha256').update(canonicalJson(body)).digest('hex');
    if (this.bodies.has(bodySha256)) this.duplicateBodies++;
    else this.bodies.add(bodySha256);

    const id = this.nextId.toString();
    this.nextId += this.config.bigIds ? 2n * BigInt(1 + this.idPrng.int(500)) : BigInt(1 + this.idPrng.int(5000));

    const g = this.genPrng;
    const seed = request.seed === undefined || request.seed === 0 ? 1 + g.int(SEED_MAX) : request.seed;
    const factor = this.pace.factor(now, g);
    const failed = flags.fail || (this.config.failureRate > 0 && g.next() < this.config.failureRate);
    const token = uuid(g);
    const caps = capabilitiesOf(request.model);
    const audio = wantsAudio(request) && caps?.audioSwitch !== false;
    const { width, height } = outputSize(request.quality, request.aspect_ratio);
    const ms = expectedGenerationMs(request) * factor * this.config.timeScale * (flags.slow ? SLOW_FACTOR : 1);
    const endsMono = flags.stuck ? Infinity : now + ms;
    const credits = this.creditsFor(request);

    const video: SimVideo = {
      id,
      request,
      body,
      bodySha256,
      credits,
      refunded: 0,
      seed,
      width,
      height,
      hasAudio: audio,
      outcome: isModerated(request.input, this.config.moderationWords) ? 7 : failed ? 8 : 1,
      status: 5,
      createdAtMs: Date.now(),
      startedMono: now,
      endsMono,
      finishedAtMs: null,
      detectedAtMs: null,
      slotHeld: true,
      fetches: 0,
      mediaRequests: 0,
      token,
      tokenValidFrom: endsMono,
    };
    this.videos.set(id, video);
    this.order.push(video);
    this.tokens.set(token, { video, validFrom: endsMono });
    this.accepted++;
    this.charged += credits;
    if (this.balance !== null) this.balance -= credits;
    this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;

    const releaseAt = now + STUCK_SLOT_RELEASE_MS * this.config.timeScale;
    if (endsMono !== Infinity) this.events.push({ at: endsMono, video, kind: 'end' });
    if (endsMono > releaseAt) this.events.push({ at: releaseAt, video, kind: 'release' });
    return video;
  }

  /** A fresh media URL token for a video whose URL is older than the TTL. */
  renewToken(video: SimVideo, now: number): void {
    video.token = uuid(this.genPrng);
    video.tokenValidFrom = now;
    this.tokens.set(video.token, { video, validFrom: now });
  }
}

/** A UUID-shaped token from the seeded stream, like the provider's media file names. */
function uuid(prng: Prng): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += prng.int(0x100000000).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
