import type { SubmitRequest } from '../model/capabilities.js';
import { outputSize } from '../model/output-size.js';

/** A generous ceiling on the bitrate of a generated clip: 50 Mbit/s at 1920×1080, in proportion to the pixels. */
const MAX_BYTES_PER_PIXEL_SECOND = 50_000_000 / 8 / (1920 * 1080);
/** Room for the container, an audio track and a margin of error in the estimate. */
const SLACK_BYTES = 8 * 1024 * 1024;

/**
 * The most bytes a video of this request can sensibly be: twice the ceiling bitrate for its size and duration,
 * plus slack. A media server sending far more (a hostile or broken one) is refused instead of filling the disk.
 */
export function maxVideoBytes(request: Pick<SubmitRequest, 'quality' | 'aspect_ratio' | 'duration'>): number {
  const { width, height } = outputSize(request.quality, request.aspect_ratio);
  return Math.ceil(2 * MAX_BYTES_PER_PIXEL_SECOND * width * height * request.duration + SLACK_BYTES);
}
