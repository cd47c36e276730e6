/**
 * Distinct simulated takes: each video is an MP4 of the requested duration and width × height whose frames show
 * its prompt, seed and settings on a background colour derived from them (and a tone when audio is on), made with
 * ffmpeg and cached in a folder by a hash of what they show, with its poster frame beside it (`<key>.jpg`, what
 * a rehearsal's runner links into `.posters/` instead of extracting one). Off the request path: a submit starts
 * it, and only a download of that very take waits for it. Takes waiting to be rendered are taken up to
 * TAKE_BATCH at a time by one ffmpeg process, by at most `workers` processes at once (take-ffmpeg.ts). Without
 * ffmpeg (or when an encode fails) the caller serves the shipped clip instead, and the user is told once.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { SubmitRequest } from '../model/capabilities.js';
import { batchArgs, fontFor, runFfmpeg, TAKE_BATCH, takeText, type TakeJob, type TakeSpec } from './take-ffmpeg.js';

export type { TakeSpec } from './take-ffmpeg.js';
export { takeColour } from './take-ffmpeg.js';

/** 2: four frames a second, and a poster frame beside each take. */
const RENDER_VERSION = 2;
const FONT_CANDIDATES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf'];
/** Fonts that also draw Chinese, Japanese and Korean prompts, used when present. */
const CJK_FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
];

export function takeSpecOf(request: SubmitRequest, seed: number, width: number, height: number, audio: boolean, image?: string): TakeSpec {
  return {
    ...(image !== undefined && { image }),
    prompt: request.input,
    negativePrompt: request.negative_prompt ?? '',
    model: request.model,
    seed,
    quality: request.quality,
    aspectRatio: request.aspect_ratio ?? 'image',
    motionMode: request.motion_mode ?? 'normal',
    duration: request.duration,
    width,
    height,
    audio,
  };
}

export function takeKey(spec: TakeSpec): string {
  return createHash('sha256').update(JSON.stringify([RENDER_VERSION, spec])).digest('hex').slice(0, 32);
}

export interface TakeRendererOptions {
  readonly cacheDir: string;
  /** Told once when takes fall back to the shipped clip. */
  readonly onNotice: (message: string) => void;
  /** @default 'ffmpeg' on the PATH */
  readonly ffmpeg?: string;
  /** ffmpeg processes at once. @default 2, or 1 on a one-core machine */
  readonly workers?: number;
}

/** Where a rendered take and its poster are (or will be) in the cache folder. */
export interface TakeFiles {
  readonly video: string;
  readonly poster: string;
}

interface Waiting {
  readonly key: string;
  readonly spec: TakeSpec;
  readonly resolve: (bytes: Buffer | null) => void;
}

export class TakeRenderer {
  private readonly waiting: Waiting[] = [];
  private active = 0;
  private readonly workers: number;
  private readonly pending = new Map<string, Promise<Buffer | null>>();
  private readonly memory = new Map<string, Buffer>();
  /** ffmpeg is missing: every take is the shipped clip. */
  unavailable = false;
  private closed = false;
  private readonly running = new Set<ChildProcess>();
  private told = false;
  private readonly font = FONT_CANDIDATES.find((f) => existsSync(f)) ?? null;
  private readonly cjkFont = CJK_FONT_CANDIDATES.find((f) => existsSync(f)) ?? null;

  /** The bytes of an uploaded image by sha256 (the account's uploads); `null`: takes show no image. */
  imageBytes: ((sha256: string) => Buffer | undefined) | null = null;

  constructor(private readonly options: TakeRendererOptions) {
    this.workers = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
  }

  /** The take's bytes, rendering it (once) if needed; `null` = serve the shipped clip. */
  take(spec: TakeSpec): Promise<Buffer | null> {
    const key = takeKey(spec);
    const held = this.memory.get(key);
    if (held) return Promise.resolve(held);
    let p = this.pending.get(key);
    if (!p) {
      p = this.load(key, spec).then((buf) => {
        this.pending.delete(key);
        if (buf) this.remember(key, buf);
        return buf;
      });
      this.pending.set(key, p);
    }
    return p;
  }

  /** `null` when the take is in memory; else the promise of it (starting the render if needed). */
  ready(spec: TakeSpec): Promise<unknown> | null {
    return this.memory.has(takeKey(spec)) ? null : this.take(spec);
  }

  /** The take if it is in memory already (for stats), without rendering. */
  peek(spec: TakeSpec): Buffer | undefined {
    return this.memory.get(takeKey(spec));
  }

  /** The cache files of a take (they exist once it is rendered; without ffmpeg they never do). */
  files(spec: TakeSpec): TakeFiles {
    const key = takeKey(spec);
    return { video: join(this.options.cacheDir, `${key}.mp4`), poster: join(this.options.cacheDir, `${key}.jpg`) };
  }

  private remember(key: string, buf: Buffer): void {
    this.memory.set(key, buf);
    // A small window: takes are re-read from the cache folder when needed again.
    if (this.memory.size > 32) this.memory.delete(this.memory.keys().next().value!);
  }

