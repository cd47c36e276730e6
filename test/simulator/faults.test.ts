import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { FaultSpecError, formatFaults, parseFaultSpec, resolveFaults } from '../../src/simulator/fault-spec.js';
import { JITTER } from '../../src/simulator/sim-state.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { SAMPLE_REQUEST, api, apiCall, fetchVideo, idOf, rawRequest, sleep, submit, waitDone, useSimulators } from './sim-helpers.js';

const sim = useSimulators();

const errCode = (text: string): number => JSON.parse(text).ErrCode as number;

async function doneUrl(s: Simulator): Promise<{ id: string; url: string }> {
  const id = idOf((await submit(s.url)).text);
  return { id, url: (await waitDone(s.url, id)).resp.url };
}

describe('fault spec grammar', () => {
  it('parses names, operations, rates and schedules', () => {
    expect(parseFaultSpec(' 429:0.25 , stall/fetch+media@after=2&max=3, html-502@every=4&first=20 ')).toEqual([
      { name: '429', rate: 0.25 },
      { name: 'stall', ops: ['fetch', 'media'], after: 2, max: 3 },
      { name: 'html-502', every: 4, first: 20 },
    ]);
    expect(parseFaultSpec('')).toEqual([]);
    expect(formatFaults(resolveFaults('429:0.5@after=1,truncate-media'))).toBe('429/submit+fetch:0.5@after=1,truncate-media/media');
  });

  it('reports every problem at once', async () => {
    let error: unknown;
    try {
      resolveFaults('bogus, 429:1.5, stall/disk, html-500@sometimes, 500090/fetch');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaultSpecError);
    const e = error as FaultSpecError;
    expect(e.exitCode).toBe(2);
    expect(e.problems).toHaveLength(4);
    expect(e.message).toMatch(/unknown fault "bogus"/);
    expect(e.message).toMatch(/rate "1.5"/);
    expect(e.message).toMatch(/operation "disk"/);
    expect(e.message).toMatch(/schedule "sometimes"/);
    expect(() => resolveFaults('500090/fetch')).toThrow(/cannot apply to fetch/);
    await expect(startSimulator({ faults: 'nope' })).rejects.toBeInstanceOf(FaultSpecError);
  });
});

describe('gateway faults', () => {
  it.each([
    ['401', 401, 'invalid_api_key'],
    ['403', 403, 'insufficient_user_quota'],
    ['503-model-not-found', 503, 'model_not_found'],
    ['429-no-retry-after', 429, 'RateLimitReached'],
  ] as const)('%s answers HTTP %i with the gateway body, on submit and fetch, and creates nothing', async (fault, status, code) => {
    const s = await sim({ faults: fault });
    const res = await submit(s.url);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text).error).toMatchObject({ code, type: 'rix_api_error', param: '' });
    expect(res.headers['retry-after']).toBeUndefined();
    const f = await api(s.url, { model: 'paiwo-get', input: '1' });
    expect(f.status).toBe(status);
    expect(s.stats().submits.accepted).toBe(0);
    expect(s.stats().faults[fault]).toBe(2);
  });

  it('429 carries Retry-After in whole seconds (configurable)', async () => {
    const s = await sim({ faults: '429', retryAfterSeconds: 7 });
    const res = await submit(s.url);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(JSON.parse(res.text).error.message).toMatch(/^当前分组上游负载已饱和/);
  });

  it.each([500, 502] as const)('html-%i answers an nginx HTML page and creates nothing', async (status) => {
    const s = await sim({ faults: `html-${status}` });
    const res = await submit(s.url);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.text).toMatch(/^<html>/);
    expect(s.stats().submits).toMatchObject({ accepted: 0, rejected: 1 });
  });
});

describe('business faults', () => {
  it.each(['500044', '500069', '99999', '500090'] as const)('%s answers the business code with HTTP 200 and charges nothing', async (code) => {
    const s = await sim({ faults: code, balance: 10_000 });
    const res = await submit(s.url);
    expect(res.status).toBe(200);
    expect(errCode(res.text)).toBe(Number(code));
    expect(s.stats()).toMatchObject({ submits: { accepted: 0, rejected: 1 }, credits: { charged: 0 }, balance: 10_000 });
  });
});

