import type { SubmitRequest } from '../model/capabilities.js';
import { canonicalJson } from '../util/canonical-json.js';

// The request's keys in sorted order: the same text as canonicalJson, without sorting for every one of
// 100,000 jobs.
const REQUEST_KEYS = ['aspect_ratio', 'duration', 'first_frame_img', 'generate_audio_switch', 'img_id', 'input', 'last_frame_img', 'model', 'motion_mode', 'negative_prompt', 'quality', 'seed'] as const;

/** canonicalJson of a submit body, fast; falls back to the general form if the body has a key it does not know. */
export function canonicalRequestJson(request: SubmitRequest): string {
  let out = '';
  let known = 0;
  for (const key of REQUEST_KEYS) {
    const v = request[key];
    if (v === undefined) continue;
    known++;
    out += `${out ? ',' : '{'}"${key}":${JSON.stringify(v)}`;
  }
  return Object.keys(request).length === known ? `${out}}` : canonicalJson(request);
}
