import { createHash } from 'node:crypto';
import type { SubmitRequest } from '../model/capabilities.js';
import { canonicalRequestJson } from './canonical-request-json.js';

/** Hex characters kept: 64 bits, so a collision among even millions of jobs is negligible. */
export const JOB_ID_LENGTH = 16;

/**
 * A job's stable identity: sha256 over the canonical request body and the repeat index. The same request in
 * two manifests is the same job; `repeat` copies differ only by index.
 */
export function jobId(request: SubmitRequest, repeatIndex: number): string {
  // createHash, not crypto.hash: that one-shot helper exists only from Node 20.12 and `engines` admits 20.10.
  return createHash('sha256').update(`${canonicalRequestJson(request)}\n${repeatIndex}`).digest('hex').slice(0, JOB_ID_LENGTH);
}
