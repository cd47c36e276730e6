/**
 * Distinct simulated takes: each video is an MP4 of the requested duration and width × height whose frames show
 * its prompt, seed and settings on a background colour derived from them (and a tone when audio is on), made with
 * ffmpeg and cached in a folder by a hash of what they show. One encode at a time, off the request path: a
 * submit starts it, and only a download of that very take waits for it. Without ffmpeg (or when an encode
 * fails) the caller serves the shipped clip instead, and the user is told once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SubmitRequest } from '../model/capabilities.js';

/** What a take shows; equal specs are one cached file. */
export interface TakeSpec {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly model: string;
  readonly seed: number;
  readonly quality: string;
  readonly aspectRatio: string;
  readonly motionMode: string;
  readonly duration: number;
  readonly width: number;
  readonly height: number;
  readonly audio: boolean;
  /** An image job's source image (sha256 of its bytes): the take shows it under the text. */
  readonly image?: string;
}

/** Low frame rate and a coarse encode: a take costs well under a second or two of CPU. */
const FPS = 8;
const RENDER_VERSION = 1;
const ENCODE_TIMEOUT_MS = 60_000;
const FONT_CANDIDATES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf'];
/** Fonts that also draw Chinese, Japanese and Korean prompts, used when present. */
const CJK_FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
];
/** What the Latin fonts above draw: Latin, Greek, Cyrillic, punctuation and symbols up to U+2BFF. */
const DRAWABLE = /^[\u0000-\u052f\u1e00-\u2bff]*$/u;

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

