import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * Output file names are made safe for every filesystem (Linux, macOS, Windows) and can never leave the output
 * folder, whatever a prompt id or a variable holds.
 */

/** Longest path segment in UTF-8 bytes: well under the 255 of common filesystems, room for temp suffixes. */
export const MAX_SEGMENT_BYTES = 120;
export const VIDEO_EXTENSION = '.mp4';

// C0/C1 controls and the bidi overrides that can disguise an extension (`cat\u202E4pm.exe`).
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const WINDOWS_ILLEGAL = /[<>:"|?*]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** A variable's value inside a file name: a separator in a value never makes a folder. */
export function safeValue(text: string): string {
  return text.replace(INVISIBLE, '').replace(/[/\\]/g, '_').replace(WINDOWS_ILLEGAL, '_');
}

/** A literal part of the file-name pattern: `/` makes subfolders (`\` too, for Windows habits). */
export function safeLiteral(text: string): string {
  return text.replace(INVISIBLE, '').replace(/\\/g, '/').replace(WINDOWS_ILLEGAL, '_');
}

/** Why a file-name pattern's own text points outside the output folder, or `undefined` when it does not. */
export function patternEscape(pattern: string): string | undefined {
  const literal = pattern.replace(/\\/g, '/');
  if (literal.startsWith('/') || /^[A-Za-z]:/.test(literal)) return 'the file-name pattern must be relative to the output folder';
  if (literal.split('/').some((s) => s.trim() === '..')) return 'the file-name pattern may not contain ".." (it would leave the output folder)';
  return undefined;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Cuts to at most `maxBytes` UTF-8 bytes on a character boundary. */
function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes) break;
    bytes += b;
    out += ch;
  }
  return out;
}

const PLAIN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*[A-Za-z0-9_-]$/;

function safeSegment(segment: string, maxBytes: number): string {
  // The common case (ASCII letters, digits, `_-.` inside) needs no rewriting: skip the costly steps.
  if (segment.length <= maxBytes && PLAIN.test(segment) && !RESERVED.test(segment)) return segment;
  let s = segment.normalize('NFC').replace(/^ +/, '').replace(/[. ]+$/, '');
  if (s === '') s = '_';
  if (RESERVED.test(s)) s = `_${s}`;
  // A cut name keeps a hash of the whole so two long names that share a prefix stay distinct.
  if (Buffer.byteLength(s) > maxBytes) s = `${cutToBytes(s, maxBytes - 9).replace(/[. ]+$/, '')}~${shortHash(s)}`;
  return s;
}

/**
 * Turns a rendered pattern (values already passed through `safeValue`, literals through `safeLiteral`) into a
 * relative path with `/` separators ending in `.mp4`: no empty, `.` or `..` segments, no reserved Windows
 * names, no trailing dots or spaces, every segment ≤ 120 bytes.
 */
export function finishFilePath(rendered: string): string {
  // The common case, one plain segment: nothing to rewrite, and a name without `/` cannot leave the folder.
  if (rendered.length <= MAX_SEGMENT_BYTES - VIDEO_EXTENSION.length && PLAIN.test(rendered) && !RESERVED.test(rendered) && !/\.mp4$/i.test(rendered)) {
    return `${rendered}${VIDEO_EXTENSION}`;
  }
  let stem = rendered;
  if (stem.toLowerCase().endsWith(VIDEO_EXTENSION)) stem = stem.slice(0, -VIDEO_EXTENSION.length);
  const segments = stem.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) segments.push('_');
  const last = segments.length - 1;
  const safe = segments.map((s, i) => (s === '..' ? '_' : safeSegment(s, i === last ? MAX_SEGMENT_BYTES - VIDEO_EXTENSION.length : MAX_SEGMENT_BYTES)));
  const file = `${safe.join('/')}${VIDEO_EXTENSION}`;
  if (!isInside('/out', file)) throw new Error(`unsafe file name survived sanitising: ${JSON.stringify(file)}`);
  return file;
}

function isInside(root: string, file: string): boolean {
  const resolved = path.posix.resolve(root, file);
  return resolved.startsWith(`${root}/`) && !file.split('/').includes('..');
}

/**
 * The absolute path of a job's file inside an output folder; throws when it would be anywhere else (the last
 * line of defence for anyone writing job files).
 */
export function resolveOutputPath(outDir: string, file: string): string {
  const root = path.resolve(outDir);
  // The names this tool makes (no `.`/`..` segment, relative): a join, without resolve + relative (a rerun of
  // 100,000 jobs asks for each).
  if (file !== '' && !path.isAbsolute(file) && !/(^|[\\/])\.\.?([\\/]|$)/.test(file) && !file.includes('\0')) return path.join(root, file);
  const resolved = path.resolve(root, file);
  const rel = path.relative(root, resolved);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new Error(`file ${JSON.stringify(file)} would leave the output folder ${root}`);
  return resolved;
}

/**
 * Two names that are one file on a case-insensitive, normalising filesystem (macOS, Windows) share a key.
 * File names from finishFilePath are NFC already.
 */
export function fileCollisionKey(file: string): string {
  return file.toLowerCase();
}
