import type http from 'node:http';
import { field, integerOf, stringOf } from './read-json.js';

/** What an error message says about an answer: short, printable, single-line, never the key. */

/** Short, printable and single-line: a gateway's HTML page becomes its visible text. */
export function excerpt(text: string, max = 200): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}

/** The gateway's request id (contract B.9), printable and bounded, or undefined. */
export function requestIdOf(headers: http.IncomingHttpHeaders): string | undefined {
  const raw = headers['x-rixapi-request-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return undefined;
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, 128);
  return clean || undefined;
}

/** The gateway's `error.code` (a string, or a number some proxies send). */
export function gatewayCodeOf(gateway: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return stringOf(field(gateway, 'code')) ?? (integerOf(field(gateway, 'code'))?.toString() || undefined);
}

/** An answer without ErrCode, as the facts its message needs (the body already redacted). */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly gateway: Readonly<Record<string, unknown>> | undefined;
  readonly envelope: Readonly<Record<string, unknown>> | undefined;
  readonly text: string | undefined;
  readonly bodyError: string | undefined;
  readonly maxResponseBytes: number;
  /** The API's origin, named when the path looks wrong. */
  readonly origin: string;
  readonly redact: (text: string) => string;
}

/** What an answer without ErrCode says: the gateway's error, or why there was nothing to read. */
export function plainAnswerDetail(a: PlainAnswer): string {
  let detail: string;
  const gatewayMessage = stringOf(field(a.gateway, 'message'));
  if (a.gateway !== undefined) detail = `${gatewayCodeOf(a.gateway) ?? ''}${gatewayMessage ? `: ${excerpt(gatewayMessage)}` : ''}`.trim();
  else if (a.bodyError !== undefined) detail = a.bodyError === 'TOO_LARGE' ? `answer larger than ${a.maxResponseBytes} bytes, not read` : `answer cut off (${a.bodyError})`;
  else if (a.envelope === undefined) detail = a.text && a.text.trim() ? `non-JSON answer: "${excerpt(a.text, 120)}"` : 'empty answer';
  else detail = 'answer has neither ErrCode nor error';
  if (a.status >= 300 && a.status < 400 && typeof a.headers.location === 'string') detail += ` (redirected to ${excerpt(a.redact(a.headers.location), 120)}; check the base URL)`;
  if (a.status === 404 || a.status === 405) detail += ` (is ${a.origin} the API's base URL?)`;
  return detail;
}
