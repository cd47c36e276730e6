import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/api-client.js';
import { ApiError, type ApiErrorKind } from '../../src/api/api-error.js';
import { SUBMIT_OUTCOME_TABLE } from '../../src/api/submit-outcome.js';
import { DOCUMENT_SAMPLE_REQUEST } from '../fixtures/document-sample.js';
import { closedPort, readBody, startHttpServer, startNetServer, startResetAfterBodyServer, type TestServer } from './test-server.js';

/**
 * The submit-outcome table (src/api/submit-outcome.ts), row by row, against real local servers: each case names
 * the row it exercises, and every row has at least one case. A submit is refused only when the answer proves it.
 */
const KEY = 'sk-submit-outcome-test';
type Reply = (res: http.ServerResponse) => void;
let reply: Reply = (res) => res.end('{}');
let server: TestServer;

const json = (status: number, body: unknown): Reply => (res) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const html = (status: number): Reply => (res) => {
  res.writeHead(status, { 'Content-Type': 'text/html' });
  res.end(`<html><body><h1>${status}</h1><hr>nginx</body></html>`);
};
const gateway = (code: string) => ({ error: { code, message: 'gateway says no', type: 'rix_api_error', param: '' } });

beforeAll(async () => {
  server = await startHttpServer(async (req, res) => {
    await readBody(req);
    reply(res);
  });
});
afterAll(() => server.close());

