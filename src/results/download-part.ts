import { createHash, type Hash } from 'node:crypto';
import { createReadStream, lstatSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Box size (4 bytes) then the type `ftyp`: every ISO-BMFF (MP4) file starts so. */
export const SIGNATURE_BYTES = 8;

export function isMp4Head(head: Buffer): boolean {
  return head.length >= SIGNATURE_BYTES && head.toString('latin1', 4, 8) === 'ftyp';
}

/**
 * What the media server said about the whole file, kept across the tries of one video (pass the same object to
 * every downloadVideo call of a job): a resumed part is only continued if the file is still the same one.
 */
export interface DownloadMemo {
  /** The full size, from a 200's Content-Length or a 206's Content-Range. */
  total?: number;
  /** A strong ETag: sent as If-Range, so a changed file comes back whole (200) instead of spliced. */
  etag?: string;
}

/** A strong entity tag, or undefined (a weak one, `W/"…"`, may not be used with If-Range). */
export function strongEtag(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text && /^"[\x21\x23-\x7e]*"$/.test(text.trim()) ? text.trim() : undefined;
}

/** What is already in `<dest>.part`: its length, its hash so far and its first bytes. */
export async function readPart(part: string, maxBytes: number): Promise<{ offset: number; hash: Hash; head: Buffer }> {
  const info = lstatSync(part, { throwIfNoEntry: false });
  // Only a regular file is resumed: a link planted in its place is removed (the link, not its target), never followed.
  if (info && !info.isFile()) await unlink(part);
  const size = info?.isFile() ? info.size : 0;
  const hash = createHash('sha256');
  if (size === 0 || size > maxBytes) return { offset: 0, hash, head: Buffer.alloc(0) };
  let head = Buffer.alloc(0);
  for await (const chunk of createReadStream(part)) {
    const buf = chunk as Buffer;
    if (head.length < SIGNATURE_BYTES) head = Buffer.concat([head, buf.subarray(0, SIGNATURE_BYTES - head.length)]);
    hash.update(buf);
  }
  // A part that is not the start of an MP4 is not worth resuming.
  if (head.length >= SIGNATURE_BYTES && !isMp4Head(head)) return { offset: 0, hash: createHash('sha256'), head: Buffer.alloc(0) };
  return { offset: size, hash, head };
}

export function contentRangeStart(value: string | undefined): { start: number; total?: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[3] !== '*' ? { total: Number(m[3]) } : {}) };
}

/**
 * Removes the `.part` of a video whose download was given up for good. downloadVideo keeps the part after a
 * transient failure so that the next try resumes it; the caller calls this when there will be no next try.
 */
export async function discardPart(dest: string): Promise<void> {
  await rm(`${resolve(dest)}.part`, { force: true });
}

/**
 * A minimum throughput: `graceMs` to get going, then at least `bytesPerSecond` on average. The deadline grows
 * with what has arrived, so a large file on a good link is never cut, and a trickle (one byte every few seconds,
 * which never trips an idle timeout) always ends. Calls `onTooSlow` once; `stop()` ends the watch.
 */
export function watchThroughput(options: { graceMs: number; bytesPerSecond: number; received: () => number; onTooSlow: (elapsedMs: number) => void }): { stop(): void } {
  const started = performance.now();
  const check = (): void => {
    const elapsed = performance.now() - started;
    if (elapsed > options.graceMs + (options.received() * 1000) / options.bytesPerSecond) {
      clearInterval(timer);
      options.onTooSlow(elapsed);
    }
  };
  const timer = setInterval(check, Math.max(10, Math.min(1_000, options.graceMs / 4)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
