import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ApiClientOptions } from '../../src/api/api-client.js';
import { ApiError, type ApiErrorKind } from '../../src/api/api-error.js';
import { UserError } from '../../src/errors/paiwo-error.js';
import type { SubmitRequest } from '../../src/model/capabilities.js';
import { VERSION } from '../../src/util/version.js';
import { closedPort, readBody, startHttpServer, startNetServer, startResetAfterBodyServer, type TestServer } from './test-server.js';
import { DOCUMENT_SAMPLE_REQUEST } from '../fixtures/document-sample.js';

const KEY = 'sk-SECRET-c1-test-key-0123456789';
const SUBMIT_SAMPLE = readFileSync(new URL('./samples/submit-response.json', import.meta.url), 'utf8');
const FETCH_SAMPLE = readFileSync(new URL('./samples/fetch-response.json', import.meta.url), 'utf8');
const REQUEST: SubmitRequest = DOCUMENT_SAMPLE_REQUEST;

/** Every error any test provokes, checked at the end for the key. */
const seenErrors: unknown[] = [];

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = (res: http.ServerResponse, seen: Seen) => void;
let reply: Reply = (res) => res.end('{}');
const requests: Seen[] = [];
let server: TestServer;

function json(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(text);
  };
}

function client(options: Partial<ApiClientOptions> = {}): ApiClient {
  return new ApiClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 5_000, ...options });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  seenErrors.push(error);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

async function submitFailure(c = client()): Promise<ApiError> {
  try {
    return await failure(c.submit(REQUEST));
  } finally {
    c.close();
  }
}

async function fetchFailure(c = client()): Promise<ApiError> {
  try {
    return await failure(c.fetchVideo('385043936817661'));
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  server = await startHttpServer(async (req, res) => {
    const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: await readBody(req) };
    requests.push(seen);
    reply(res, seen);
  });
});
afterEach(() => {
  requests.length = 0;
});
afterAll(async () => {
  await server.close();
  // The key never appears in any error produced above, nor in its cause chain.
  expect(seenErrors.length).toBeGreaterThan(30);
  for (const error of seenErrors) {
    let e: unknown = error;
    while (e instanceof Error) {
      expect(e.message).not.toContain(KEY);
      expect(String(e.stack)).not.toContain(KEY);
      e = e.cause;
    }
    expect(JSON.stringify(error)).not.toContain(KEY);
  }
});

describe('the contract samples, byte for byte', () => {
  it('submit: sends the request as documented and reads the sample answer', async () => {
    reply = json(200, SUBMIT_SAMPLE);
    const c = client();
    const accepted = await c.submit(REQUEST);
    c.close();
    expect(accepted).toEqual({ videoId: '385043936817661', credits: 80 });
    expect(typeof accepted.videoId).toBe('string');
    const [seen] = requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1/responses');
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['user-agent']).toBe(`paiwo-batch/${VERSION}`);
    expect(JSON.parse(seen?.body ?? '')).toEqual(REQUEST);
  });

  it('fetch: sends the id as a string and reads every field of the sample answer', async () => {
    reply = json(200, FETCH_SAMPLE);
    const c = client();
    const status = await c.fetchVideo('385043936817661');
    c.close();
    expect(status).toEqual({
      videoId: '385043936817661',
      status: 1,
      url: 'https://media.pixverseai.cn/pixverse%2Fmp4%2Fmedia%2Fweb%2Fori%2Ff0252026-da74-429e-b279-977385175a34_seed713039308.mp4',
      ready: true,
      seed: 713039308,
      width: 1024,
      height: 576,
      hasAudio: true,
      credits: 80,
      createTime: '2026-02-03T15:21:29Z',
      modifyTime: '2026-02-03T15:21:54Z',
    });
    expect(requests[0]?.body).toBe('{"model":"paiwo-get","input":"385043936817661"}');
  });

  it('keeps a base URL path and drops a trailing slash', async () => {
    reply = json(200, SUBMIT_SAMPLE);
    const c = client({ baseUrl: `${server.url}/gateway/` });
    await c.submit(REQUEST);
    c.close();
    expect(requests[0]?.url).toBe('/gateway/v1/responses');
  });
});

