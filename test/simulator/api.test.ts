import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { estimateCredits } from '../../src/model/prices.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { JITTER } from '../../src/simulator/sim-state.js';
import { KEY, SAMPLE_REQUEST, api, fetchVideo, idOf, rawRequest, submit, waitDone, useSimulators } from './sim-helpers.js';

const sim = useSimulators();

const GATEWAY_BODY = /^\{"error":\{"code":"[^"]+","message":"[^"]*\(request id: \d+\)","type":"rix_api_error","param":""\}\}$/;
const BUSINESS_BODY = /^\{"ErrCode":(\d+),"ErrMsg":"(?:[^"\\]|\\.)+","Resp":\{\}\}$/;

describe('submit: the document sample, byte for byte', () => {
  it('answers the A.1 sample request with exactly the A.1 sample shape', async () => {
    const s = await sim();
    const res = await submit(s.url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const id = idOf(res.text);
    expect(res.text).toBe(
      `{"ErrCode":0,"ErrMsg":"success","Resp":{"video_id":${id},"credits":80},"usage":{"total_tokens":240000,"input_tokens":0,"input_tokens_details":{"cached_tokens":0},"output_tokens":240000,"output_tokens_details":{"reasoning_tokens":0}}}`,
    );
    expect(id).toMatch(/^\d{15}$/);
  });

  it.each([
    ['540p', 5, false],
    ['720p', 10, true],
    ['1080p', 8, true],
    ['360p', 8, false],
  ] as const)('charges the price table: %s %ss audio=%s, usage = credits × 3000', async (quality, duration, audio) => {
    const s = await sim({ balance: 1000 });
    const res = await submit(s.url, { quality, duration, generate_audio_switch: audio, motion_mode: 'normal' });
    const credits = estimateCredits({ quality, duration, generate_audio_switch: audio })!;
    const body = JSON.parse(res.text);
    expect(body.Resp.credits).toBe(credits);
    expect(body.usage.total_tokens).toBe(credits * 3000);
    expect(body.usage.output_tokens).toBe(credits * 3000);
    expect(s.stats().credits.charged).toBe(credits);
    expect(s.stats().balance).toBe(1000 - credits);
  });
});

describe('auth (B.6, B.3)', () => {
  it('accepts the raw key and the Bearer form; refuses a wrong, missing or empty key with the gateway 401 body', async () => {
    const s = await sim({ apiKey: KEY });
    expect((await api(s.url, { ...SAMPLE_REQUEST }, KEY)).status).toBe(200);
    expect((await api(s.url, { ...SAMPLE_REQUEST }, `Bearer ${KEY}`)).status).toBe(200);
    for (const auth of ['sk-wrong', `Bearer sk-wrong`, '', 'Bearer ', null]) {
      const res = await api(s.url, { ...SAMPLE_REQUEST }, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.text).toMatch(GATEWAY_BODY);
      expect(JSON.parse(res.text).error.type).toBe('rix_api_error');
    }
    expect(s.stats().submits.accepted).toBe(2);
    expect(s.stats().credits.charged).toBe(160);
  });

  it('accepts any non-empty key when none is configured, but never an empty one', async () => {
    const s = await sim();
    expect((await api(s.url, { ...SAMPLE_REQUEST }, 'anything')).status).toBe(200);
    expect((await api(s.url, { ...SAMPLE_REQUEST }, null)).status).toBe(401);
  });
});

describe('validation: the provider\'s codes, nothing charged', () => {
  const long = 'あ'.repeat(2049);
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['missing input', { input: undefined }, 400011],
    ['empty input', { input: '' }, 400011],
    ['missing quality', { quality: undefined }, 400011],
    ['input not a string', { input: 5 }, 400013],
    ['duration as a string', { duration: '5' }, 400013],
    ['seed as a string', { seed: '1' }, 400013],
    ['audio switch not boolean', { generate_audio_switch: 'yes' }, 400013],
    ['aspect ratio typo 9.16', { aspect_ratio: '9.16' }, 400017],
    ['unknown quality', { quality: '4k' }, 400017],
    ['duration 7', { duration: 7 }, 400017],
    ['1080p at 10 s', { quality: '1080p', duration: 10 }, 400017],
    ['fast at 8 s', { motion_mode: 'fast', duration: 8 }, 400017],
    ['unknown motion mode', { motion_mode: 'slow' }, 400017],
    ['negative seed', { seed: -1 }, 400017],
    ['fractional seed', { seed: 1.5 }, 400017],
    ['seed above 2^31-1', { seed: 2147483648 }, 400017],
    ['prompt of 2049 characters', { input: long }, 400018],
    ['negative prompt of 2049 characters', { negative_prompt: long }, 400019],
    ['v5 with motion_mode', { model: 'paiwo-v5-ttv', motion_mode: 'normal', generate_audio_switch: undefined }, 400017],
    ['v5 with the audio switch', { model: 'paiwo-v5-ttv', motion_mode: undefined, generate_audio_switch: true }, 400017],
    ['v5 at 10 s', { model: 'paiwo-v5-ttv', motion_mode: undefined, generate_audio_switch: undefined, duration: 10 }, 400017],
  ];
  it.each(cases.map(([name, patch, code]) => [`${name} → ${code}`, patch, code] as const))('%s', async (_, patch, code) => {
    const s = await sim();
    const res = await submit(s.url, patch);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(BUSINESS_BODY);
    expect(JSON.parse(res.text).ErrCode).toBe(code);
    expect(s.stats().submits).toEqual({ accepted: 0, rejected: 1, duplicate_bodies: 0 });
    expect(s.stats().credits.charged).toBe(0);
  });

  it('accepts exactly 2048 characters (code points, not UTF-16 units) and the other models of the table', async () => {
    const s = await sim();
    expect(JSON.parse((await submit(s.url, { input: '😀'.repeat(2048) })).text).ErrCode).toBe(0);
    expect(JSON.parse((await submit(s.url, { model: 'paiwo-v5.5-ttv', duration: 8, motion_mode: 'fast' })).text).ErrCode).toBe(0);
    expect(JSON.parse((await submit(s.url, { model: 'paiwo-v5-ttv', motion_mode: undefined, generate_audio_switch: undefined })).text).ErrCode).toBe(0);
    expect(s.stats().submits.accepted).toBe(3);
  });

  it('answers an unknown model with the gateway 503 model_not_found, and bad JSON with a gateway 400', async () => {
    const s = await sim();
    const res = await submit(s.url, { model: 'paiwo-v9-ttv' });
    expect(res.status).toBe(503);
    expect(res.text).toMatch(GATEWAY_BODY);
    expect(JSON.parse(res.text).error.code).toBe('model_not_found');
    const bad = await api(s.url, '{"model":');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(GATEWAY_BODY);
    expect(s.stats().credits.charged).toBe(0);
  });
});

