import { execFile } from 'node:child_process';
import { setPriority } from 'node:os';
import { link, lstat, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LedgerJob } from '../ledger/types.js';
import { relativeFileUrl } from '../util/escape-html.js';
import { pidAlive } from '../util/pid-alive.js';
import { fileMtime, statMany } from '../util/stat-many.js';

/** Posters live beside the videos, one JPEG per take, named by the job id: `<out>/.posters/<id>.jpg`. */
export const POSTER_DIR = '.posters';

export interface PosterOptions {
  /** The ffmpeg to run. @default process.env.PAIWO_FFMPEG ?? 'ffmpeg' */
  readonly ffmpeg?: string;
  /** ffmpeg processes at once. @default 2 */
  readonly concurrency?: number;
  /** `false`: use posters already on disk, extract none. @default true */
  readonly extract?: boolean;
  /** Extract at most this many (the rest are left for `report`/`review`, counted in `deferred`). @default all */
  readonly maxExtract?: number;
}

export interface PosterResult {
  /** Job id → poster URL relative to the output folder, for every take that has an up-to-date poster. */
  readonly posters: ReadonlyMap<string, string>;
  /** `false` when ffmpeg could not be started (not installed): the report says once that posters need it. */
  readonly ffmpeg: boolean;
  /** Takes left without a poster because of `maxExtract`. */
  readonly deferred: number;
  /** Job ids whose small poster (`smallPosterPath`) is as new as their poster. */
  readonly small: ReadonlySet<string>;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function posterPath(jobId: string): string | null {
  return SAFE_ID.test(jobId) ? `${POSTER_DIR}/${jobId}.jpg` : null;
}

/**
 * The same frame SMALL_POSTER_WIDTH px wide, `<out>/.posters/<id>.small.jpg`, for the compact grid: hundreds of
 * takes on one screen decode a ninth of the pixels. Posters made before it existed are used as they are.
 */
export function smallPosterPath(jobId: string): string | null {
  return SAFE_ID.test(jobId) ? `${POSTER_DIR}/${jobId}.small.jpg` : null;
}

const SMALL_POSTER_WIDTH = 160;

/** Videos per ffmpeg process: its start-up costs more than a frame, so a batch is ~4× cheaper than one each. */
const BATCH = 8;
/** Takes whose video and poster are checked together. */
const CHECK_CHUNK = 2000;
/** Posters waiting to be made in the background during a run, at most. */
const MAX_WAITING = 256;
/** The nicest priority (19 on Unix; Windows maps it to its lowest class). */
const BACKGROUND_PRIORITY = 19;

interface PosterItem {
  readonly id: string;
  readonly video: string;
  readonly poster: string;
  readonly small: string;
}

/** A take's video and poster paths, or null when it cannot have a poster (an id or file name that is not safe). */
function posterItem(outDir: string, job: Pick<LedgerJob, 'id' | 'file'>): PosterItem | null {
  const rel = posterPath(job.id);
  if (rel === null || relativeFileUrl(job.file) === null) return null;
  return { id: job.id, video: join(outDir, job.file), poster: join(outDir, rel), small: join(outDir, smallPosterPath(job.id)!) };
}

/** The succeeded takes of `jobs` that can have a poster. */
function posterCandidates(outDir: string, jobs: readonly LedgerJob[]): PosterItem[] {
  const items: PosterItem[] = [];
  for (const job of jobs) {
    const item = job.status === 'succeeded' ? posterItem(outDir, job) : null;
    if (item) items.push(item);
  }
  return items;
}

/**
 * Makes sure every succeeded take whose video is in the folder has a poster frame, extracting the missing or
 * stale ones (older than the video) with ffmpeg's `thumbnail` filter, a representative frame rather than the
 * often black first one, several videos per ffmpeg process. Extracted once: a rerun only stats. Never fails the
 * report: a video ffmpeg cannot read simply has no poster, and a missing ffmpeg is reported through `ffmpeg: false`.
 */
export async function ensurePosters(outDir: string, jobs: readonly LedgerJob[], options: PosterOptions = {}): Promise<PosterResult> {
  const ffmpeg = options.ffmpeg ?? process.env.PAIWO_FFMPEG ?? 'ffmpeg';
  const posters = new Map<string, string>();
  const small = new Set<string>();
  const dir = join(outDir, POSTER_DIR);
  const dirInfo = await lstat(dir).catch(() => null);
  // A planted link would send our writes elsewhere: posters are then neither read nor written.
  if (dirInfo && !dirInfo.isDirectory()) return { posters, ffmpeg: true, deferred: 0, small };
  if (dirInfo) await removeStalePosterTemps(dir);
  // Checked a chunk at a time, and only the posters that will be made are kept: at the end of a 100,000-job run
  // nearly every poster is missing, and holding every candidate's paths and stats cost ~100 MB.
  const limit = options.extract === false ? 0 : (options.maxExtract ?? Infinity);
  const todo: PosterItem[] = [];
  let lacking = 0;
  for (let i = 0; i < jobs.length; i += CHECK_CHUNK) {
    const items = posterCandidates(outDir, jobs.slice(i, i + CHECK_CHUNK));
    const videos = await statMany(items.map((c) => c.video), fileMtime);
    const made = await statMany(items.map((c) => c.poster), fileMtime, { link: true });
    const smalls = await statMany(items.map((c) => c.small), fileMtime, { link: true });
    items.forEach((item, k) => {
      const video = videos[k] ?? null;
      const poster = made[k] ?? null;
      if (video === null) return;
      if (poster !== null && poster >= video) {
        posters.set(item.id, posterPath(item.id)!);
        if ((smalls[k] ?? -1) >= video) small.add(item.id);
      } else {
        lacking++;
        if (todo.length < limit) todo.push(item);
      }
    });
  }
  if (lacking === 0 || options.extract === false) return { posters, ffmpeg: true, deferred: 0, small };
  const deferred = lacking - todo.length;
  if (!dirInfo) await mkdir(dir, { recursive: true });
  let missing = false;
  let next = 0;
  const made = (item: PosterItem): void => {
    posters.set(item.id, posterPath(item.id)!);
    small.add(item.id);
  };
  const worker = async (): Promise<void> => {
    while (next < todo.length && !missing) {
      const batch = todo.slice(next, next + BATCH);
      next += BATCH;
      let outcome = await extractPosters(ffmpeg, batch);
      // One unreadable video fails the whole batch: then each on its own, so only that one goes without.
      if (outcome === 'failed' && batch.length > 1) {
        for (const item of batch) if ((outcome = await extractPosters(ffmpeg, [item])) === 'ok') made(item);
      } else if (outcome === 'ok') for (const item of batch) made(item);
      if (outcome === 'no-ffmpeg') missing = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return { posters, ffmpeg: !missing, deferred, small };
}

/**
 * One frame per video to `<poster>.tmp-…`, each renamed into place only when ffmpeg succeeded for all (a reader
 * never sees half a JPEG). Frames are scaled before `thumbnail` compares them, which keeps its buffer small.
 */
function extractPosters(ffmpeg: string, items: readonly PosterItem[], options: { readonly background?: boolean } = {}): Promise<'ok' | 'failed' | 'no-ffmpeg'> {
  const suffix = `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}.jpg`;
  const args = ['-nostdin', '-v', 'error', '-y'];
  for (const item of items) args.push('-i', item.video);
  // The small poster first: renamed before the large one, so a large poster as new as its video has its small one.
  items.forEach((item, i) => {
    args.push('-map', `${i}:v:0`, '-an', '-vf', `scale=${SMALL_POSTER_WIDTH}:-2,thumbnail=30`, '-frames:v', '1', '-q:v', '5', item.small + suffix);
    args.push('-map', `${i}:v:0`, '-an', '-vf', 'scale=480:-2,thumbnail=30', '-frames:v', '1', '-q:v', '5', item.poster + suffix);
  });
  const cleanup = () => Promise.all(items.flatMap((item) => [item.small, item.poster]).map((file) => unlink(file + suffix).catch(() => undefined)));
  return new Promise((resolve) => {
    const child = execFile(ffmpeg, args, { timeout: 30_000 + 5_000 * items.length, windowsHide: true }, (error) => {
      if (error) {
        void cleanup().then(() => resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no-ffmpeg' : 'failed'));
        return;
      }
      Promise.all(items.map((item) => rename(item.small + suffix, item.small).then(() => rename(item.poster + suffix, item.poster)))).then(
        () => resolve('ok'),
        () => void cleanup().then(() => resolve('failed')),
      );
    });
    // During a run, posters take only what the run leaves of the CPU: on two cores a full-speed ffmpeg took one
    // of them from the runner and the simulator, and a 100,000-job rehearsal's downloads fell behind.
    if (options.background && child.pid !== undefined) {
      try {
        setPriority(child.pid, BACKGROUND_PRIORITY);
      } catch {
        // Not permitted here: the poster is made at normal priority.
      }
    }
  });
}

/** Temp posters of a runner that was killed mid-extraction (its pid is gone): nobody else will rename them. */
async function removeStalePosterTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/\.tmp-(\d+)-/.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

/**
 * Posters made during a run, one ffmpeg at a time (up to BATCH videos each), as videos are saved: the frames
 * are extracted while the run waits on the service anyway, so its end does not pay for them. `stop()` drops what
 * is still waiting (the report extracts a bounded number more, and `paiwo-batch report` the rest).
 */
export class PosterMaker {
  readonly #ffmpeg: string;
  readonly #waiting: PosterItem[] = [];
  readonly #ready = new Map<string, Promise<boolean>>();
  #running: Promise<void> | null = null;
  readonly #linking = new Set<Promise<void>>();
  #stopped = false;
  #missing = false;

  constructor(options: { readonly ffmpeg?: string } = {}) {
    this.#ffmpeg = options.ffmpeg ?? process.env.PAIWO_FFMPEG ?? 'ffmpeg';
  }

  /** Queues the poster of a saved take (never fails the run). */
  add(outDir: string, job: Pick<LedgerJob, 'id' | 'file'>): void {
    // Saves faster than posters can be made (a fast rehearsal of thousands): the rest wait for report/review
    // instead of a queue that grew by every saved video (~40 MB at 100,000).
    if (this.#stopped || this.#missing || this.#waiting.length >= MAX_WAITING) return;
    const item = posterItem(outDir, job);
    if (item === null) return;
    this.#waiting.push(item);
    this.#running ??= this.#work().finally(() => {
      this.#running = null;
    });
  }

  /**
   * A take whose poster was made with it (a rehearsal's, by the simulator's renderer): the poster is linked into
   * `.posters/` instead of extracted — made at a temporary name, checked to be a regular file, renamed into place,
   * so nothing is written through a planted link. When that fails it is extracted like any other.
   */
  addMade(outDir: string, job: Pick<LedgerJob, 'id' | 'file'>, made: string): void {
    const item = posterItem(outDir, job);
    if (this.#stopped || item === null) return;
    const linking = this.#linkPoster(made, item).then((linked) => {
      if (!linked) this.add(outDir, job);
    });
    this.#linking.add(linking);
    void linking.finally(() => this.#linking.delete(linking));
  }

  async #linkPoster(made: string, item: PosterItem): Promise<boolean> {
    if (!(await this.#folderUsable(dirname(item.poster)))) return false;
    const temp = `${item.poster}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}.jpg`;
    try {
      await link(made, temp);
    } catch {
      return false;
    }
    try {
      if (!(await lstat(temp)).isFile()) throw new Error('not a file');
      await rename(temp, item.poster);
      return true;
    } catch {
      await unlink(temp).catch(() => undefined);
      return false;
    }
  }

  /** Drops the posters still waiting and waits for the one being made (and the links being made). */
  async stop(): Promise<void> {
    await Promise.all(this.#linking);
    this.#stopped = true;
    this.#waiting.length = 0;
    await this.#running;
  }

  async #work(): Promise<void> {
    while (this.#waiting.length > 0 && !this.#stopped && !this.#missing) {
      const batch = this.#waiting.splice(0, BATCH);
      // A planted link where the folder should be: posters are then neither read nor written there.
      const usable = await Promise.all(batch.map((item) => this.#folderUsable(dirname(item.poster))));
      const items = batch.filter((_, i) => usable[i]);
      if (items.length === 0) continue;
      const outcome = await extractPosters(this.#ffmpeg, items, { background: true });
      if (outcome === 'no-ffmpeg') this.#missing = true;
    }
  }

  #folderUsable(dir: string): Promise<boolean> {
    let ready = this.#ready.get(dir);
    if (!ready) {
      ready = lstat(dir).then(
        (info) => info.isDirectory(),
        () => mkdir(dir, { recursive: true }).then(() => true, () => false),
      );
      this.#ready.set(dir, ready);
    }
    return ready;
  }
}
