import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerJob } from './ledger-types.js';
import { relativeFileUrl } from '../util/escape-html.js';

/** Posters live beside the videos, one JPEG per take, named by the job id: `<out>/.posters/<id>.jpg`. */
export const POSTER_DIR = '.posters';

export interface PosterOptions {
  /** The ffmpeg to run. @default process.env.PAIWO_FFMPEG ?? 'ffmpeg' */
  readonly ffmpeg?: string;
  /** ffmpeg processes at once. @default 2 */
  readonly concurrency?: number;
  /** `false`: use posters already on disk, extract none. @default true */
  readonly extract?: boolean;
}

export interface PosterResult {
  /** Job id → poster URL relative to the output folder, for every take that has an up-to-date poster. */
  readonly posters: ReadonlyMap<string, string>;
  /** `false` when ffmpeg could not be started (not installed): the report says once that posters need it. */
  readonly ffmpeg: boolean;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function posterPath(jobId: string): string | null {
  return SAFE_ID.test(jobId) ? `${POSTER_DIR}/${jobId}.jpg` : null;
}

/**
 * Makes sure every succeeded take whose video is in the folder has a poster frame, extracting the missing or
 * stale ones (older than the video) with ffmpeg's `thumbnail` filter, a representative frame rather than the
 * often black first one. Extracted once: a rerun only stats. Never fails the report: a video ffmpeg cannot read
 * simply has no poster, and a missing ffmpeg is reported through `ffmpeg: false`.
 */
export async function ensurePosters(outDir: string, jobs: readonly LedgerJob[], options: PosterOptions = {}): Promise<PosterResult> {
  const ffmpeg = options.ffmpeg ?? process.env.PAIWO_FFMPEG ?? 'ffmpeg';
  const posters = new Map<string, string>();
  const dir = join(outDir, POSTER_DIR);
  const dirInfo = await lstat(dir).catch(() => null);
  // A planted link would send our writes elsewhere: posters are then neither read nor written.
  if (dirInfo && !dirInfo.isDirectory()) return { posters, ffmpeg: true };
  if (dirInfo) await removeStalePosterTemps(dir);
  const todo: { job: LedgerJob; video: string; poster: string }[] = [];
  for (const job of jobs) {
    const rel = posterPath(job.id);
    if (job.status !== 'succeeded' || rel === null || relativeFileUrl(job.file) === null) continue;
    todo.push({ job, video: join(outDir, job.file), poster: join(outDir, rel) });
  }
  let ffmpegOk = options.extract !== false;
  let ffmpegMissing = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const item = todo[next++]!;
      const [video, poster] = await Promise.all([stat(item.video).catch(() => null), lstat(item.poster).catch(() => null)]);
      if (!video?.isFile()) continue;
      if (poster?.isFile() && poster.mtimeMs >= video.mtimeMs) {
        posters.set(item.job.id, posterPath(item.job.id)!);
        continue;
      }
      if (!ffmpegOk) continue;
      if (!dirInfo) await mkdir(dir, { recursive: true });
      const outcome = await extractPoster(ffmpeg, item.video, item.poster);
      if (outcome === 'ok') posters.set(item.job.id, posterPath(item.job.id)!);
      if (outcome === 'no-ffmpeg') {
        ffmpegOk = false;
        ffmpegMissing = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return { posters, ffmpeg: !ffmpegMissing };
}

/** One frame to `<poster>.tmp-…`, renamed into place only when ffmpeg succeeded (a reader never sees half a JPEG). */
function extractPoster(ffmpeg: string, video: string, poster: string): Promise<'ok' | 'failed' | 'no-ffmpeg'> {
  const temp = `${poster}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}.jpg`;
  const args = ['-nostdin', '-v', 'error', '-y', '-i', video, '-an', '-vf', 'thumbnail=50,scale=480:-2', '-frames:v', '1', '-q:v', '5', temp];
  return new Promise((resolve) => {
    execFile(ffmpeg, args, { timeout: 30_000, windowsHide: true }, (error) => {
      if (error) {
        void unlink(temp).catch(() => undefined);
        resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no-ffmpeg' : 'failed');
        return;
      }
      rename(temp, poster).then(
        () => resolve('ok'),
        () => {
          void unlink(temp).catch(() => undefined);
          resolve('failed');
        },
      );
    });
  });
}

/** Temp posters of a runner that was killed mid-extraction (its pid is gone): nobody else will rename them. */
async function removeStalePosterTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/\.tmp-(\d+)-/.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