describe('fetch (A.2, B.1)', () => {
  const FIELDS = ['id', 'prompt', 'negative_prompt', 'url', 'status', 'seed', 'create_time', 'modify_time', 'outputWidth', 'outputHeight', 'has_audio', 'credits'];
  const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

  it('reports status 5 with its quirks, then 1 with a served url, the random seed, the right size and audio', async () => {
    // 0.05: the generation lasts ≥ 1 s, so the first fetch finds it generating even on a busy machine.
    const scale = 0.05;
    const s = await sim({ timeScale: scale });
    const id = idOf((await submit(s.url)).text);
    const first = await fetchVideo(s.url, id);
    expect(first.text.startsWith(`{"ErrCode":0,"ErrMsg":"Success","Resp":{"id":${id},"prompt":`)).toBe(true);
    expect(Object.keys(first.resp)).toEqual(FIELDS);
    expect(first.resp).toMatchObject({ status: 5, outputWidth: 0, outputHeight: 0, has_audio: false, credits: 80, prompt: SAMPLE_REQUEST.input, negative_prompt: SAMPLE_REQUEST.negative_prompt });
    expect(first.resp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/pixverse%2Fmp4%2Fmedia%2Fweb%2Fori%2F[0-9a-f-]{36}_seed\d+\.mp4$/);
    const early = await rawRequest(first.resp.url);
    expect(early.ok && early.res.status).toBe(404);

    const done = await waitDone(s.url, id);
    expect(Object.keys(done.resp)).toEqual(FIELDS);
    const r = done.resp as Record<string, unknown>;
    expect(r).toMatchObject({ status: 1, outputWidth: 1024, outputHeight: 576, has_audio: true, credits: 80 });
    expect(typeof r.seed).toBe('number');
    expect(r.seed).not.toBe(0);
    expect(r.create_time).toMatch(TIME);
    expect(r.modify_time).toMatch(TIME);
    expect(Date.parse(r.modify_time as string)).toBeGreaterThanOrEqual(Date.parse(r.create_time as string));
    const media = await rawRequest(done.resp.url);
    expect(media.ok && media.res.status).toBe(200);
    expect(media.ok && media.res.headers['content-type']).toBe('video/mp4');

    const v = s.stats().videos[0]!;
    expect(v).toMatchObject({ id, status: 1, seed: r.seed, width: 1024, height: 576, has_audio: true, fetches: expect.any(Number), media_requests: 2 });
    // Generation time: the model's expectation × jitter × time-scale (from the recorded timeline, not a clock race).
    const took = Date.parse(v.finished_at!) - Date.parse(v.created_at);
    const expected = expectedGenerationMs(SAMPLE_REQUEST) * scale;
    expect(took).toBeGreaterThanOrEqual(Math.floor(expected * (1 - JITTER)) - 1);
    expect(took).toBeLessThanOrEqual(Math.ceil(expected * (1 + JITTER)) + 1);
  });

  it('keeps an asked seed, picks a random one for 0 or none, and reports a silent video without audio', async () => {
    const s = await sim();
    const asked = idOf((await submit(s.url, { seed: 12345, generate_audio_switch: false, quality: '360p', aspect_ratio: '9:16' })).text);
    const none = idOf((await submit(s.url, { seed: undefined })).text);
    const a = (await waitDone(s.url, asked)).resp;
    expect(a).toMatchObject({ seed: 12345, has_audio: false, outputWidth: 360, outputHeight: 640 });
    expect((await waitDone(s.url, none)).resp.seed).toBeGreaterThan(0);
  });

  it('answers 500008 for an unknown id, 400017 for a number, 400011 for none', async () => {
    const s = await sim();
    const codes = [];
    for (const input of ['385043936817661', 385043936817661, undefined, 'abc']) {
      const res = await api(s.url, { model: 'paiwo-get', input });
      expect(res.text).toMatch(BUSINESS_BODY);
      codes.push(JSON.parse(res.text).ErrCode);
    }
    expect(codes).toEqual([500008, 400017, 400011, 400017]);
    expect(s.stats().fetches).toBe(4);
  });

  it('ends prompts on the moderation list in status 7 and refunds them; refuses submit-time words with 500054', async () => {
    const s = await sim({ balance: 1000 });
    const id = idOf((await submit(s.url, { input: 'a NSFW scene' })).text);
    expect(s.stats().balance).toBe(920);
    const done = await waitDone(s.url, id);
    expect(done.resp).toMatchObject({ status: 7, url: '', outputWidth: 0 });
    const st = s.stats();
    expect(st.balance).toBe(1000);
    expect(st.credits).toEqual({ charged: 80, refunded: 80 });
    expect(st.videos[0]).toMatchObject({ status: 7, refunded: 80, sha256: null });
    expect(st.concurrency.current).toBe(0);

    const blocked = await submit(s.url, { input: 'something prohibited' });
    expect(JSON.parse(blocked.text).ErrCode).toBe(500054);
    expect(s.stats().submits.accepted).toBe(1);
  });

  it('fails the configured share of generations with status 8, without refund', async () => {
    const s = await sim({ failureRate: 1 });
    const id = idOf((await submit(s.url)).text);
    expect((await waitDone(s.url, id)).resp.status).toBe(8);
    expect(s.stats().credits).toEqual({ charged: 80, refunded: 0 });
  });
});

