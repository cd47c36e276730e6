import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { readImageHeader } from '../util/image-header.js';
import type { ImageRef } from './types.js';

/** The upload limits both upload models state (DMXAPI-FAMILY.md §2, the worst case of the sources). */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_IMAGE_SIDE = 4000;

export type ImageCheck = { readonly ref: ImageRef } | { readonly problem: string };

const isUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/**
 * The images a manifest names, relative to its folder: globs expanded (sorted), each file checked once before
 * anything is sent — it exists, is PNG, JPEG or WebP by its bytes, is at most 20 MB and at most 4,000 px on its
 * longest side — and hashed (the job's id and the upload cache use the bytes, not the path). Synchronous: the
 * manifest's checks run in one pass, and a manifest names few images.
 */
export class ImageFiles {
  private readonly checks = new Map<string, ImageCheck>();
  private readonly globs = new Map<string, string[]>();

  /** `baseDir`: the manifest's folder (absolute). */
  constructor(private readonly baseDir: string) {}

  /** A value as one or more values: a glob becomes its matching files, relative to the manifest, sorted. */
  expand(value: string): readonly string[] {
    if (isUrl(value) || !fg.isDynamicPattern(value)) return [value];
    let found = this.globs.get(value);
    if (!found) {
      const matches = fg.sync(value, { cwd: this.baseDir, onlyFiles: true, unique: true, suppressErrors: true, dot: false });
      found = matches.map((m) => m.split(path.sep).join('/')).sort();
      this.globs.set(value, found);
    }
    return found;
  }

  /** Whether the value is a glob (matching any number of files). */
  isGlob(value: string): boolean {
    return !isUrl(value) && fg.isDynamicPattern(value);
  }

  check(value: string): ImageCheck {
    let out = this.checks.get(value);
    if (!out) this.checks.set(value, (out = this.checkOnce(value)));
    return out;
  }

  private checkOnce(value: string): ImageCheck {
    if (isUrl(value)) {
      if (!/^https:\/\/[^/\s]+/i.test(value)) return { problem: `an image URL must be https:// (got ${JSON.stringify(value.slice(0, 60))})` };
      return { ref: { source: value } };
    }
    const file = path.resolve(this.baseDir, value);
    let size: number;
    try {
      const info = statSync(file);
      if (!info.isFile()) return { problem: `${JSON.stringify(value)} is not a file` };
      size = info.size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { problem: code === 'ENOENT' ? `no such image file ${JSON.stringify(value)} (paths are relative to the manifest)` : `cannot read ${JSON.stringify(value)}: ${code}` };
    }
    if (size > MAX_IMAGE_BYTES) return { problem: `${JSON.stringify(value)} is ${(size / 1024 / 1024).toFixed(1)} MB; an image may be at most 20 MB` };
    const bytes = readAll(file, size);
    if (typeof bytes === 'string') return { problem: `cannot read ${JSON.stringify(value)}: ${bytes}` };
    const header = readImageHeader(bytes);
    if (header.format === undefined) return { problem: `${JSON.stringify(value)} is ${header.problem}, not PNG, JPEG or WebP (judged by its bytes, not its name)` };
    const longest = Math.max(header.width, header.height);
    if (longest > MAX_IMAGE_SIDE) return { problem: `${JSON.stringify(value)} is ${header.width}×${header.height} px; its longest side may be at most ${MAX_IMAGE_SIDE} px` };
    if (header.width === 0 || header.height === 0) return { problem: `${JSON.stringify(value)} says it is ${header.width}×${header.height} px (damaged)` };
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { ref: { source: value, file, sha256, bytes: size, format: header.format, width: header.width, height: header.height } };
  }
}

function readAll(file: string, size: number): Buffer | string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