describe('the ambiguous submit outcomes', () => {
  it('504-after-charge: the video exists and is paid for, the client sees a 504 HTML page', async () => {
    const s = await sim({ faults: '504-after-charge' });
    const res = await submit(s.url);
    expect(res.status).toBe(504);
    expect(res.text).toMatch(/504 Gateway Time-out/);
    const st = s.stats();
    expect(st.submits.accepted).toBe(1);
    expect(st.credits.charged).toBe(80);
  });

  it('reset-before: the connection is reset and nothing is created', async () => {
    const s = await sim({ faults: 'reset-before' });
    const o = await apiCall(s.url, SAMPLE_REQUEST);
    expect(o.ok).toBe(false);
    expect(!o.ok && o.error).toBe('ECONNRESET');
    expect(s.stats().submits.accepted).toBe(0);
  });

  it('reset-after: the connection is reset after the video was created and charged', async () => {
    const s = await sim({ faults: 'reset-after' });
    const o = await apiCall(s.url, SAMPLE_REQUEST);
    expect(!o.ok && o.error).toBe('ECONNRESET');
    expect(s.stats().submits.accepted).toBe(1);
    expect(s.stats().credits.charged).toBe(80);
  });

  it('stall: a submit is created and never answered; close() still ends the stalled socket', async () => {
    const s = await startSimulator({ timeScale: 0.001, faults: 'stall' });
    const pending = apiCall(s.url, SAMPLE_REQUEST, 'k', 30_000);
    for (let i = 0; i < 200 && s.stats().submits.accepted === 0; i++) await sleep(5);
    expect(s.stats().submits.accepted).toBe(1);
    await s.close();
    const o = await pending;
    expect(o.ok).toBe(false);
    expect(!o.ok && o.error).not.toBe('TIMEOUT');
  });

  it('stall/fetch: a fetch is never answered', async () => {
    const s = await sim({ faults: 'stall/fetch' });
    const id = idOf((await submit(s.url)).text);
    const o = await apiCall(s.url, { model: 'paiwo-get', input: id }, 'k', 300);
    expect(!o.ok && o.error).toBe('TIMEOUT');
    expect(s.stats().fetches).toBe(1);
  });

  it('reset-after/fetch resets a fetch', async () => {
    const s = await sim({ faults: 'reset-after/fetch' });
    const id = idOf((await submit(s.url)).text);
    const o = await apiCall(s.url, { model: 'paiwo-get', input: id });
    expect(!o.ok && o.error).toBe('ECONNRESET');
  });
});

describe('generation faults', () => {
  it('fail-generation ends in status 8; slow-generation takes 5× as long', async () => {
    const s = await sim({ faults: 'fail-generation@first=1,slow-generation@after=1' });
    const failed = idOf((await submit(s.url)).text);
    const slow = idOf((await submit(s.url)).text);
    expect((await waitDone(s.url, failed)).resp.status).toBe(8);
    expect((await waitDone(s.url, slow)).resp.status).toBe(1);
    const v = s.stats().videos[1]!;
    const took = Date.parse(v.finished_at!) - Date.parse(v.created_at);
    const expected = expectedGenerationMs(SAMPLE_REQUEST) * 0.001 * 5;
    expect(took).toBeGreaterThanOrEqual(Math.floor(expected * (1 - JITTER)) - 1);
    expect(took).toBeLessThanOrEqual(Math.ceil(expected * (1 + JITTER)) + 1);
  });

  it('stuck-generation stays in status 5; its slot is released after 10 scaled minutes', async () => {
    const s = await sim({ faults: 'stuck-generation', timeScale: 0.0001, concurrency: 1 }); // 10 min → 60 ms
    const id = idOf((await submit(s.url)).text);
    expect(s.stats().concurrency.current).toBe(1);
    for (let i = 0; i < 400 && s.stats().concurrency.current > 0; i++) await sleep(5);
    expect(s.stats().concurrency.current).toBe(0);
    expect((await fetchVideo(s.url, id)).resp.status).toBe(5);
    expect(errCode((await submit(s.url)).text)).toBe(0);
  });
});