async function submitError(baseUrl = server.url, timeoutMs = 5_000): Promise<ApiError> {
  const client = new ApiClient({ baseUrl, apiKey: KEY, timeoutMs });
  try {
    const outcome = await client.submit(DOCUMENT_SAMPLE_REQUEST).then(
      () => new Error('expected a rejection'),
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(ApiError);
    return outcome as ApiError;
  } finally {
    client.close();
  }
}

/** The row index each `when` starts with (the table's own wording, so a renamed row breaks here). */
function row(start: string): number {
  const i = SUBMIT_OUTCOME_TABLE.findIndex((r) => r.when.startsWith(start));
  expect(i, start).toBeGreaterThanOrEqual(0);
  return i;
}

interface Case {
  readonly name: string;
  readonly row: string;
  readonly kind: ApiErrorKind;
  readonly stopsRun?: boolean;
  /** Serve this answer from the HTTP server… */
  readonly reply?: Reply;
  /** …or run this to get the error (raw sockets, closed ports). */
  readonly run?: () => Promise<ApiError>;
}

const CASES: readonly Case[] = [
  { name: '200 ErrCode 0 without a video id', row: 'ErrCode 0 without a usable Resp.video_id', kind: 'outcome-unknown', reply: json(200, { ErrCode: 0, ErrMsg: 'success', Resp: {} }) },
  { name: '429 ErrCode 0 with an id that is not digits', row: 'ErrCode 0 without a usable Resp.video_id', kind: 'outcome-unknown', reply: json(429, { ErrCode: 0, Resp: { video_id: 'abc' } }) },
  { name: '200 ErrCode 500069 (high load)', row: 'HTTP 2xx with ErrCode', kind: 'overloaded', reply: json(200, { ErrCode: 500069, ErrMsg: 'busy' }) },
  { name: '201 ErrCode 500090 (balance)', row: 'HTTP 2xx with ErrCode', kind: 'insufficient-balance', reply: json(201, { ErrCode: 500090, ErrMsg: 'no money' }) },
  { name: '200 ErrCode 500054 (moderated)', row: 'HTTP 2xx with ErrCode', kind: 'moderated', reply: json(200, { ErrCode: 500054, ErrMsg: 'no' }) },
  { name: '200 ErrCode 701009 (an image id of the other family)', row: 'HTTP 2xx with ErrCode', kind: 'image-expired', reply: json(200, { ErrCode: 701009, ErrMsg: 'not yours' }) },
  { name: '400 pixverse_v6_400032 (image id refused, wrapped by the gateway)', row: 'HTTP 4xx whose gateway code ends in an image-id ErrCode', kind: 'image-expired', reply: json(400, gateway('pixverse_v6_400032')) },
  { name: '429', row: 'HTTP 429', kind: 'rate-limited', reply: json(429, gateway('RateLimitReached')) },
  { name: '429 HTML', row: 'HTTP 429', kind: 'rate-limited', reply: html(429) },
  { name: '401', row: 'HTTP 401 / 403', kind: 'account-refused', reply: json(401, gateway('invalid_api_key')) },
  { name: '403', row: 'HTTP 401 / 403', kind: 'account-refused', reply: json(403, gateway('insufficient_user_quota')) },
  { name: '503 model_not_found', row: 'HTTP 503 with gateway code model_not_found', kind: 'account-refused', reply: json(503, gateway('model_not_found')) },
  {
    name: 'connection refused',
    row: 'no answer, and the request body never fully left',
    kind: 'overloaded',
    run: async () => submitError(`http://127.0.0.1:${await closedPort()}`),
  },
  {
    name: 'TLS handshake reset (the body never left)',
    row: 'no answer, and the request body never fully left',
    kind: 'overloaded',
    run: async () => {
      const raw = await startNetServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
      try {
        return await submitError(`https://127.0.0.1:${raw.port}`);
      } finally {
        await raw.close();
      }
    },
  },
  { name: '404', row: 'HTTP 3xx / 404 / 405', kind: 'outcome-unknown', stopsRun: true, reply: json(404, 'not found') },
  { name: '405', row: 'HTTP 3xx / 404 / 405', kind: 'outcome-unknown', stopsRun: true, reply: html(405) },
  { name: '302', row: 'HTTP 3xx / 404 / 405', kind: 'outcome-unknown', stopsRun: true, reply: (res) => res.writeHead(302, { Location: 'http://elsewhere.example/' }).end() },
  ...[500, 502, 503, 504, 524].flatMap((status): Case[] => [
    { name: `${status} JSON gateway body`, row: 'anything else', kind: 'outcome-unknown', reply: json(status, gateway('upstream_error')) },
    { name: `${status} HTML`, row: 'anything else', kind: 'outcome-unknown', reply: html(status) },
    { name: `${status} empty`, row: 'anything else', kind: 'outcome-unknown', reply: (res) => res.writeHead(status).end() },
  ]),
  { name: '500 with a JSON ErrCode 500069 body', row: 'anything else', kind: 'outcome-unknown', reply: json(500, { ErrCode: 500069, ErrMsg: 'busy' }) },
  { name: '400 gateway body', row: 'anything else', kind: 'outcome-unknown', reply: json(400, gateway('invalid_request')) },
  { name: '408', row: 'anything else', kind: 'outcome-unknown', reply: json(408, gateway('timeout')) },
  { name: '200 not JSON', row: 'anything else', kind: 'outcome-unknown', reply: (res) => res.end('<html>ok</html>') },
  { name: '200 JSON without ErrCode', row: 'anything else', kind: 'outcome-unknown', reply: json(200, { hello: 1 }) },
  {
    name: 'reset after the body was read',
    row: 'anything else',
    kind: 'outcome-unknown',
    run: async () => {
      const raw = await startResetAfterBodyServer();
      try {
        return await submitError(raw.url);
      } finally {
        await raw.close();
      }
    },
  },
  {
    name: 'a 200 cut off mid-body',
    row: 'anything else',
    kind: 'outcome-unknown',
    run: async () => {
      const raw = await startNetServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n{"ErrCode":0,')));
      try {
        return await submitError(raw.url);
      } finally {
        await raw.close();
      }
    },
  },
  { name: 'no answer (timeout)', row: 'anything else', kind: 'outcome-unknown', run: () => ((reply = () => {}), submitError(server.url, 300)) },
];

describe('the submit-outcome table, one real answer per row', () => {
  it('every row of the table has a case here', () => {
    const covered = new Set(CASES.map((c) => row(c.row)));
    expect([...covered].sort()).toEqual(SUBMIT_OUTCOME_TABLE.map((_, i) => i));
  });

  for (const c of CASES) {
    it(`${c.name} → ${c.kind}${c.stopsRun ? ', stops the run' : ''}`, async () => {
      if (c.reply) reply = c.reply;
      const e = c.run ? await c.run() : await submitError();
      expect(e.operation).toBe('submit');
      expect({ kind: e.kind, stopsRun: e.stopsRun }).toEqual({ kind: c.kind, stopsRun: c.stopsRun === true });
      // Refused ⇔ not unknown; and an unknown submit is never retried by itself.
      if (c.kind === 'outcome-unknown') expect(e.retryable).toBe(false);
    });
  }
});
