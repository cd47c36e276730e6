import { createHash } from 'node:crypto';
import { IMAGE_FIELDS, type SubmitRequest } from '../model/capabilities.js';
import type { JobImages } from './types.js';
import { canonicalRequestJson } from './canonical-request-json.js';

/** Hex characters kept: 64 bits, so a collision among even millions of jobs is negligible. */
export const JOB_ID_LENGTH = 16;

/**
 * A job's stable identity: sha256 over the canonical request body and the repeat index. The same request in
 * two manifests is the same job; `repeat` copies differ only by index.
 */
export function jobId(request: SubmitRequest, repeatIndex: number, images?: JobImages): string {
  // createHash, not crypto.hash: that one-shot helper exists only from Node 20.12 and `engines` admits 20.10.
  return createHash('sha256').update(`${canonicalRequestJson(request)}\n${repeatIndex}${imageKey(images)}`).digest('hex').slice(0, JOB_ID_LENGTH);
}

/**
 * An image job's images as its id sees them: a file by the sha256 of its bytes (renaming it changes nothing,
 * editing it changes the job), a URL by itself. A text job adds nothing, so its id is what it always was.
 */
function imageKey(images: JobImages | undefined): string {
  if (!images) return '';
  let key = '';
  for (const field of IMAGE_FIELDS) {
    const ref = images[field];
    if (ref) key += `\n${field}=${ref.sha256 !== undefined ? `sha256:${ref.sha256}` : `url:${ref.source}`}`;
  }
  return key;
}
