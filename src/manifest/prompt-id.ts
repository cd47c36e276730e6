import { createHash } from 'node:crypto';

/** An explicit prompt id: letters (any script), digits, `.`, `_`, `-`; starts with a letter or digit. */
export const PROMPT_ID_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}._-]{0,63}$/u;

const SLUG_MAX_CHARS = 40;

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The id of a prompt given as plain text: NFKC-normalised, lower-cased, every run of characters other than
 * letters, marks and digits (any script, so CJK stays readable) becomes `-`. Longer than 40 characters: cut, plus
 * `-` and 6 hex of the text's sha256; nothing left (only emoji or punctuation): `p-` and 8 hex. Depends only on
 * the text, so it is the same in every run and every manifest.
 */
export function promptSlug(text: string): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^[-\p{M}]+|-+$/gu, '');
  if (slug === '') return `p-${hash(text, 8)}`;
  const chars = [...slug];
  if (chars.length <= SLUG_MAX_CHARS) return slug;
  return `${chars.slice(0, SLUG_MAX_CHARS).join('').replace(/-+$/, '')}-${hash(text, 6)}`;
}
