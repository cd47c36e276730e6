import type { ApiErrorKind, ApiOperation } from './api-error.js';

export interface ErrCodeRule {
  readonly kind: ApiErrorKind;
  readonly meaning: string;
}

/** The service's business errors (shared/api/DMXAPI-PAIWO.md B.2). ErrMsg is never compared; ErrCode is. */
const ERR_CODES: Readonly<Record<number, ErrCodeRule>> = {
  400011: { kind: 'invalid-request', meaning: 'empty parameter' },
  400012: { kind: 'account-refused', meaning: 'invalid account' },
  400013: { kind: 'invalid-request', meaning: 'parameter of the wrong type' },
  400017: { kind: 'invalid-request', meaning: 'invalid parameter' },
  400018: { kind: 'invalid-request', meaning: 'prompt longer than 2048 characters' },
  400019: { kind: 'invalid-request', meaning: 'negative prompt longer than 2048 characters' },
  400032: { kind: 'invalid-request', meaning: 'invalid image id' },
  500008: { kind: 'not-found', meaning: 'requested data not found' },
  500020: { kind: 'account-refused', meaning: 'no permission' },
  500044: { kind: 'concurrency-limit', meaning: 'concurrent-generation limit reached' },
  500054: { kind: 'moderated', meaning: 'input failed moderation' },
  500063: { kind: 'moderated', meaning: 'input failed moderation' },
  500069: { kind: 'overloaded', meaning: 'system under high load' },
  500030: { kind: 'invalid-request', meaning: 'image over 20 MB or 4000×4000 px' },
  500031: { kind: 'invalid-request', meaning: 'failed to read the image' },
  500032: { kind: 'invalid-request', meaning: 'invalid image format' },
  500033: { kind: 'invalid-request', meaning: 'invalid image width or height' },
  500041: { kind: 'overloaded', meaning: 'image upload failed' },
  500042: { kind: 'invalid-request', meaning: 'invalid image path' },
  500090: { kind: 'insufficient-balance', meaning: 'insufficient balance' },
  701009: { kind: 'not-found', meaning: 'not your content (an id of another upload family)' },
  99999: { kind: 'overloaded', meaning: 'unknown error' },
};

/** ErrCodes that, on a submit, refuse the image id it carries (refused, not charged: upload again once). */
export const IMAGE_ID_CODES: readonly number[] = [400032, 500008, 701009];

/**
 * What a non-zero ErrCode means and its kind: read by both classifiers (submit-outcome.ts for submits,
 * classify-failure.ts for everything else), so the service's table is written once.
 */
export function classifyErrCode(errCode: number, operation: ApiOperation): ErrCodeRule {
  const rule = Object.hasOwn(ERR_CODES, errCode) ? ERR_CODES[errCode] : undefined;
  // On a submit these say the image id it carries is unknown, expired or of the other upload family (DMXAPI-FAMILY §13, §15.1).
  if (operation === 'submit' && IMAGE_ID_CODES.includes(errCode)) return { kind: 'image-expired', meaning: rule!.meaning };
  if (rule) return rule;
  // The service said "no" in a way we do not know. A submit is not repeated on a guess (it could loop on a
  // charged error); a fetch is free to ask again a bounded number of times.
  return operation === 'submit'
    ? { kind: 'invalid-request', meaning: 'unrecognised error code' }
    : { kind: 'protocol', meaning: 'unrecognised error code' };
}
