import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

export interface PostJsonOptions {
  readonly url: URL;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly agent: http.Agent;
  /** Deadline for the whole exchange: connect, send, headers and body. */
  readonly timeoutMs: number;
  /** The body is not kept past this many bytes. */
  readonly maxResponseBytes: number;
  readonly signal?: AbortSignal;
}

/**
 * What came back, without judging it. `sent` is the money-safety fact: true once the request body was handed
 * to the socket in full ('finish'), or once any answer arrived. Before that the service cannot have accepted it.
 */
export type PostJsonOutcome =
  | {
      readonly type: 'response';
      readonly status: number;
      readonly headers: http.IncomingHttpHeaders;
      /** `null` when the body could not be read in full; `bodyError` says why. */
      readonly body: Buffer | null;
      readonly bodyError?: string;
    }
  | { readonly type: 'failure'; readonly code: string; readonly sent: boolean; readonly cause: unknown }
  | { readonly type: 'aborted'; readonly sent: boolean; readonly reason: unknown };

/** The failure code of a socket or parser error: `ECONNREFUSED`, `ECONNRESET`, `HPE_…`, else `NETWORK`. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : 'NETWORK';
}

const targets = new WeakMap<URL, http.RequestOptions>();

/**
 * The URL as request options, converted once per URL object: node:http converts a URL on every request, and
 * its getters showed up in the profile of a run (one endpoint, thousands of calls).
 */
function requestTarget(url: URL): http.RequestOptions {
  let target = targets.get(url);
  if (target === undefined) {
    target = urlToHttpOptions(url);
    targets.set(url, target);
  }
  return target;
}

/** One POST over node:http(s), read with a byte cap and a deadline. Never rejects. */
export function postJson(options: PostJsonOptions): Promise<PostJsonOutcome> {
  const { url, signal } = options;
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ type: 'aborted', sent: false, reason: signal.reason });
      return;
    }
    const lib = url.protocol === 'https:' ? https : http;
    let sent = false;
    let settled = false;
    let status: number | undefined;
    let headers: http.IncomingHttpHeaders = {};

    const req = lib.request({
      ...requestTarget(url),
      method: 'POST',
      agent: options.agent,
      headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) },
    });

    const settle = (outcome: PostJsonOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const fail = (code: string, cause: unknown): void => {
      if (status !== undefined) settle({ type: 'response', status, headers, body: null, bodyError: code });
      else settle({ type: 'failure', code, sent, cause });
      req.destroy();
    };
    const onAbort = (): void => {
      settle({ type: 'aborted', sent, reason: signal?.reason });
      req.destroy();
    };
    const timer = setTimeout(() => fail('TIMEOUT', new Error(`no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    req.on('finish', () => {
      sent = true;
    });
    req.on('error', (error) => fail(codeOf(error), error));
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      sent = true;
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
        fail('TOO_LARGE', new Error(`answer declares ${declared} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Stop reading at the cap: a hostile 100 MB body is never held in memory.
        if (size > options.maxResponseBytes) fail('TOO_LARGE', new Error(`answer larger than ${options.maxResponseBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => settle({ type: 'response', status: status ?? 0, headers, body: Buffer.concat(chunks) }));
      res.on('error', (error) => fail(codeOf(error), error));
      res.on('close', () => {
        if (!res.complete) fail('ECONNRESET', new Error('answer ended before its body was complete'));
      });
    });
    req.end(options.body);
  });
}
