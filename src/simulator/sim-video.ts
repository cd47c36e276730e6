/**
 * One simulated video: what it is, how a submit makes it, how the journal keeps it and how a restart rebuilds
 * it. The account around it (slots, balance, counters, the timeline) is sim-state.ts.
 */
import { createHash } from 'node:crypto';
import { capabilitiesOf, type SubmitRequest } from '../model/capabilities.js';
import { outputSize } from '../model/output-size.js';
import { wantsAudio } from '../model/prices.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { Prng } from './prng.js';
import type { PersistedVideo } from './sim-persist.js';
import { validateSubmit } from './validate-submit.js';

export interface SimVideo {
  readonly id: string;
  readonly request: SubmitRequest;
  readonly body: unknown;
  readonly bodySha256: string;
  /** What the account was really charged (what the stats count). */
  readonly credits: number;
  /** What the answers say was charged (the `zero-charge` fault says 0). */
  readonly reportedCredits: number;
  /** What a fetch of the moderated video reports as its refund, when not the charge (`refund-above-charge`). */
  readonly reportedRefund: number | null;
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
  /** `overcharge`: charged OVERCHARGE_FACTOR × the table (and the answers say so). */
  readonly overcharge?: boolean;
  /** `zero-charge`: charged the table, but the answers say 0 credits. */
  readonly hideCharge?: boolean;
  /** `refund-above-charge`: ends moderated; the fetch then reports REFUND_REPORTED, the account gets its charge back. */
  readonly refundAboveCharge?: boolean;
}

/** What the `overcharge` fault charges, as a multiple of the price table. */
export const OVERCHARGE_FACTOR = 2;
/** The refund the `refund-above-charge` fault reports (the account is refunded the real charge only). */
export const REFUND_REPORTED = 1_000_000;

export function isModerated(prompt: string, words: readonly string[]): boolean {
  const text = prompt.toLowerCase();
  return words.some((w) => w !== '' && text.includes(w.toLowerCase()));
}

/** The body's identity, to count bodies submitted twice. */
export function bodySha256Of(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** What a submit decided for a new video: its identity, charge and the seeded stream's draws. */
export interface NewVideo {
  readonly id: string;
  readonly request: SubmitRequest;
  readonly body: unknown;
  readonly bodySha256: string;
  readonly credits: number;
  readonly seed: number;
  /** Ended in status 8 by the `fail` fault or the failure rate. */
  readonly failed: boolean;
  readonly token: string;
  readonly startedMono: number;
  readonly endsMono: number;
}

/** A just-accepted video, generating and holding a slot. */
export function newVideo(made: NewVideo, flags: AcceptFlags, moderationWords: readonly string[]): SimVideo {
  const { request, credits, endsMono } = made;
  const caps = capabilitiesOf(request.model);
  const audio = wantsAudio(request) && caps?.audioSwitch !== false;
  const { width, height } = outputSize(request.quality, request.aspect_ratio);
  return {
    id: made.id,
    request,
    body: made.body,
    bodySha256: made.bodySha256,
    credits,
    reportedCredits: flags.hideCharge ? 0 : credits,
    reportedRefund: flags.refundAboveCharge ? REFUND_REPORTED : null,
    refunded: 0,
    seed: made.seed,
    width,
    height,
    hasAudio: audio,
    outcome: flags.refundAboveCharge || isModerated(request.input, moderationWords) ? 7 : made.failed ? 8 : 1,
    status: 5,
    createdAtMs: Date.now(),
    startedMono: made.startedMono,
    endsMono,
    finishedAtMs: null,
    detectedAtMs: null,
    slotHeld: true,
    fetches: 0,
    mediaRequests: 0,
    token: made.token,
    tokenValidFrom: endsMono,
  };
}

/** The journal's record of a new video; `wall` turns this process's monotonic ms into wall-clock ms. */
export function persistedVideo(video: SimVideo, releaseAt: number, wall: (mono: number) => number): PersistedVideo {
  const { endsMono } = video;
  return {
    id: video.id,
    body: video.body,
    credits: video.credits,
    ...(video.reportedCredits !== video.credits && { reported_credits: video.reportedCredits }),
    ...(video.reportedRefund !== null && { reported_refund: video.reportedRefund }),
    seed: video.seed,
    outcome: video.outcome,
    created_at_ms: video.createdAtMs,
    ends_at_ms: endsMono === Infinity ? null : wall(endsMono),
    release_at_ms: wall(releaseAt),
    token: video.token,
    token_valid_from_ms: endsMono === Infinity ? null : wall(endsMono),
  };
}

/** A video a previous process accepted, generating again on the same wall clock (`offset`: wall → mono). */
export function restoredVideo(p: PersistedVideo, offset: number, bodySha256: string): SimVideo {
  // The request as the submit validated it (the raw body may hold nulls the validation dropped).
  const checked = validateSubmit(p.body as Record<string, unknown>);
  const request = checked.ok ? checked.request : (p.body as SubmitRequest);
  const caps = capabilitiesOf(request.model);
  const { width, height } = outputSize(request.quality, request.aspect_ratio);
  const endsMono = p.ends_at_ms === null ? Infinity : p.ends_at_ms + offset;
  return {
    id: p.id,
    request,
    body: p.body,
    bodySha256,
    credits: p.credits,
    reportedCredits: p.reported_credits ?? p.credits,
    reportedRefund: p.reported_refund ?? null,
    detectedAtMs: null,
    refunded: 0,
    seed: p.seed,
    width,
    height,
    hasAudio: wantsAudio(request) && caps?.audioSwitch !== false,
    outcome: p.outcome,
    status: 5,
    createdAtMs: p.created_at_ms,
    startedMono: p.created_at_ms + offset,
    endsMono,
    finishedAtMs: null,
    slotHeld: true,
    fetches: 0,
    mediaRequests: 0,
    token: p.token,
    tokenValidFrom: p.token_valid_from_ms === null ? Infinity : p.token_valid_from_ms + offset,
  };
}

/** A UUID-shaped token from the seeded stream, like the provider's media file names. */
export function uuid(prng: Prng): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += prng.int(0x100000000).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
