import type { AspectRatio, Quality } from './capabilities.js';

/**
 * Output width × height per quality and aspect ratio. The sample fetch (A.2) reports 1024×576 for a 540p 16:9
 * video; the other cells follow the same rule: the short side is the quality's height snapped as PixVerse does,
 * the long side follows the ratio, both even.
 */
const SHORT_SIDE: Readonly<Record<Quality, number>> = { '360p': 360, '540p': 576, '720p': 720, '1080p': 1080 };

/** An image job (no aspect_ratio) is sized as 16:9: its true frame follows the image, the estimate only needs a size. */
export function outputSize(quality: Quality, aspectRatio: AspectRatio = '16:9'): { width: number; height: number } {
  const short = SHORT_SIDE[quality];
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const long = Math.round((short * Math.max(w, h)) / Math.min(w, h) / 16) * 16;
  if (w === h) return { width: short, height: short };
  return w > h ? { width: long, height: short } : { width: short, height: long };
}
