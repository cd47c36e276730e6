import { isLosslessNumber, parse } from 'lossless-json';

/**
 * Response bodies are parsed with lossless-json: every number stays its exact text (a LosslessNumber) until a
 * field is read with the helper of its type, so a video id above 2^53 never passes through a JS number.
 */
export function parseJsonText(text: string): unknown {
  try {
    // A BOM some proxies prepend is not part of the JSON text.
    return parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
}

export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An own property only: a body's `__proto__` or `constructor` key is data, never the prototype. */
export function field(record: Readonly<Record<string, unknown>> | undefined, key: string): unknown {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The exact decimal digits of an integer id, written as a JSON number or a string of digits. */
export function idText(value: unknown): string | undefined {
  const text = isLosslessNumber(value) ? value.value : typeof value === 'string' ? value.trim() : undefined;
  return text !== undefined && /^\d{1,40}$/.test(text) ? ownCopy(text) : undefined;
}

/**
 * The same characters in a string of their own. The parser's strings are slices of the answer's text, and a
 * slice keeps the whole text alive: an id kept in the ledger held ~450 bytes instead of ~50 (45 MB over a
 * 100,000-job run). Digits only, so latin1 is exact.
 */
function ownCopy(digits: string): string {
  return Buffer.from(digits, 'latin1').toString('latin1');
}

/** A finite JS number (for counts, sizes, seeds, ErrCode), or `undefined`. */
export function numberOf(value: unknown): number | undefined {
  const n = isLosslessNumber(value) ? Number(value.value) : typeof value === 'number' ? value : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** A safe integer (ErrCode may also come as a string of digits from some proxies). */
export function integerOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value) : numberOf(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
