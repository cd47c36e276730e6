/**
 * The one place secrets are taken out of text. Every output path passes through here: error messages (every
 * PaiwoError redacts its own message, so the ledger, the journal, --json, status, the report and the step summary
 * only ever see redacted text), log lines (logger.ts), and everything printed on a terminal (printable.ts).
 *
 * A secret is found in any of the forms a gateway or a library may put it in: raw (and so `Bearer <key>`),
 * URL-encoded (a key in a URL's path, query or userinfo), base64 or base64url (of the key, of `Bearer <key>`, of a
 * `user:key` basic form: any text that contains the key, at any alignment). A message cut short after the key was
 * echoed leaves only part of it: any run of 8 or more characters of a form is taken out as well.
 */

/** Shorter runs of a key's characters are left alone (they are as likely to be ordinary text). */
export const MIN_FRAGMENT = 8;
const CENSOR = '[redacted]';

/** The forms of every registered secret, raw ones first. */
let forms: string[] = [];
const raw = new Set<string>();
/**
 * A rolling hash of every MIN_FRAGMENT-long run of every form: one pass over a text, without allocating, tells
 * whether there may be anything to take out (a hash collision only costs the full search).
 */
let fragments = new Set<number>();
const BASE = 257;
const BASE_POW = Array.from({ length: MIN_FRAGMENT - 1 }).reduce<number>((p) => Math.imul(p, BASE) >>> 0, 1);

function mayHoldFragment(text: string): boolean {
  let h = 0;
  for (let i = 0; i < text.length; i++) {
    if (i >= MIN_FRAGMENT) h = (h - Math.imul(text.charCodeAt(i - MIN_FRAGMENT), BASE_POW)) >>> 0;
    h = (Math.imul(h, BASE) + text.charCodeAt(i)) >>> 0;
    if (i >= MIN_FRAGMENT - 1 && fragments.has(h)) return true;
  }
  return false;
}

function hashOf(run: string): number {
  let h = 0;
  for (let i = 0; i < run.length; i++) h = (Math.imul(h, BASE) + run.charCodeAt(i)) >>> 0;
  return h;
}

/** The base64 characters that depend only on the secret, whatever comes before or after it (3 alignments). */
function base64Cores(secret: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const bytes = Buffer.concat([Buffer.alloc(pad, 0x41), secret]);
    const firstFull = Math.ceil(pad / 3) * 3;
    const lastEnd = firstFull + Math.floor((bytes.length - firstFull) / 3) * 3;
    const core = bytes.toString(alphabet).slice((firstFull / 3) * 4, (lastEnd / 3) * 4);
    if (core.length >= MIN_FRAGMENT) out.push(core);
  }
  return out;
}

function percentEncodeAll(text: string, upper: boolean): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).map((e) => (upper ? e.toUpperCase() : e)).join('');
}

/** Every form the secret can take in text. */
function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  // Only the characters a URL encoder may escape are escaped in the partial form (e.g. `-` as %2D).
  const partial = (upper: boolean) => secret.replace(/[^A-Za-z0-9]/g, (c) => percentEncodeAll(c, upper));
  const all = [secret, encodeURIComponent(secret), partial(true), partial(false), percentEncodeAll(secret, true), percentEncodeAll(secret, false)];
  all.push(...base64Cores(bytes, 'base64'), ...base64Cores(bytes, 'base64url'));
  return [...new Set(all)].filter((f) => f.length >= MIN_FRAGMENT);
}

/**
 * Registers a secret (the API key) for every later `redact`. A secret shorter than MIN_FRAGMENT is still taken out
 * whole. The built-in simulator's fixed key is not a secret and is not registered.
 */
export function addSecret(secret: string | undefined): void {
  const value = secret?.trim();
  // A value of a few characters is not a key (and taking it out of every text would mangle ordinary words).
  if (!value || value.length < 4) return;
  const next = value.length < MIN_FRAGMENT ? [value] : formsOf(value);
  // The raw secrets first (a whole key becomes one marker), then the encodings, longest first.
  raw.add(value);
  forms = [...new Set([...forms, ...next])].sort((a, b) => Number(raw.has(b)) - Number(raw.has(a)) || b.length - a.length);
  for (const form of forms) for (let j = 0; j + MIN_FRAGMENT <= form.length; j++) fragments.add(hashOf(form.slice(j, j + MIN_FRAGMENT)));
}

/** Forgets every secret (tests). */
export function clearSecrets(): void {
  forms = [];
  raw.clear();
  fragments = new Set();
}

/** Takes every run of ≥ MIN_FRAGMENT characters of `form` out of `text`. */
function redactForm(text: string, form: string): string {
  if (form.length < MIN_FRAGMENT) return text.split(form).join(CENSOR);
  let out = text;
  for (let j = 0; j + MIN_FRAGMENT <= form.length; j++) {
    const probe = form.slice(j, j + MIN_FRAGMENT);
    for (let i = out.indexOf(probe); i !== -1; i = out.indexOf(probe, i + CENSOR.length)) {
      // Grow the match both ways while text and form agree: the whole visible run goes.
      let start = i;
      let end = i + MIN_FRAGMENT;
      for (let k = j; k > 0 && start > 0 && out[start - 1] === form[k - 1]; k--) start--;
      for (let k = j + MIN_FRAGMENT; k < form.length && end < out.length && out[end] === form[k]; k++) end++;
      out = `${out.slice(0, start)}${CENSOR}${out.slice(end)}`;
      i = start;
    }
  }
  return out;
}

/** `text` without any registered secret in any form. Cheap when no secret is registered. */
export function redact(text: string): string {
  if (forms.length === 0 || text.length < MIN_FRAGMENT) return forms.length === 0 ? text : forms.reduce((t, f) => (f.length < MIN_FRAGMENT ? t.split(f).join(CENSOR) : t), text);
  // The common case (nothing secret in it) costs one pass of set lookups, not a search per form and fragment.
  if (!mayHoldFragment(text)) return text;
  let out = text;
  for (const form of forms) out = redactForm(out, form);
  return out === text ? out : out.replace(/(?:\[redacted\])+/g, CENSOR);
}

/** A copy of a plain value (log object, JSON document) with every string redacted. */
export function redactValue<T>(value: T, depth = 0): T {
  if (forms.length === 0) return value;
  if (typeof value === 'string') return redact(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1)) as T;
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactValue(v, depth + 1);
  return out as T;
}
