import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/paiwo-error.js';
import { addSecret, clearSecrets, redact, redactValue } from '../../src/util/redact.js';

const KEY = 'sk-SECRET-7f3e9c1d5b-e-DO-NOT-LEAK-42a8';

/** Any run of 8 characters of the key (or of its encodings) left in `text`. */
export function keyFragments(text: string, key = KEY): string[] {
  const forms = [key, encodeURIComponent(key).replace(/-/g, '%2D'), Buffer.from(key).toString('base64').slice(0, -4)];
  const found: string[] = [];
  for (const form of forms) for (let j = 0; j + 8 <= form.length; j++) if (text.includes(form.slice(j, j + 8))) found.push(form.slice(j, j + 8));
  return found;
}

afterEach(() => clearSecrets());

describe('redact', () => {
  it('takes the key out in every form: raw, Bearer, URL path and query, partly and fully percent-encoded, base64 at any alignment', () => {
    addSecret(KEY);
    const texts = [
      `x Bearer ${KEY} y`,
      `https://cdn.example/media/echo/Bearer%20${encodeURIComponent(KEY)}/v.mp4?auth=${encodeURIComponent(KEY)}`,
      `https://user:${encodeURIComponent(KEY)}@cdn.example/v.mp4`,
      encodeURIComponent(KEY).replace(/-/g, '%2D'),
      [...Buffer.from(KEY)].map((b) => `%${b.toString(16)}`).join(''),
      Buffer.from(`Bearer ${KEY}`).toString('base64'),
      Buffer.from(`:${KEY}`).toString('base64'),
      Buffer.from(`user:${KEY}`).toString('base64url'),
      `${KEY}${KEY}`,
    ];
    for (const t of texts) {
      const out = redact(t);
      expect(out, t).toContain('[redacted]');
      expect(keyFragments(out), `${t} → ${out}`).toEqual([]);
      expect(out).not.toContain(KEY.slice(4, 12));
    }
  });

  it('a message cut short after the key leaves no run of 8 characters of it', () => {
    addSecret(KEY);
    for (let cut = 8; cut <= KEY.length; cut += 3) {
      const out = redact(`invalid token Bearer ${KEY.slice(0, cut)}…`);
      expect(keyFragments(out)).toEqual([]);
      expect(out.startsWith('invalid token Bearer ')).toBe(true);
    }
    // Short runs are ordinary text.
    expect(redact('sk-SECR and 42a8')).toBe('sk-SECR and 42a8');
  });

  it('leaves text without the key alone, and does nothing when no secret is registered', () => {
    expect(redact(`Bearer ${KEY}`)).toBe(`Bearer ${KEY}`);
    addSecret(KEY);
    expect(redact('paiwo-batch run: 3 jobs, 0 failed')).toBe('paiwo-batch run: 3 jobs, 0 failed');
  });

  it('every PaiwoError redacts its own message, so ledgers, --json, status and the report never see the key', () => {
    addSecret(KEY);
    const e = new UserError('X', `gateway said: Authorization: Bearer ${KEY.slice(0, 25)}`);
    expect(keyFragments(e.message)).toEqual([]);
    expect(redactValue({ a: [{ b: `k=${KEY}` }], n: 1 })).toEqual({ a: [{ b: 'k=[redacted]' }], n: 1 });
  });
});