describe('video ids above 2^53 keep every digit', () => {
  const big = '123456789012345678901234567';
  it('on submit and on fetch', async () => {
    reply = (res, seen) => {
      res.setHeader('Content-Type', 'application/json');
      if (seen.body.includes('paiwo-get')) {
        const input = (JSON.parse(seen.body) as { input: string }).input;
        res.end(`{"ErrCode":0,"ErrMsg":"Success","Resp":{"id":${input},"status":5,"url":"","seed":0,"outputWidth":0,"outputHeight":0,"has_audio":false}}`);
      } else res.end(`{"ErrCode":0,"ErrMsg":"success","Resp":{"video_id":${big},"credits":80}}`);
    };
    const c = client();
    const { videoId } = await c.submit(REQUEST);
    expect(videoId).toBe(big);
    const status = await c.fetchVideo(videoId);
    c.close();
    expect(JSON.parse(requests[1]?.body ?? '').input).toBe(big);
    expect(status.videoId).toBe(big);
    expect(status.status).toBe(5);
    expect(status.width).toBe(0);
  });

  it('9007199254740993 (2^53 + 1) is not rounded', async () => {
    reply = json(200, '{"ErrCode":0,"ErrMsg":"success","Resp":{"video_id":9007199254740993,"credits":35}}');
    const c = client();
    expect((await c.submit(REQUEST)).videoId).toBe('9007199254740993');
    c.close();
  });
});

describe('ErrCode → kind, retryable, exit code', () => {
  const table: Array<[number, ApiErrorKind, boolean, number]> = [
    [400011, 'invalid-request', false, 1],
    [400013, 'invalid-request', false, 1],
    [400017, 'invalid-request', false, 1],
    [400018, 'invalid-request', false, 1],
    [400019, 'invalid-request', false, 1],
    [400012, 'account-refused', false, 3],
    // On a submit, 500008 / 400032 / 701009 refuse the image id it carries (issue 23): upload again once.
    [500008, 'image-expired', false, 1],
    [400032, 'image-expired', false, 1],
    [701009, 'image-expired', false, 1],
    [500020, 'account-refused', false, 3],
    [500044, 'concurrency-limit', true, 1],
    [500054, 'moderated', false, 1],
    [500063, 'moderated', false, 1],
    [500069, 'overloaded', true, 1],
    [500090, 'insufficient-balance', false, 4],
    [99999, 'overloaded', true, 1],
  ];
  it.each(table)('ErrCode %i → %s', async (code, kind, retryable, exitCode) => {
    reply = json(200, `{"ErrCode":${code},"ErrMsg":"message of ${code}","Resp":{}}`);
    const e = await submitFailure();
    expect(e).toMatchObject({ kind, retryable, exitCode, code: `ERR_${code}`, errCode: code, operation: 'submit', httpStatus: 200 });
    expect(e.message).toContain(`message of ${code}`);
  });

  it('500008 on fetch is not-found; an unknown ErrCode is protocol on fetch and fatal on submit', async () => {
    reply = json(200, '{"ErrCode":500008,"ErrMsg":"data not found"}');
    expect(await fetchFailure()).toMatchObject({ kind: 'not-found', retryable: false, operation: 'fetch' });
    reply = json(200, '{"ErrCode":123456,"ErrMsg":"new"}');
    expect(await fetchFailure()).toMatchObject({ kind: 'protocol', retryable: true });
    expect(await submitFailure()).toMatchObject({ kind: 'invalid-request', retryable: false });
  });

  it('ErrCode may be a string; on a fetch it decides even when the HTTP status says otherwise', async () => {
    reply = json(200, '{"ErrCode":"500044","ErrMsg":"busy"}');
    expect(await submitFailure()).toMatchObject({ kind: 'concurrency-limit', httpStatus: 200 });
    reply = json(500, '{"ErrCode":"500069","ErrMsg":"busy"}');
    expect(await fetchFailure()).toMatchObject({ kind: 'overloaded', httpStatus: 500 });
    // A submit: a 500 does not prove a refusal, whatever its body says (submit-outcome.ts).
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', httpStatus: 500 });
  });
});