describe('fetch faults', () => {
  it('unknown-status answers 2, 3, 9 for a while, then the real status', async () => {
    const s = await sim({ faults: 'unknown-status@first=3' });
    const id = idOf((await submit(s.url)).text);
    await sleep(100);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await fetchVideo(s.url, id)).resp.status);
    expect(seen).toEqual([2, 3, 9, 1]);
  });

  it('bad-url returns a non-http(s) url for a finished video', async () => {
    const s = await sim({ faults: 'bad-url' });
    const id = idOf((await submit(s.url)).text);
    const done = await waitDone(s.url, id);
    expect(done.resp.status).toBe(1);
    expect(done.resp.url).toBe('file:///etc/passwd');
  });

  it('huge-json streams a 100 MB chunked body without Content-Length', async () => {
    const s = await sim({ faults: 'huge-json' });
    const id = idOf((await submit(s.url)).text);
    const result = await new Promise<{ bytes: number; headers: http.IncomingHttpHeaders; head: string }>((resolve, reject) => {
      const req = http.request(`${s.url}/v1/responses`, { method: 'POST', headers: { authorization: 'k' }, agent: false }, (res) => {
        let bytes = 0;
        let head = '';
        res.on('data', (c: Buffer) => {
          if (head.length < 40) head += c.toString('utf8', 0, Math.min(c.length, 40));
          bytes += c.length;
        });
        res.on('end', () => resolve({ bytes, headers: res.headers, head }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'paiwo-get', input: id }));
    });
    expect(result.headers['content-length']).toBeUndefined();
    expect(result.headers['transfer-encoding']).toBe('chunked');
    expect(result.bytes).toBe(100 * 1024 * 1024);
    expect(result.head).toMatch(/^\{"ErrCode":0,"ErrMsg":"Success"/);
  });
});