  private async load(key: string, spec: TakeSpec): Promise<Buffer | null> {
    try {
      return await readFile(join(this.options.cacheDir, `${key}.mp4`));
    } catch {
      // not cached yet
    }
    if (this.unavailable || this.closed) return null;
    return new Promise((resolve) => {
      this.waiting.push({ key, spec, resolve });
      this.pump();
    });
  }

  /** Starts a batch of the takes waiting while a worker is free. */
  private pump(): void {
    while (this.active < this.workers && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, TAKE_BATCH);
      this.active++;
      void this.renderBatch(batch).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  /** Stops: no further encode starts, the ones running are killed (a stopped rehearsal exits at once). */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.resolve(null);
    for (const child of this.running) child.kill('SIGKILL');
  }

  /** One process for the batch; when it fails, each take on its own, so one bad take costs only itself. */
  private async renderBatch(batch: readonly Waiting[]): Promise<void> {
    if (this.unavailable || this.closed) return batch.forEach((w) => w.resolve(null));
    const outcome = await this.render(batch);
    if (outcome === 'ok' || outcome === 'missing' || batch.length === 1) return;
    for (const w of batch) await this.render([w]);
  }

  private async render(batch: readonly Waiting[]): Promise<'ok' | 'failed' | 'missing'> {
    const dir = this.options.cacheDir;
    await mkdir(dir, { recursive: true });
    const jobs: TakeJob[] = batch.map(({ key, spec }) => ({
      spec,
      // ffmpeg runs in the cache folder and reads the text by a bare hex name: no path reaches the filter graph.
      textName: `${key}.${process.pid}.txt`,
      // The image by a bare hex name too; an image the account no longer holds is left out.
      imageName: this.imageOf(spec) ? `${key}.${process.pid}.img` : null,
      font: fontFor(spec.prompt, this.font, this.cjkFont).font,
      videoOut: `${key}.${process.pid}.tmp.mp4`,
      posterOut: `${key}.${process.pid}.tmp.jpg`,
    }));
    const temps = jobs.flatMap((j) => [j.videoOut, j.posterOut].map((name) => join(dir, name)));
    try {
      // Nothing is written through a link planted at a name we write: ffmpeg's outputs are removed first (it
      // would open them with O_TRUNC), the text is created exclusively.
      await Promise.all([...temps, ...jobs.flatMap((j) => [j.textName, ...(j.imageName ? [j.imageName] : [])]).map((name) => join(dir, name))].map((t) => unlink(t).catch(() => undefined)));
      await Promise.all(jobs.map((j) => writeFile(join(dir, j.textName), takeText(j.spec, fontFor(j.spec.prompt, this.font, this.cjkFont).drawsPrompt), { flag: 'wx' })));
      await Promise.all(jobs.map((j) => (j.imageName ? writeFile(join(dir, j.imageName), this.imageOf(j.spec)!, { flag: 'wx' }) : undefined)));
      await runFfmpeg(this.options.ffmpeg ?? 'ffmpeg', batchArgs(jobs), dir, this.running, jobs.length);
      // The poster is never older than its video: the report takes an older poster for a stale one.
      const now = new Date();
      for (const [i, { key }] of batch.entries()) {
        await rename(join(dir, jobs[i]!.videoOut), join(dir, `${key}.mp4`));
        await utimes(join(dir, jobs[i]!.posterOut), now, now);
        await rename(join(dir, jobs[i]!.posterOut), join(dir, `${key}.jpg`));
      }
      for (const { key, resolve } of batch) resolve(await readFile(join(dir, `${key}.mp4`)).catch(() => null));
      return 'ok';
    } catch (error) {
      await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)));
      const { code, syscall } = error as NodeJS.ErrnoException;
      const missing = code === 'ENOENT' && (syscall ?? '').startsWith('spawn') && !this.closed;
      if (missing) this.unavailable = true;
      // A batch that failed is tried take by take before anyone is given the shipped clip.
      if (this.closed || missing || batch.length === 1) {
        if (!this.closed) this.tell(missing ? 'ffmpeg was not found' : `ffmpeg failed (${(error as Error).message.split('\n')[0]})`);
        batch.forEach((w) => w.resolve(null));
      }
      return missing ? 'missing' : this.closed ? 'ok' : 'failed';
    } finally {
      await Promise.all(jobs.flatMap((j) => [j.textName, ...(j.imageName ? [j.imageName] : [])]).map((name) => unlink(join(dir, name)).catch(() => undefined)));
    }
  }

  /** The bytes of the image a take shows, when it has one the account still holds. */
  private imageOf(spec: TakeSpec): Buffer | undefined {
    return spec.image !== undefined && /^[0-9a-f]{64}$/.test(spec.image) ? this.imageBytes?.(spec.image) : undefined;
  }

  private tell(why: string): void {
    if (this.told) return;
    this.told = true;
    this.options.onNotice(`simulator: ${why}; simulated videos are the shipped test clip instead of distinct takes (install ffmpeg for those)`);
  }
}
