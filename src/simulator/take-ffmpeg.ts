/**
 * What ffmpeg is asked to draw for simulated takes: the text, colour and font of one take, and the arguments of
 * one process that renders several takes at once, each with its poster frame. A process costs ~50 ms of CPU
 * before its first frame, so a batch of up to TAKE_BATCH takes pays it once; each take is its own filter chain
 * and its own outputs, so it is exactly what a process of its own would have made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';

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

/** Frames per second of a take: few frames is what makes a take cheap (a 5 s take is 20 frames). */
export const TAKE_FPS = 4;
/** Takes per ffmpeg process, at most. */
export const TAKE_BATCH = 8;
/** Width of the poster frame rendered beside each take (what the report's posters use: scale=480:-2). */
export const POSTER_WIDTH = 480;
const ENCODE_TIMEOUT_MS = 60_000;
/** What the Latin fonts draw: Latin, Greek, Cyrillic, punctuation and symbols up to U+2BFF. */
const DRAWABLE = /^[\u0000-\u052f\u1e00-\u2bff]*$/u;

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

/** The font for a take: a CJK one when the prompt needs it and one is installed, else the Latin one. */
export function fontFor(prompt: string, latin: string | null, cjk: string | null): { font: string | null; drawsPrompt: boolean } {
  if (DRAWABLE.test(prompt)) return { font: latin, drawsPrompt: true };
  return cjk ? { font: cjk, drawsPrompt: true } : { font: latin, drawsPrompt: false };
}

/** The prompt in lines that fit the frame, then the seed and the settings. */
export function takeText(spec: TakeSpec, drawsPrompt: boolean): string {
  const charsPerLine = Math.max(12, Math.floor((spec.width * 0.9) / (Math.min(spec.width, spec.height) / 16) / 0.6));
  // No font on this machine draws the prompt's script: say so rather than draw empty boxes.
  const display = drawsPrompt ? spec.prompt : `(a prompt of ${[...spec.prompt].length} characters in a script no installed font draws)`;
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

/** One take of a batch: what it shows and where ffmpeg writes it (bare names inside the cache folder). */
export interface TakeJob {
  readonly spec: TakeSpec;
  /** The text file's name (a bare hex name: no path reaches the filter graph). */
  readonly textName: string;
  readonly font: string | null;
  /** The source image's file (a bare name), for an image job whose image the account holds. */
  readonly imageName?: string | null;
  readonly videoOut: string;
  readonly posterOut: string;
}

/** The filter chain of take `i`: its frames to `[v<i>]`, its poster frame to `[p<i>]`. */
function chainOf(job: TakeJob, i: number, videoInput: number): string {
  const { width: w, height: h, duration: d } = job.spec;
  const size = Math.max(12, Math.round(Math.min(w, h) / 16));
  // An image job's source image, fitted into the frame on the take's colour.
  const filters: string[] = job.imageName ? [`scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${takeColour(job.spec)},setsar=1,format=yuv420p`] : [];
  // The still part (background and text) is drawn once, on the one frame of the colour source, then repeated.
  const still = `loop=loop=${Math.max(0, Math.round(d * TAKE_FPS) - 1)}:size=1:start=0,setpts=N/${TAKE_FPS}/TB`;
  if (job.font) {
    filters.push(`drawtext=fontfile=${job.font}:fontcolor=white:textfile=${job.textName}:expansion=none:fontsize=${size}:line_spacing=${Math.round(size / 3)}:x=${Math.round(w / 20)}:y=${Math.round(h / 10)}`);
  }
  // Something moves, so it plays like a video: a block crossing the frame in the take's duration (a box, not
  // the time as text: drawing text on every frame cost a quarter of the take).
  const box = Math.max(8, Math.round(Math.min(w, h) / 12));
  filters.push(still, `drawbox=x=t*${(w / Math.max(1, d)).toFixed(2)}:y=${h - 2 * box}:w=${box}:h=${box}:color=white@0.85:t=fill`);
  const poster = `trim=start_frame=1:end_frame=2,scale=${POSTER_WIDTH}:-2`;
  return `[${videoInput}:v]${filters.join(',')},split[v${i}][s${i}];[s${i}]${poster}[p${i}]`;
}

/** The arguments of one ffmpeg process that renders every take of `jobs`, with its poster. */
export function batchArgs(jobs: readonly TakeJob[]): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  const chains: string[] = [];
  const outputs: string[] = [];
  let input = 0;
  jobs.forEach((job, i) => {
    const { spec } = job;
    const { width: w, height: h, duration: d } = spec;
    const video = input++;
    if (job.imageName) args.push('-framerate', String(TAKE_FPS), '-i', job.imageName);
    else args.push('-f', 'lavfi', '-i', `color=c=${takeColour(spec)}:s=${w}x${h}:r=${TAKE_FPS}:d=${1 / TAKE_FPS}`);
    chains.push(chainOf(job, i, video));
    outputs.push('-map', `[v${i}]`);
    if (spec.audio) {
      const seedHash = createHash('sha256').update(String(spec.seed)).digest();
      args.push('-f', 'lavfi', '-i', `sine=f=${220 + (seedHash.readUInt16BE(0) % 660)}:d=${d}:sample_rate=44100`);
      outputs.push('-map', `${input++}:a`, '-c:a', 'aac', '-b:a', '48k');
    }
    outputs.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-crf', '35', '-pix_fmt', 'yuv420p', '-threads', '1');
    outputs.push('-t', String(d), '-movflags', '+faststart', '-f', 'mp4', job.videoOut);
    outputs.push('-map', `[p${i}]`, '-frames:v', '1', '-q:v', '5', '-f', 'image2', '-update', '1', job.posterOut);
  });
  return [...args, '-filter_complex', chains.join(';'), ...outputs];
}

/** Runs ffmpeg in `cwd`; rejects with its first error lines (ENOENT: not installed). */
export function runFfmpeg(command: string, args: string[], cwd: string, running: Set<ChildProcess>, takes: number): Promise<void> {
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
    const timer = setTimeout(() => child.kill('SIGKILL'), ENCODE_TIMEOUT_MS * Math.max(1, takes / 2));
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