/** A readable background for white text: hue and shade from the prompt and the seed. */
export function takeColour(spec: TakeSpec): string {
  const h = createHash('sha256').update(`${spec.prompt}\u0000${spec.seed}`).digest();
  const hue = (h.readUInt16BE(0) % 360) / 360;
  const light = 0.28 + (h[2]! % 20) / 100;
  const sat = 0.45 + (h[3]! % 40) / 100;
  const f = (n: number): number => {
    const k = (n + hue * 12) % 12;
    const a = sat * Math.min(light, 1 - light);
    return Math.round(255 * (light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return `0x${[f(0), f(8), f(4)].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** The prompt in lines that fit the frame, then the seed and the settings. */
function takeText(spec: TakeSpec, charsPerLine: number, display: string): string {
  const words = display.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > charsPerLine) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? word.slice(0, charsPerLine) : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  const shown = lines.slice(0, 4);
  if (lines.length > 4) shown[3] = `${shown[3]!.slice(0, charsPerLine - 1)}…`;
  const id = createHash('sha256').update(spec.prompt).digest('hex').slice(0, 6);
  shown.push('', `prompt ${id} · seed ${spec.seed}`, `${spec.quality} ${spec.aspectRatio} · ${spec.duration} s`, `${spec.motionMode} motion${spec.audio ? ' · audio' : ''}`);
  return shown.join('\n');
}

/** The font for a take: a CJK one when the prompt needs it and one is installed, else the Latin one. */
function fontFor(prompt: string, latin: string | null, cjk: string | null): { font: string | null; drawsPrompt: boolean } {
  if (DRAWABLE.test(prompt)) return { font: latin, drawsPrompt: true };
  return cjk ? { font: cjk, drawsPrompt: true } : { font: latin, drawsPrompt: false };
}

function ffmpegArgs(spec: TakeSpec, textFile: string, font: string | null, out: string, imageFile: string | null): string[] {
  const { width: w, height: h, duration: d } = spec;
  const size = Math.max(12, Math.round(Math.min(w, h) / 16));
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  if (imageFile) args.push('-loop', '1', '-framerate', String(FPS), '-t', String(d), '-i', imageFile);
  else args.push('-f', 'lavfi', '-i', `color=c=${takeColour(spec)}:s=${w}x${h}:r=${FPS}:d=${d}`);
  const seedHash = createHash('sha256').update(String(spec.seed)).digest();
  if (spec.audio) args.push('-f', 'lavfi', '-i', `sine=f=${220 + (seedHash.readUInt16BE(0) % 660)}:d=${d}:sample_rate=44100`);
  // The source image, fitted into the frame on the take's colour.
  const filters: string[] = imageFile ? [`scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${takeColour(spec)},setsar=1`] : [];
  if (font) {
    const common = `fontfile=${font}:fontcolor=white`;
    filters.push(`drawtext=${common}:textfile=${textFile}:expansion=none:fontsize=${size}:line_spacing=${Math.round(size / 3)}:x=${Math.round(w / 20)}:y=${Math.round(h / 10)}`);
    // Something moves, so it plays like a video: the time, crossing the frame.
    filters.push(`drawtext=${common}@0.85:text='%{pts\\:hms}':fontsize=${size}:x=mod(t*w/${Math.max(2, d)}\\,w):y=h-${2 * size}`);
  } else {
    filters.push(`drawbox=x=mod(t*${Math.round(w / Math.max(2, d))}\\,${w}):y=${Math.round(h / 2)}:w=${Math.round(w / 8)}:h=${Math.round(h / 8)}:color=white:t=fill`);
  }
  args.push('-vf', filters.join(','));
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-crf', '35', '-pix_fmt', 'yuv420p');
  if (spec.audio) args.push('-c:a', 'aac', '-b:a', '48k');
  args.push('-t', String(d), '-movflags', '+faststart', '-f', 'mp4', out);
  return args;
}

export interface TakeRendererOptions {
  readonly cacheDir: string;
  /** Told once when takes fall back to the shipped clip. */
  readonly onNotice: (message: string) => void;
  /** @default 'ffmpeg' on the PATH */
  readonly ffmpeg?: string;
}

export class TakeRenderer {
  private queue: Promise<unknown> = Promise.resolve();
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

  constructor(private readonly options: TakeRendererOptions) {}

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

  private remember(key: string, buf: Buffer): void {
    this.memory.set(key, buf);
    // A small window: takes are re-read from the cache folder when needed again.
    if (this.memory.size > 32) this.memory.delete(this.memory.keys().next().value!);
  }

  private async load(key: string, spec: TakeSpec): Promise<Buffer | null> {
    const file = join(this.options.cacheDir, `${key}.mp4`);
    try {
      return await readFile(file);
    } catch {
      // not cached yet
    }
    if (this.unavailable) return null;
    const run = this.queue.then(() => this.render(key, spec, file));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops: no further encode starts, the one running is killed (a stopped rehearsal exits at once). */
  close(): void {
    this.closed = true;
    for (const child of this.running) child.kill('SIGKILL');
  }

  private async render(key: string, spec: TakeSpec, file: string): Promise<Buffer | null> {
    if (this.unavailable || this.closed) return null;
    await mkdir(this.options.cacheDir, { recursive: true });
    // ffmpeg runs in the cache folder and reads the text by a bare hex name: no path reaches the filter graph.
    const textName = `${key}.txt`;
    const textFile = join(this.options.cacheDir, textName);
    const tmp = join(this.options.cacheDir, `${key}.${process.pid}.tmp.mp4`);
    const { font, drawsPrompt } = fontFor(spec.prompt, this.font, this.cjkFont);
    // No font on this machine draws the prompt's script: say so rather than draw empty boxes.
    const display = drawsPrompt ? spec.prompt : `(a prompt of ${[...spec.prompt].length} characters in a script no installed font draws)`;
    // The image by a bare hex name too; an image the account no longer holds is left out.
    const bytes = spec.image !== undefined && /^[0-9a-f]{64}$/.test(spec.image) ? this.imageBytes?.(spec.image) : undefined;
    const imageName = bytes ? `${spec.image}.img` : null;
    if (bytes) await writeFile(join(this.options.cacheDir, imageName!), bytes);
    await writeFile(textFile, takeText(spec, Math.max(12, Math.floor((spec.width * 0.9) / (Math.min(spec.width, spec.height) / 16) / 0.6)), display));
    try {
      await runFfmpeg(this.options.ffmpeg ?? 'ffmpeg', ffmpegArgs(spec, textName, font, tmp, imageName), this.options.cacheDir, this.running);
      await rename(tmp, file);
      return await readFile(file);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      if (this.closed) return null;
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing) this.unavailable = true;
      this.tell(missing ? 'ffmpeg was not found' : `ffmpeg failed (${(error as Error).message.split('\n')[0]})`);
      return null;
    } finally {
      await unlink(textFile).catch(() => undefined);
      if (imageName) await unlink(join(this.options.cacheDir, imageName)).catch(() => undefined);
    }
  }

  private tell(why: string): void {
    if (this.told) return;
    this.told = true;
    this.options.onNotice(`simulator: ${why}; simulated videos are the shipped test clip instead of distinct takes (install ffmpeg for those)`);
  }
}

function runFfmpeg(command: string, args: string[], cwd: string, running: Set<ChildProcess>): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group: a Ctrl+C at the terminal stops the run, not an encode the simulator still needs
    // (closing the simulator kills the encodes in progress itself).
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    running.add(child);
    child.once('close', () => running.delete(child));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ENCODE_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`exit ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}
