import type { Duration, Quality, SubmitRequest } from './capabilities.js';

/**
 * Credits per video (shared/api/DMXAPI-PAIWO.md B.4), versioned by the date the provider's table was read.
 * An estimate for plans and budgets: the submit response's `Resp.credits` is the real charge.
 */
export const PRICE_TABLE_VERSION = '2026-11-24';

/** [silent, with audio] per quality and duration; `null` where the combination is not allowed. */
const PRICES: Readonly<Record<Quality, Readonly<Record<Duration, readonly [number, number] | null>>>> = {
  '360p': { 5: [35, 80], 8: [70, 115], 10: [77, 122] },
  '540p': { 5: [35, 80], 8: [70, 115], 10: [77, 122] },
  '720p': { 5: [45, 90], 8: [90, 135], 10: [99, 144] },
  '1080p': { 5: [75, 120], 8: [150, 195], 10: null },
};

/** Whether a request asks for sound. The service's default for the switch is off (the sample turns it on). */
export function wantsAudio(request: Pick<SubmitRequest, 'generate_audio_switch'>): boolean {
  return request.generate_audio_switch === true;
}

/** The table's price for a request, or `undefined` when the table has no such cell. */
export function estimateCredits(request: Pick<SubmitRequest, 'quality' | 'duration' | 'generate_audio_switch'>): number | undefined {
  const row = PRICES[request.quality];
  const cell = row ? row[request.duration] : undefined;
  if (!cell) return undefined;
  return wantsAudio(request) ? cell[1] : cell[0];
}

/**
 * The price class of a request: the cell of the table it is priced by (quality, duration, sound). The budget
 * calibrates its holds per class from what the service really charged (src/scheduler/budget.ts).
 */
export function priceClassOf(request: Pick<SubmitRequest, 'model' | 'quality' | 'duration' | 'generate_audio_switch'>): string {
  return `${request.model}/${request.quality}/${request.duration}s/${wantsAudio(request) ? 'audio' : 'silent'}`;
}
