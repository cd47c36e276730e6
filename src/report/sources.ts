import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerJob } from '../ledger/types.js';

/** Copies of the takes' source images live beside the videos, one per distinct image: `<out>/.sources/<sha256>.<ext>`. */
export const SOURCES_DIR = '.sources';

const IMAGE_KEYS = ['image', 'first_frame', 'last_frame'] as const;
const EXT: Readonly<Record<string, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
const SHA256 = /^[0-9a-f]{64}$/;

/** A take's source image as the page shows it: its key, its name in the manifest, and where the page finds it. */
export type TakeSource = readonly [key: string, name: string, src: string | null];

/** Where a job's image copy is, relative to the output folder (none for a URL, or an image without a known format). */
export function sourcePath(ref: { readonly sha256?: string | undefined; readonly format?: string | undefined }): string | null {
  if (ref.sha256 === undefined || !SHA256.test(ref.sha256) || ref.format === undefined || !Object.hasOwn(EXT, ref.format)) return null;
  return `${SOURCES_DIR}/${ref.sha256}.${EXT[ref.format]}`;
}

/** A job's source images for the page: a copy in the folder; a URL only by name (the page loads nothing remote). */
export function takeSources(job: LedgerJob): TakeSource[] | null {
  const images = job.images;
  if (!images) return null;
  const out: TakeSource[] = [];
  for (const key of IMAGE_KEYS) {
    const ref = images[key];
    if (!ref) continue;
    const src = sourcePath(ref);
    out.push([key, ref.source, src]);
  }
  return out;
}

/**
 * Copies each distinct source image into `<out>/.sources/` once, so the page shows it from `file://` and through
 * `review` alike, even after the originals move. An image that cannot be copied (gone, unreadable, no longer the
 * bytes the job was planned with) is skipped: the page then names it without a picture. Only the very bytes
 * whose sha256 the ledger records are copied (a tampered ledger cannot copy another file into the folder), and
 * nothing is written through a link: a `.sources` that is a link gets no copies, and the temporary file is
 * created exclusively without following one.
 */
export async function ensureSources(outDir: string, jobs: readonly LedgerJob[]): Promise<void> {
  const wanted = new Map<string, { readonly file: string; readonly sha256: string }>();
  for (const job of jobs) {
    for (const key of IMAGE_KEYS) {
      const ref = job.images?.[key];
      const rel = ref && sourcePath(ref);
      if (rel && ref.file !== undefined && !wanted.has(rel)) wanted.set(rel, { file: ref.file, sha256: ref.sha256! });
    }
  }
  if (wanted.size === 0) return;
  const dir = join(outDir, SOURCES_DIR);
  await mkdir(dir, { recursive: true });
  if ((await lstat(dir)).isSymbolicLink()) return;
  for (const [rel, source] of wanted) {
    const target = join(outDir, rel);
    if (await stat(target).then((s) => s.isFile(), () => false)) continue;
    await copyExact(source.file, source.sha256, target).catch(() => undefined);
  }
}

/** Copies `file` to `target` when its bytes still hash to `sha256`: through a fresh temporary file, then renamed. */
async function copyExact(file: string, sha256: string, target: string): Promise<void> {
  const bytes = await readFile(file);
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) return;
  const temp = `${target}.${process.pid}.tmp`;
  await unlink(temp).catch(() => undefined);
  const fd = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await fd.writeFile(bytes);
  } finally {
    await fd.close();
  }
  await rename(temp, target).catch(async (error: unknown) => {
    await unlink(temp).catch(() => undefined);
    throw error;
  });
}
