import http from 'node:http';
import { afterEach } from 'vitest';
import type { SubmitRequest } from '../../src/model/capabilities.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/start-simulator.js';
import { DOCUMENT_SAMPLE_REQUEST } from '../fixtures/document-sample.js';

export const KEY = 'sk-sim-test-key';

export const SAMPLE_REQUEST: SubmitRequest = DOCUMENT_SAMPLE_REQUEST;

/** Simulators started by a test file, all closed after each test. */
export function useSimulators(): (options?: SimulatorOptions) => Promise<Simulator> {
  const sims: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const s = await startSimulator({ timeScale: 0.001, ...options });
    sims.push(s);
    return s;
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly body: Buffer;
}

export type RawOutcome = { readonly ok: true; readonly res: RawResponse } | { readonly ok: false; readonly error: string; readonly partial?: Buffer; readonly status?: number };

/**
 * One request on a fresh connection (no pooling, so a reset or stall affects only this call), with a deadline.
 * Never throws: a network failure comes back as { ok: false, error: code }.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let settled = false;
    const finish = (o: RawOutcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(o);
      }
    };
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      status = res.statusCode;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        finish({ ok: true, res: { status: res.statusCode!, headers: res.headers, text: body.toString('utf8'), body } });
      });
      res.on('aborted', () => finish({ ok: false, error: 'ABORTED', partial: Buffer.concat(chunks), status }));
      res.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message, partial: Buffer.concat(chunks), status }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, error: 'TIMEOUT', partial: Buffer.concat(chunks), status });
      req.destroy();
    }, options.timeoutMs ?? 10_000);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message, partial: Buffer.concat(chunks), status }));
    req.end(options.body);
  });
}

export async function apiCall(base: string, body: unknown, auth: string | null = KEY, timeoutMs?: number): Promise<RawOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== null) headers.authorization = auth;
  return rawRequest(`${base}/v1/responses`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), timeoutMs });
}

/** An API call that must get an HTTP answer. */
export async function api(base: string, body: unknown, auth: string | null = KEY): Promise<RawResponse> {
  const o = await apiCall(base, body, auth);
  if (!o.ok) throw new Error(`expected an answer, got ${o.error}`);
  return o.res;
}

export async function submit(base: string, request: Partial<SubmitRequest> & Record<string, unknown> = {}): Promise<RawResponse> {
  return api(base, { ...SAMPLE_REQUEST, ...request });
}

/** The id digits exactly as written in the response text. */
export function idOf(text: string): string {
  const m = /"video_id":(\d+)/.exec(text) ?? /"id":(\d+)/.exec(text);
  if (!m) throw new Error(`no id in ${text}`);
  return m[1]!;
}

export async function fetchVideo(base: string, id: string): Promise<{ text: string; resp: Record<string, unknown> & { status: number; url: string } }> {
  const res = await api(base, { model: 'paiwo-get', input: id });
  const parsed = JSON.parse(res.text) as { ErrCode: number; Resp: Record<string, unknown> & { status: number; url: string } };
  if (parsed.ErrCode !== 0) throw new Error(`fetch failed: ${res.text}`);
  return { text: res.text, resp: parsed.Resp };
}

/** Polls until the video leaves status 5 (bounded by a generous deadline, never asserted on). */
export async function waitDone(base: string, id: string, deadlineMs = 20_000) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const f = await fetchVideo(base, id);
    if (f.resp.status !== 5) return f;
    if (Date.now() > until) throw new Error(`video ${id} still generating`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
