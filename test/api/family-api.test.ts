import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/api-client.js';
import { ApiError } from '../../src/api/api-error.js';
import { classifySubmit } from '../../src/api/submit-outcome.js';
import type { SubmitRequest } from '../../src/model/capabilities.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { gifBytes, pngBytes } from '../helpers/images.js';

const KEY = 'sk-family-api-1234567';
let sim: Simulator;
let api: ApiClient;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01, apiKey: KEY });
  api = new ApiClient({ baseUrl: sim.url, apiKey: KEY });
});
afterAll(async () => {
  api.close();
  await sim.close();
});

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const base = { input: 'a paper boat on a still pond', quality: '360p', duration: 5, seed: 3 } as const;

describe('uploads and the family models against the simulator', () => {
  it('uploads into two id spaces, counted by family and bytes; a bad image is refused, for free', async () => {
    const png = pngBytes(16, 9);
    const a = await api.upload('paiwo-picture', { bytes: png });
    const b = await api.upload('pixverse-picture', { bytes: png });
    const c = await api.upload('paiwo-picture', { url: 'https://example.com/x.png' });
    expect(a.imgId).toMatch(/^\d+$/);
    expect(new Set([a.imgId, b.imgId, c.imgId]).size).toBe(3);
    const bad = await refusal(api.upload('paiwo-picture', { bytes: gifBytes() }));
    expect(bad.operation).toBe('upload');
    expect(bad.errCode).toBe(500032);
    const stats = sim.stats();
    expect(stats.uploads['paiwo-picture']).toBe(2);
    expect(stats.uploads['pixverse-picture']).toBe(1);
    expect(stats.credits.charged).toBe(0);
  });

  it('an image id of the other family (701009) or an unknown one (400032) refuses the submit as image-expired, not charged', async () => {
    const png = pngBytes(16, 9, 40);
    const paiwo = await api.upload('paiwo-picture', { bytes: png });
    const charged = sim.stats().credits.charged;
    const wrong = await refusal(api.submit({ ...base, model: 'PixVerse-C1', img_id: Number(paiwo.imgId) }));
    expect([wrong.errCode, wrong.kind]).toEqual([701009, 'image-expired']);
    const unknown = await refusal(api.submit({ ...base, model: 'paiwo-v5.6-itv', img_id: 999 }));
    expect([unknown.errCode, unknown.kind]).toEqual([400032, 'image-expired']);
    expect(sim.stats().credits.charged).toBe(charged);
    // The gateway's wrapped form of the same codes is a refusal too; any other 4xx stays unknown.
    expect(classifySubmit({ type: 'answer', status: 400, gatewayCode: 'pixverse_v6_701009' }).kind).toBe('image-expired');
    expect(classifySubmit({ type: 'answer', status: 400, gatewayCode: 'pixverse_c1_400017' }).kind).toBe('outcome-unknown');
    expect(classifySubmit({ type: 'answer', status: 200, errCode: 500008 }).kind).toBe('image-expired');
  });

  it('accepts an itv job with its own family id (envelope) and a V6 job (flat answer), charged per the tables', async () => {
    const png = pngBytes(16, 9, 90);
    const paiwo = await api.upload('paiwo-picture', { bytes: png });
    const itv: SubmitRequest = { ...base, model: 'paiwo-v5.6-itv', img_id: Number(paiwo.imgId) };
    const a = await api.submit(itv);
    expect(a.credits).toBe(35);
    const v6 = await api.submit({ ...base, model: 'PixVerse-V6', aspect_ratio: '21:9', duration: 3, generate_audio_switch: true });
    expect(v6.credits).toBe(21);
    const c1 = await api.submit({ ...base, model: 'PixVerse-C1', aspect_ratio: '1:1', duration: 7 });
    expect(c1.credits).toBe(42);
    expect(sim.stats().videos.map((v) => v.credits).slice(-3)).toEqual([35, 21, 42]);
    // An image job with aspect_ratio, or a ttv job with an image, is refused by the service's rules too.
    expect((await refusal(api.submit({ ...itv, aspect_ratio: '16:9' }))).errCode).toBe(400017);
    expect((await refusal(api.submit({ ...base, model: 'paiwo-v5.6-ttv', aspect_ratio: '16:9', img_id: Number(paiwo.imgId) }))).errCode).toBe(400017);
  });
});
