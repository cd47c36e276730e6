import type { SubmitRequest } from './capabilities.js';
import { outputSize } from './output-size.js';

/** Observed: about 25 s for 540p / 5 s with audio (shared/api/DMXAPI-PAIWO.md B.1). */
export const BASE_GENERATION_MS = 25_000;
const BASE_PIXELS = 1024 * 576;

/**
 * The typical generation time of a request on the real service, before queueing: longer for more seconds and
 * more pixels, a little shorter without sound. The simulator adds jitter around it; the runner schedules its
 * first poll near it instead of hammering the fetch endpoint.
 */
export function expectedGenerationMs(request: Pick<SubmitRequest, 'quality' | 'aspect_ratio' | 'duration' | 'generate_audio_switch'>): number {
  const { width, height } = outputSize(request.quality, request.aspect_ratio);
  const seconds = (request.duration / 5) ** 0.8;
  const pixels = ((width * height) / BASE_PIXELS) ** 0.5;
  const audio = request.generate_audio_switch === true ? 1 : 0.9;
  return Math.round(BASE_GENERATION_MS * seconds * pixels * audio);
}