describe('gateway answers (HTTP status)', () => {
  const gateway = (code: string, message: string): string => JSON.stringify({ error: { code, message, type: 'rix_api_error', param: '' } });

  it('401 and 403 stop the run (exit 3)', async () => {
    reply = json(401, gateway('', 'Invalid Token (request id: 2026)'));
    expect(await submitFailure()).toMatchObject({ kind: 'account-refused', exitCode: 3, code: 'HTTP_401', httpStatus: 401 });
    reply = json(403, gateway('', 'key group disabled'));
    expect(await fetchFailure()).toMatchObject({ kind: 'account-refused', exitCode: 3, code: 'HTTP_403' });
  });

  it('429 with Retry-After in seconds', async () => {
    reply = json(429, gateway('RateLimitReached', '当前分组上游负载已饱和,请稍后再试'), { 'Retry-After': '7' });
    const e = await submitFailure();
    expect(e).toMatchObject({ kind: 'rate-limited', retryable: true, retryAfterMs: 7000, code: 'HTTP_429' });
    expect(e.message).toContain('当前分组上游负载已饱和');
  });

  it('429 with Retry-After as an HTTP date', async () => {
    reply = json(429, gateway('RateLimitReached', 'later'), { 'Retry-After': new Date(Date.now() + 120_000).toUTCString() });
    const e = await fetchFailure();
    expect(e.kind).toBe('rate-limited');
    // An HTTP date has whole seconds: between 118 and 120 s from now.
    expect(e.retryAfterMs).toBeGreaterThan(110_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('503 model_not_found stops the run; a plain 503 or 500 is unknown on submit, transient on fetch', async () => {
    reply = json(503, gateway('model_not_found', 'no channel for model paiwo-v5.6-ttv'));
    expect(await submitFailure()).toMatchObject({ kind: 'account-refused', exitCode: 3 });
    reply = json(503, gateway('upstream_error', 'busy'));
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', retryable: false });
    expect(await fetchFailure()).toMatchObject({ kind: 'transient', retryable: true });
    reply = json(500, 'Internal Server Error');
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', retryable: false, code: 'HTTP_500' });
    expect(await fetchFailure()).toMatchObject({ kind: 'transient', retryable: true, code: 'HTTP_500' });
  });

  it.each([502, 504, 524])('%i: unknown outcome on submit, transient on fetch', async (status) => {
    reply = json(status, gateway('', 'upstream timeout'));
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', retryable: false, code: `HTTP_${status}` });
    expect(await fetchFailure()).toMatchObject({ kind: 'transient', retryable: true });
  });

  it('an HTML 502 page does not crash the parser and shows its text', async () => {
    reply = (res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
    };
    const e = await submitFailure();
    expect(e).toMatchObject({ kind: 'outcome-unknown', httpStatus: 502 });
    expect(e.message).toContain('502 Bad Gateway');
    expect(e.message).not.toContain('<');
  });

  it('a 404 or a redirect means a wrong base URL: stop the run (a submit is held unknown: not proof of a refusal)', async () => {
    reply = json(404, 'not found');
    const e = await submitFailure();
    expect(e).toMatchObject({ kind: 'outcome-unknown', stopsRun: true, code: 'HTTP_404' });
    expect(e.message).toContain('base URL');
    expect(await fetchFailure()).toMatchObject({ kind: 'account-refused', code: 'HTTP_404' });
    reply = (res) => {
      res.writeHead(301, { Location: 'https://elsewhere.example/v1/responses' });
      res.end();
    };
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', stopsRun: true, code: 'HTTP_301' });
    expect(requests).toHaveLength(3); // the redirect was not followed
  });

  it('a plain 400 is unknown on a submit (not proof of a refusal), fatal on a fetch', async () => {
    reply = json(400, gateway('invalid_request', 'bad json'));
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', retryable: false });
    expect(await fetchFailure()).toMatchObject({ kind: 'invalid-request', retryable: false });
  });
});

describe('answers of the wrong shape', () => {
  it('a 200 that is not JSON: unknown on submit, transient on fetch', async () => {
    reply = json(200, 'OK');
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', code: 'HTTP_200' });
    expect(await fetchFailure()).toMatchObject({ kind: 'transient', retryable: true });
  });

  it('ErrCode 0 without a video id is unknown on submit (never resubmitted)', async () => {
    reply = json(200, '{"ErrCode":0,"ErrMsg":"success","Resp":{"credits":80}}');
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown', retryable: false });
    reply = json(200, '{"ErrCode":0,"ErrMsg":"success","Resp":{"video_id":1.5e3}}');
    expect(await submitFailure()).toMatchObject({ kind: 'outcome-unknown' });
  });

  it('a missing Resp.credits falls back to usage.total_tokens / 3000', async () => {
    reply = json(200, '{"ErrCode":0,"ErrMsg":"success","Resp":{"video_id":"385043936817661"},"usage":{"total_tokens":345000}}');
    const c = client();
    expect(await c.submit(REQUEST)).toEqual({ videoId: '385043936817661', credits: 115 });
    c.close();
  });

  it('fetch: JSON of the wrong shape is protocol', async () => {
    reply = json(200, '{"ErrCode":0,"ErrMsg":"Success"}');
    expect(await fetchFailure()).toMatchObject({ kind: 'protocol', retryable: true, code: 'BAD_RESPONSE' });
    reply = json(200, '{"ErrCode":0,"Resp":{"id":385043936817661,"status":"done"}}');
    expect(await fetchFailure()).toMatchObject({ kind: 'protocol' });
    reply = json(200, '{"hello":"world"}');
    expect(await fetchFailure()).toMatchObject({ kind: 'protocol' });
  });

  it('fetch: an answer about another video is refused', async () => {
    reply = json(200, '{"ErrCode":0,"Resp":{"id":111,"status":5}}');
    const e = await fetchFailure();
    expect(e.kind).toBe('protocol');
    expect(e.message).toContain('111');
  });

  it('fetch: a finished video whose url is not http(s) is refused; a generating one may carry anything', async () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:video/mp4;base64,AAAA']) {
      reply = json(200, JSON.stringify({ ErrCode: 0, Resp: { id: 385043936817661, status: 1, url } }).replace('"385043936817661"', '385043936817661'));
      const e = await fetchFailure();
      expect(e).toMatchObject({ kind: 'protocol', retryable: true });
    }
    reply = json(200, '{"ErrCode":0,"Resp":{"id":385043936817661,"status":5,"url":"file:///tmp/x"}}');
    const c = client();
    expect((await c.fetchVideo('385043936817661')).status).toBe(5);
    c.close();
  });

  it('fetch: status 1 is done only with a non-empty url AND outputWidth > 0 (contract B.9); without them it is "not yet"', async () => {
    const answers = [
      { status: 1, url: '', outputWidth: 1024 },
      { status: 1, outputWidth: 1024 },
      { status: 1, url: 'https://cdn.example/v.mp4' },
      { status: 1, url: 'https://cdn.example/v.mp4', outputWidth: 0 },
      { status: 5, url: 'https://cdn.example/v.mp4', outputWidth: 1024 },
    ];
    const c = client();
    for (const resp of answers) {
      reply = json(200, JSON.stringify({ ErrCode: 0, Resp: { id: '385043936817661', ...resp } }));
      const status = await c.fetchVideo('385043936817661');
      expect(status.ready, JSON.stringify(resp)).toBe(false);
    }
    reply = json(200, JSON.stringify({ ErrCode: 0, Resp: { id: '385043936817661', status: 1, url: 'https://cdn.example/v.mp4', outputWidth: 1024 } }));
    expect((await c.fetchVideo('385043936817661')).ready).toBe(true);
    c.close();
  });

  it('fetch refuses to send an id that is not digits, without a request', async () => {
    const c = client();
    const e = await failure(c.fetchVideo('12; drop'));
    c.close();
    expect(e).toMatchObject({ kind: 'invalid-request', code: 'BAD_VIDEO_ID' });
    expect(requests).toHaveLength(0);
  });
});

describe('the body cap', () => {
  it('a 100 MB JSON body is refused without being read', async () => {
    let written = 0;
    let closed!: Promise<void>;
    reply = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.write('{"ErrCode":0,"Resp":{"pad":"');
      closed = new Promise((resolve) => res.on('close', resolve));
      const pump = (): void => {
        while (written < 100 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"}}');
      };
      pump();
    };
    const e = await fetchFailure(client({ maxResponseBytes: 1024 * 1024 }));
    expect(e).toMatchObject({ kind: 'transient', code: 'TOO_LARGE' });
    await closed;
    // The connection was cut long before the 100 MB were sent.
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('a declared Content-Length over the cap is refused at once; on submit it is unknown', async () => {
    reply = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(100 * 1024 * 1024) });
      res.write('{');
    };
    expect(await submitFailure(client({ maxResponseBytes: 1024 }))).toMatchObject({ kind: 'outcome-unknown', code: 'TOO_LARGE' });
  });
});

