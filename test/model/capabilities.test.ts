import { describe, expect, it } from 'vitest';
import { checkRequest, type SubmitRequest } from '../../src/model/capabilities.js';
import { estimateCredits } from '../../src/model/prices.js';
import { outputSize } from '../../src/model/output-size.js';
import { DOCUMENT_SAMPLE_REQUEST } from '../fixtures/document-sample.js';

const sample: SubmitRequest = DOCUMENT_SAMPLE_REQUEST;

describe('capability table', () => {
  it('accepts the document sample request', () => {
    expect(checkRequest(sample)).toEqual([]);
  });

  it('refuses 1080p at 10 s and fast at 8 s as errors (the user document says so)', () => {
    expect(checkRequest({ ...sample, quality: '1080p', duration: 10, motion_mode: 'normal' }).map((v) => [v.severity, v.field])).toEqual([['error', 'duration']]);
    expect(checkRequest({ ...sample, duration: 8 }).map((v) => [v.severity, v.field])).toEqual([['error', 'motion_mode']]);
  });

  it('counts the 2048 limit in characters, not UTF-16 units or bytes', () => {
    expect(checkRequest({ ...sample, input: '猫'.repeat(2048) })).toEqual([]);
    expect(checkRequest({ ...sample, input: '😺'.repeat(2048) })).toEqual([]);
    expect(checkRequest({ ...sample, input: 'a'.repeat(2049) })[0]?.field).toBe('input');
  });

  it('knows model-specific rules: v5 takes neither motion_mode nor the audio switch', () => {
    const v5 = checkRequest({ ...sample, model: 'paiwo-v5-ttv' });
    expect(v5.filter((v) => v.severity === 'error').map((v) => v.field).sort()).toEqual(['generate_audio_switch', 'motion_mode']);
    expect(v5.some((v) => v.severity === 'warning' && v.field === 'model')).toBe(true);
    expect(checkRequest({ ...sample, model: 'paiwo-v9' })[0]).toMatchObject({ severity: 'error', field: 'model' });
  });

  it('prices follow table B.4 (audio adds 45) and 1080p/10 s has no price', () => {
    expect(estimateCredits(sample)).toBe(80);
    expect(estimateCredits({ ...sample, generate_audio_switch: false })).toBe(35);
    expect(estimateCredits({ quality: '1080p', duration: 8, generate_audio_switch: true })).toBe(195);
    expect(estimateCredits({ quality: '1080p', duration: 10 })).toBeUndefined();
  });

  it('540p 16:9 is 1024×576 as in the fetch sample', () => {
    expect(outputSize('540p', '16:9')).toEqual({ width: 1024, height: 576 });
    expect(outputSize('1080p', '9:16')).toEqual({ width: 1080, height: 1920 });
  });
});

import { expectedGenerationMs } from '../../src/model/generation-time.js';

describe('generation time model', () => {
  it('is about 25 s for 540p/5 s with audio and grows with seconds and pixels', () => {
    const base = { quality: '540p', aspect_ratio: '16:9', duration: 5, generate_audio_switch: true } as const;
    expect(expectedGenerationMs(base)).toBe(25_000);
    expect(expectedGenerationMs({ ...base, duration: 10 })).toBeGreaterThan(25_000);
    expect(expectedGenerationMs({ ...base, quality: '1080p' })).toBeGreaterThan(expectedGenerationMs({ ...base, quality: '720p' }));
  });
});