describe('media faults', () => {
  it('truncate-media declares the full length, sends part, then resets', async () => {
    const s = await sim({ faults: 'truncate-media', largeMediaBytes: 4 * 1024 * 1024 });
    const { url } = await doneUrl(s);
    const o = await rawRequest(url);
    expect(o.ok).toBe(false);
    if (!o.ok) {
      expect(o.status).toBe(200);
      expect(o.partial!.length).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('expire-media refuses an old URL with 403; the next fetch returns a fresh one that works', async () => {
    const s = await sim({ faults: 'expire-media@max=1', mediaTtlMs: 20 });
    const { id, url } = await doneUrl(s);
    await sleep(60);
    const old = await rawRequest(url);
    expect(old.ok && old.res.status).toBe(403);
    expect(old.ok && old.res.text).toMatch(/AccessDenied/);
    const fresh = (await fetchVideo(s.url, id)).resp.url;
    expect(fresh).not.toBe(url);
    const ok = await rawRequest(fresh);
    expect(ok.ok && ok.res.status).toBe(200);
    expect(s.stats().faults['expire-media']).toBe(1);
  });

  it('oversize-media serves far more bytes than the dimensions justify, still a valid MP4 start', async () => {
    const s = await sim({ faults: 'oversize-media', oversizeMediaBytes: 16 * 1024 * 1024 });
    const { url } = await doneUrl(s);
    const o = await rawRequest(url);
    expect(o.ok && o.res.headers['content-length']).toBe(String(16 * 1024 * 1024));
    expect(o.ok && o.res.body.length).toBe(16 * 1024 * 1024);
    expect(o.ok && o.res.body.toString('latin1', 4, 8)).toBe('ftyp');
  });

  it('lying-length declares 1 MiB more than it sends, then closes', async () => {
    const s = await sim({ faults: 'lying-length' });
    const { url } = await doneUrl(s);
    const o = await rawRequest(url);
    expect(o.ok).toBe(false);
    if (!o.ok) {
      expect(o.status).toBe(200);
      expect(o.partial!.length).toBe(12598); // the whole 540p 16:9 audio fixture, no more
    }
  });

  it('redirect-scheme redirects media to a non-http(s) scheme', async () => {
    const s = await sim({ faults: 'redirect-scheme' });
    const { url } = await doneUrl(s);
    const o = await rawRequest(url);
    expect(o.ok && o.res.status).toBe(302);
    expect(o.ok && o.res.headers.location).toBe('file:///etc/passwd');
  });

  it('stall/media sends the headers and half the body, then nothing', async () => {
    const s = await sim({ faults: 'stall/media' });
    const { url } = await doneUrl(s);
    const o = await rawRequest(url, { timeoutMs: 300 });
    expect(!o.ok && o.error).toBe('TIMEOUT');
    expect(!o.ok && o.partial!.length).toBe(Math.floor(12598 / 2));
  });

  it('429/media and html-502/media apply to downloads when asked', async () => {
    const s = await sim({ faults: '429/media@first=1,html-502/media@first=1' });
    const { url } = await doneUrl(s);
    const a = await rawRequest(url);
    const b = await rawRequest(url);
    const c = await rawRequest(url);
    expect([a, b, c].map((o) => o.ok && o.res.status)).toEqual([429, 502, 200]);
  });
});

describe('schedules, replay and run-time switching', () => {
  it('after, first, every and max pick the eligible requests they name', async () => {
    const pattern = async (spec: string) => {
      const s = await sim({ faults: spec });
      const out: number[] = [];
      for (let i = 0; i < 8; i++) out.push(errCode((await submit(s.url, { input: `p${i}` })).text));
      return out.map((c) => (c === 0 ? '.' : 'x')).join('');
    };
    expect(await pattern('500069@after=5')).toBe('.....xxx');
    expect(await pattern('500069@first=2')).toBe('xx......');
    expect(await pattern('500069@every=3')).toBe('..x..x..');
    expect(await pattern('500069@after=1&max=2')).toBe('.xx.....');
  });

  it('the same seed and request order replay the same decisions and ids; another seed differs', async () => {
    const run = async (seed: number) => {
      const s = await sim({ seed, faults: '500069:0.5,fail-generation:0.3' });
      const out: string[] = [];
      for (let i = 0; i < 30; i++) {
        const t = (await submit(s.url, { input: `p${i}` })).text;
        out.push(errCode(t) === 0 ? idOf(t) : 'x');
      }
      const st = s.stats();
      return { out, statuses: st.videos.map((v) => `${v.seed}`), faults: st.faults };
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(b).toEqual(a);
    expect(a.out.filter((x) => x === 'x').length).toBeGreaterThan(0);
    expect(a.out.filter((x) => x !== 'x').length).toBeGreaterThan(0);
    expect(c.out).not.toEqual(a.out);
  });

  it('switches faults at run time (401 mid-run), through setFaults and POST /__sim/faults', async () => {
    const s = await sim();
    expect((await submit(s.url)).status).toBe(200);
    s.setFaults('401');
    expect((await submit(s.url)).status).toBe(401);
    const ctl = await rawRequest(`${s.url}/__sim/faults`, { method: 'POST', body: '{"spec":"500090"}' });
    expect(ctl.ok && JSON.parse(ctl.res.text)).toMatchObject({ ok: true, fault_spec: '500090/submit' });
    expect(errCode((await submit(s.url)).text)).toBe(500090);
    const bad = await rawRequest(`${s.url}/__sim/faults`, { method: 'POST', body: '{"spec":"nope"}' });
    expect(bad.ok && bad.res.status).toBe(400);
    expect(bad.ok && bad.res.text).toMatch(/unknown fault/);
    s.setFaults('');
    expect((await submit(s.url)).status).toBe(200);
    expect(s.stats().submits.accepted).toBe(2);
  });
});