describe('network failures and the sent/not-sent line', () => {
  it('connection refused: overloaded (not sent, safe to retry)', async () => {
    const port = await closedPort();
    const e = await submitFailure(client({ baseUrl: `http://127.0.0.1:${port}` }));
    expect(e).toMatchObject({ kind: 'overloaded', retryable: true, code: 'ECONNREFUSED' });
    expect(await fetchFailure(client({ baseUrl: `http://127.0.0.1:${port}` }))).toMatchObject({ kind: 'overloaded' });
  });

  it('a reset before the request is flushed (TLS handshake refused): overloaded', async () => {
    // https to a plain TCP server that resets on the ClientHello: the request body is never written.
    const raw = await startNetServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const e = await submitFailure(client({ baseUrl: `https://127.0.0.1:${raw.port}` }));
    await raw.close();
    expect(e).toMatchObject({ kind: 'overloaded', retryable: true });
    expect(e.message).toContain('before the request was sent');
  });

  it('a reset after the body was read: unknown on submit, transient on fetch', async () => {
    const raw = await startResetAfterBodyServer();
    const e = await submitFailure(client({ baseUrl: raw.url }));
    expect(e).toMatchObject({ kind: 'outcome-unknown', retryable: false, code: 'ECONNRESET' });
    expect(e.message).toContain('may have been accepted');
    expect(await fetchFailure(client({ baseUrl: raw.url }))).toMatchObject({ kind: 'transient', retryable: true });
    await raw.close();
  });

  it('half an answer then a close: unknown on submit', async () => {
    const raw = await startNetServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"ErrCode":0,')),
    );
    expect(await submitFailure(client({ baseUrl: raw.url }))).toMatchObject({ kind: 'outcome-unknown' });
    await raw.close();
  });

  it('a stalled answer times out: unknown on submit, transient on fetch', async () => {
    reply = () => {}; // read the request, never answer
    const e = await submitFailure(client({ timeoutMs: 300 }));
    expect(e).toMatchObject({ kind: 'outcome-unknown', code: 'TIMEOUT' });
    expect(await fetchFailure(client({ timeoutMs: 300 }))).toMatchObject({ kind: 'transient', code: 'TIMEOUT' });
  });

  it('abort: before sending rejects with the reason; a submit in flight becomes unknown', async () => {
    const c = client();
    const reason = new Error('stop');
    await expect(c.submit(REQUEST, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(requests).toHaveLength(0);
    reply = () => {};
    const controller = new AbortController();
    const pending = failure(c.submit(REQUEST, controller.signal));
    while (requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('first ctrl+c'));
    expect(await pending).toMatchObject({ kind: 'outcome-unknown', code: 'ABORTED' });
    c.close();
  });
});

describe('the key stays secret', () => {
  it('is redacted when the service echoes it back', async () => {
    reply = json(401, JSON.stringify({ error: { code: 'invalid_token', message: `Invalid Token ${KEY} (request id: 1)` } }));
    const e = await submitFailure();
    expect(e.message).toContain('[redacted]');
    reply = json(200, JSON.stringify({ ErrCode: 400012, ErrMsg: `account of ${KEY} is invalid` }));
    expect((await fetchFailure()).message).toContain('[redacted]');
  });

  it('a bad key or base URL is a user error that does not print the key', () => {
    for (const apiKey of [`${KEY}\r\nX-Evil: 1`, '', 'sk-with space-zq9x', `${KEY}é`]) {
      let error: unknown;
      try {
        new ApiClient({ baseUrl: server.url, apiKey });
      } catch (e) {
        error = e;
      }
      seenErrors.push(error);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).not.toContain('zq9x');
      expect((error as Error).message).not.toContain(KEY);
    }
    for (const baseUrl of ['not a url', 'file:///etc', 'ftp://x']) {
      expect(() => new ApiClient({ baseUrl, apiKey: KEY })).toThrow(UserError);
    }
  });
});
