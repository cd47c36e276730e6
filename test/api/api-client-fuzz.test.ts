import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/api-client.js';
import { ApiError } from '../../src/api/api-error.js';
import { REDACT_PATHS } from '../../src/util/logger.js';
import { startHttpServer, type TestServer } from './test-server.js';

const KEY = 'sk-SECRET-fuzz-a1b2c3d4e5';
let answer = { status: 200, body: '' };
let server: TestServer;
let logText = '';
const logStream = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logText += chunk.toString();
    cb();
  },
});
let client: ApiClient;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Retry-After': '1' });
      res.end(answer.body);
    });
  });
  // A debug logger, as verbose as the client gets: its lines are checked for the key too.
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS } }, logStream);
  client = new ApiClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 5_000, logger });
});
afterAll(async () => {
  client.close();
  await server.close();
  expect(logText.length).toBeGreaterThan(0);
  expect(logText).not.toContain(KEY);
});

const digits = fc.stringMatching(/^[1-9]\d{0,30}$/);
const errCode = fc.oneof(fc.constantFrom(0, 0, 0, 400011, 400012, 500008, 500044, 500069, 500090, 99999), fc.integer({ min: -5, max: 999_999 }));
const jsonValue = fc.oneof(digits, fc.constant('null'), fc.constant('"x"'), fc.constant('1.5'), fc.constant('-1'), fc.constant('{}'), fc.constant('[]'), digits.map((d) => `"${d}"`));
const envelope = fc
  .record({ code: errCode, id: jsonValue, credits: jsonValue, status: jsonValue, url: fc.constantFrom('"https://m/x.mp4"', '"file:///x"', 'null', '7') })
  .map(({ code, id, credits, status, url }) => `{"ErrCode":${code},"ErrMsg":"m ${KEY}","Resp":{"video_id":${id},"id":${id},"credits":${credits},"status":${status},"url":${url}}}`);
const body = fc.oneof(
  envelope,
  fc.json(),
  fc.string(),
  fc.constant('<html><body><h1>502 Bad Gateway</h1></body></html>'),
  fc.constant(`{"error":{"code":"model_not_found","message":"${KEY}"}}`),
  envelope.map((t) => t.slice(0, Math.floor(t.length / 2))),
);
// 204, 205 and 304 carry no body (node:http drops it), so the body the oracle reads would never arrive.
const status = fc
  .oneof(fc.constantFrom(200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 504, 524), fc.integer({ min: 200, max: 599 }))
  .filter((s) => s !== 204 && s !== 205 && s !== 304);

function errCodeOf(text: string): number | undefined {
  const m = /^\{"ErrCode":(-?\d+),/.exec(text);
  return m && text.endsWith('}}') ? Number(m[1]) : undefined;
}

describe('hostile answers', () => {
  it('a submit either yields an exact id or an ApiError; ErrCode 0 is never retried', async () => {
    await fc.assert(
      fc.asyncProperty(status, body, async (s, b) => {
        answer = { status: s, body: b };
        const outcome = await client.submit({ model: 'paiwo-v5.6-ttv', input: 'x', aspect_ratio: '16:9', quality: '540p', duration: 5 }).then(
          (ok) => ({ ok }),
          (error: unknown) => ({ error }),
        );
        const code = errCodeOf(b);
        if ('ok' in outcome) {
          expect(code).toBe(0);
          expect(outcome.ok.videoId).toMatch(/^\d+$/);
          expect(b).toContain(outcome.ok.videoId);
          expect(Number.isFinite(outcome.ok.credits)).toBe(true);
          return;
        }
        const e = outcome.error as ApiError;
        expect(e).toBeInstanceOf(ApiError);
        expect(e.message).not.toContain(KEY);
        // The money rule: an answer that says "accepted" is never a reason to submit again.
        if (code === 0) expect(e.kind).toBe('outcome-unknown');
        // A 2xx or an upstream timeout without a business error may hide an accepted submit: never retried.
        if (code === undefined && ((s >= 200 && s < 300) || [502, 504, 524].includes(s))) expect(e.retryable).toBe(false);
        if (e.kind === 'outcome-unknown') expect(e.retryable).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a fetch either yields a status with an http(s) url when done, or an ApiError', async () => {
    await fc.assert(
      fc.asyncProperty(status, body, async (s, b) => {
        answer = { status: s, body: b };
        const outcome = await client.fetchVideo('385043936817661').then(
          (ok) => ({ ok }),
          (error: unknown) => ({ error }),
        );
        if ('ok' in outcome) {
          expect(errCodeOf(b)).toBe(0);
          expect(Number.isInteger(outcome.ok.status)).toBe(true);
          // Done is status 1 with a url and a width (contract B.9); a status 1 without them is "not yet", not an error.
          if (outcome.ok.ready) expect(outcome.ok.url).toMatch(/^https?:\/\//);
          return;
        }
        const e = outcome.error as ApiError;
        expect(e).toBeInstanceOf(ApiError);
        expect(e.message).not.toContain(KEY);
        expect(e.kind).not.toBe('outcome-unknown');
      }),
      { numRuns: 300 },
    );
  });
});
