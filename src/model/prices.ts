import type { Duration, Quality, SubmitRequest } from './capabilities.js';
import { capabilitiesOf } from './model-table.js';

/**
 * Credits per video, versioned by the date the provider's tables were read: the v5.6 table
 * (shared/api/DMXAPI-PAIWO.md B.4; image-to-video and first/last frame use it too, DMXAPI-FAMILY.md §12) and the
 * per-second prices of PixVerse-V6 and -C1 (§12). An estimate for plans and budgets: the submit response's
 * credits are the real charge.
 */
export const PRICE_TABLE_VERSION = '2026-12-05';

/** [silent, with audio] per quality and duration; `null` where the combination is not allowed. */
const V56_PRICES: Readonly<Record<Quality, Readonly<Record<number, readonly [number, number] | null>>>> = {
  '360p': { 5: [35, 80], 8: [70, 115], 10: [77, 122] },
  '540p': { 5: [35, 80], 8: [70, 115], 10: [77, 122] },
  '720p': { 5: [45, 90], 8: [90, 135], 10: [99, 144] },
  '1080p': { 5: [75, 120], 8: [150, 195], 10: null },
};

/** [silent, with audio] credits per second of video. */
const PER_SECOND: Readonly<Record<'PixVerse-V6' | 'PixVerse-C1', Readonly<Record<Quality, readonly [number, number]>>>> = {
  'PixVerse-V6': { '360p': [5, 7], '540p': [7, 9], '720p': [9, 12], '1080p': [18, 23] },
  'PixVerse-C1': { '360p': [6, 8], '540p': [8, 10], '720p': [10, 13], '1080p': [19, 24] },
};

/** Whether a request asks for sound. The service's default for the switch is off (the sample turns it on). */
export function wantsAudio(request: Pick<SubmitRequest, 'generate_audio_switch'>): boolean {
  return request.generate_audio_switch === true;
}

type Priced = Pick<SubmitRequest, 'quality' | 'duration' | 'generate_audio_switch'> & { readonly model?: string };

/** The table's price for a request, or `undefined` when the table has no such cell (a model without `model`: v5.6). */
export function estimateCredits(request: Priced): number | undefined {
  const scheme = request.model === undefined ? 'v5.6' : capabilitiesOf(request.model)?.price;
  if (scheme === 'PixVerse-V6' || scheme === 'PixVerse-C1') {
    const cell = PER_SECOND[scheme][request.quality];
    if (!cell || !Number.isInteger(request.duration) || request.duration < 1) return undefined;
    return (wantsAudio(request) ? cell[1] : cell[0]) * request.duration;
  }
  if (scheme === undefined) return undefined;
  const row = V56_PRICES[request.quality];
  const cell = row ? row[request.duration as Duration] : undefined;
  if (!cell) return undefined;
  return wantsAudio(request) ? cell[1] : cell[0];
}

/**
 * The price class of a request: the cell of the table it is priced by (model, quality, duration, sound). The
 * budget calibrates its holds per class from what the service really charged (src/scheduler/budget.ts).
 */
export function priceClassOf(request: Pick<SubmitRequest, 'model' | 'quality' | 'duration' | 'generate_audio_switch'>): string {
  return `${request.model}/${request.quality}/${request.duration}s/${wantsAudio(request) ? 'audio' : 'silent'}`;
}