describe('ids', () => {
  it('writes ids above 2^53 as exact digits with bigIds, the same in submit, fetch and stats', async () => {
    const s = await sim({ bigIds: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(idOf((await submit(s.url)).text));
    for (const id of ids) {
      expect(BigInt(id) > 2n ** 53n).toBe(true);
      expect(String(Number(id))).not.toBe(id); // a JS number cannot hold it
      const f = await fetchVideo(s.url, id);
      expect(f.text).toContain(`"id":${id},`);
    }
    expect(new Set(ids).size).toBe(5);
    expect(s.stats().videos.map((v) => v.id)).toEqual(ids);
  });
});

describe('account limits', () => {
  it('holds the concurrency limit under 50 parallel submits: exactly `limit` accepted, the rest 500044', async () => {
    const s = await sim({ timeScale: 1, concurrency: 7 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(s.url, { input: `cat ${i}` })));
    const codes = answers.map((a) => JSON.parse(a.text).ErrCode as number);
    expect(codes.filter((c) => c === 0)).toHaveLength(7);
    expect(codes.filter((c) => c === 500044)).toHaveLength(43);
    expect(s.stats().concurrency).toEqual({ limit: 7, current: 7, peak: 7 });
    expect(s.stats().credits.charged).toBe(7 * 80);
  });

  it('frees a slot when a generation ends', async () => {
    const s = await sim({ concurrency: 1 });
    const id = idOf((await submit(s.url)).text);
    expect(JSON.parse((await submit(s.url)).text).ErrCode).toBe(500044);
    await waitDone(s.url, id);
    expect(JSON.parse((await submit(s.url)).text).ErrCode).toBe(0);
  });

  it('answers 500090 when the balance is short, and takes a new balance at run time', async () => {
    const s = await sim({ balance: 100 });
    expect(JSON.parse((await submit(s.url)).text).ErrCode).toBe(0);
    const short = await submit(s.url);
    expect(short.text).toMatch(BUSINESS_BODY);
    expect(JSON.parse(short.text).ErrCode).toBe(500090);
    expect(s.stats().balance).toBe(20);
    s.setBalance(null);
    expect(JSON.parse((await submit(s.url)).text).ErrCode).toBe(0);
    const ctl = await rawRequest(`${s.url}/__sim/balance`, { method: 'POST', body: '{"balance":0}' });
    expect(ctl.ok && ctl.res.status).toBe(200);
    expect(JSON.parse((await submit(s.url)).text).ErrCode).toBe(500090);
    expect(s.stats().credits.charged).toBe(160);
  });
});

describe('stats and reset', () => {
  it('counts duplicate bodies whatever the key order, serves /__sim/stats, and starts over on reset', async () => {
    const s = await sim({ balance: 500 });
    const a = await submit(s.url);
    const reordered = Object.fromEntries(Object.entries(SAMPLE_REQUEST).reverse());
    await api(s.url, reordered);
    await submit(s.url, { input: 'a dog' });
    const viaHttp = await rawRequest(`${s.url}/__sim/stats`);
    expect(viaHttp.ok).toBe(true);
    const st = JSON.parse(viaHttp.ok ? viaHttp.res.text : '{}');
    expect(st.submits).toEqual({ accepted: 3, rejected: 0, duplicate_bodies: 1 });
    expect(st.videos[0].body_sha256).toBe(st.videos[1].body_sha256);
    expect(st.videos[0].body_sha256).not.toBe(st.videos[2].body_sha256);
    expect(st.videos[0].request).toEqual(SAMPLE_REQUEST);
    expect(st.balance).toBe(260);

    const reset = await rawRequest(`${s.url}/__sim/reset`, { method: 'POST' });
    expect(reset.ok && reset.res.status).toBe(200);
    const after = s.stats();
    expect(after).toMatchObject({ submits: { accepted: 0, rejected: 0, duplicate_bodies: 0 }, fetches: 0, balance: 500, videos: [] });
    const gone = await api(s.url, { model: 'paiwo-get', input: idOf(a.text) });
    expect(JSON.parse(gone.text).ErrCode).toBe(500008);
  });
});

describe('routes', () => {
  let s: Simulator;
  beforeAll(async () => {
    s = await startSimulator();
  });
  afterAll(async () => {
    await s.close();
  });
  it('answers 404 for unknown routes and 405 for a GET on the API', async () => {
    const nope = await rawRequest(`${s.url}/nope`);
    expect(nope.ok && nope.res.status).toBe(404);
    const get = await rawRequest(`${s.url}/v1/responses`);
    expect(get.ok && get.res.status).toBe(405);
  });
});
