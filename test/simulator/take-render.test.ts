import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { outputSize } from '../../src/model/output-size.js';
import { RenderClock } from '../../src/simulator/render-clock.js';
import { describeWith } from '../helpers/requirements.js';
import { FFMPEG } from '../helpers/requirements.js';
import { it } from '../helpers/temp-dir.js';
import { idOf, rawRequest, submit, useSimulators, waitDone } from './sim-helpers.js';

const exec = promisify(execFile);
const start = useSimulators();

async function probe(file: string): Promise<{ width: number; height: number; duration: number; audio: boolean }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height:format=duration', '-of', 'json', file]);
  const info = JSON.parse(stdout) as { streams: { codec_type: string; width?: number; height?: number }[]; format: { duration?: string } };
  const video = info.streams.find((s) => s.codec_type === 'video')!;
  return { width: video.width!, height: video.height!, duration: Number(info.format.duration), audio: info.streams.some((s) => s.codec_type === 'audio') };
}

describeWith([FFMPEG], 'takes rendered in batches (ffmpeg)', () => {
  it('a take and its poster come from one ffmpeg process, distinct across seeds, with the duration and size asked for', async ({ tmp: dir }) => {
    // An ffmpeg that writes down each of its command lines, then is ffmpeg.
    const log = join(dir, 'ffmpeg.log');
    const fake = join(dir, 'logging-ffmpeg.sh');
    await writeFile(fake, `#!/bin/sh\necho "$*" >> '${log}'\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    const cache = join(dir, 'cache');
    const s = await start({ timeScale: 0.001, takes: true, takesCacheDir: cache, ffmpegPath: fake });
    const cases = [
      { quality: '360p', aspect_ratio: '16:9', duration: 5, seed: 1, generate_audio_switch: false },
      { quality: '360p', aspect_ratio: '16:9', duration: 5, seed: 2, generate_audio_switch: false },
      { quality: '360p', aspect_ratio: '16:9', duration: 5, seed: 3, generate_audio_switch: true },
      { quality: '540p', aspect_ratio: '9:16', duration: 8, seed: 1, generate_audio_switch: false, motion_mode: 'normal' },
    ] as const;
    const ids = await Promise.all(cases.map(async (c) => idOf((await submit(s.url, { input: 'a lighthouse in a storm', ...c })).text)));
    const videos: Buffer[] = [];
    const posters: Buffer[] = [];
    for (const [i, c] of cases.entries()) {
      const done = await waitDone(s.url, ids[i]!);
      const got = await rawRequest(done.resp.url);
      if (!got.ok) throw new Error(got.error);
      const files = s.takeFiles(ids[i]!)!;
      // What was served is the cached take, and its poster lies beside it, never older than it.
      expect(got.res.body.equals(await readFile(files.video))).toBe(true);
      expect((await stat(files.poster)).mtimeMs).toBeGreaterThanOrEqual((await stat(files.video)).mtimeMs);
      const { width, height } = outputSize(c.quality, c.aspect_ratio);
      const take = await probe(files.video);
      expect({ width: take.width, height: take.height, audio: take.audio }).toEqual({ width, height, audio: c.generate_audio_switch });
      expect(Math.abs(take.duration - c.duration)).toBeLessThan(0.1);
      const poster = await probe(files.poster);
      expect(poster.width).toBe(480);
      expect(Math.abs(poster.height - (480 * height) / width)).toBeLessThanOrEqual(2);
      videos.push(got.res.body);
      posters.push(await readFile(files.poster));
    }
    // Each process wrote the takes it rendered and their posters: never a process for a poster alone.
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(cases.length);
    for (const line of lines) {
      const takes = [...line.matchAll(/([0-9a-f]{32})\.\d+\.tmp\.mp4/g)].map((m) => m[1]).sort();
      const made = [...line.matchAll(/([0-9a-f]{32})\.\d+\.tmp\.jpg/g)].map((m) => m[1]).sort();
      expect(takes.length).toBeGreaterThan(0);
      expect(made).toEqual(takes);
    }
    expect(new Set(videos.map((b) => b.toString('base64'))).size).toBe(cases.length);
    expect(new Set(posters.map((b) => b.toString('base64'))).size).toBe(cases.length);
  });

  it('takes waiting together are rendered together: fewer processes than takes', async ({ tmp: dir }) => {
    const log = join(dir, 'ffmpeg.log');
    const fake = join(dir, 'logging-ffmpeg.sh');
    await writeFile(fake, `#!/bin/sh\necho "$*" >> '${log}'\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    const s = await start({ timeScale: 0.001, concurrency: 24, takes: true, takesCacheDir: join(dir, 'cache'), ffmpegPath: fake });
    const ids = await Promise.all(Array.from({ length: 24 }, async (_, seed) => idOf((await submit(s.url, { quality: '360p', seed: seed + 1 })).text)));
    for (const id of ids) await waitDone(s.url, id);
    const processes = (await readFile(log, 'utf8')).trim().split('\n').length;
    // Two at once, up to eight takes each: the first two start with one take each, the rest wait and batch.
    expect(processes).toBeLessThan(24 / 2);
  });
});

describe('the rehearsal clock', () => {
  it('stops while a take is overdue, once however many are, and never goes back', async () => {
    let t = 1000;
    const clock = new RenderClock(() => t);
    const start0 = clock.now();
    t += 50;
    expect(clock.now() - start0).toBe(50);
    let renderA!: () => void;
    let renderB!: () => void;
    clock.holdUntil(new Promise<void>((r) => (renderA = r)));
    t += 10;
    clock.holdUntil(new Promise<void>((r) => (renderB = r)));
    t += 100;
    expect(clock.now() - start0).toBe(50);
    expect(clock.waiting).toBe(true);
    renderA();
    await Promise.resolve();
    await Promise.resolve();
    t += 5;
    expect(clock.now() - start0).toBe(50);
    renderB();
    await Promise.resolve();
    await Promise.resolve();
    t += 20;
    expect(clock.now() - start0).toBe(70);
    expect(clock.waiting).toBe(false);
  });
});

describeWith([FFMPEG], 'a planted link in the takes folder', () => {
  it('is replaced, never written through, when a take is rendered at its name', async ({ tmp: dir }) => {
    const { readdir, symlink, mkdir } = await import('node:fs/promises');
    const cache = join(dir, 'cache');
    await mkdir(cache);
    await writeFile(join(dir, 'victim'), 'keep me');
    // A first simulator whose ffmpeg fails at once: it names the take's files, and leaves none behind.
    const failing = join(dir, 'failing-ffmpeg.sh');
    await writeFile(failing, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const s = await start({ timeScale: 0.001, takes: true, takesCacheDir: cache, ffmpegPath: failing, onNotice: () => undefined });
    const id = idOf((await submit(s.url, { quality: '360p', seed: 11 })).text);
    await waitDone(s.url, id);
    // Every name the render writes, planted before it runs: the temporary outputs, the text, the final poster.
    const files = s.takeFiles(id)!;
    const key = /([0-9a-f]{32})\.mp4$/.exec(files.video)![1]!;
    await s.close();
    for (const name of [`${key}.${process.pid}.tmp.mp4`, `${key}.${process.pid}.tmp.jpg`, `${key}.${process.pid}.txt`, `${key}.jpg`]) {
      await symlink(join(dir, 'victim'), join(cache, name));
    }
    const again = await start({ timeScale: 0.001, takes: true, takesCacheDir: cache });
    const id2 = idOf((await submit(again.url, { quality: '360p', seed: 11 })).text);
    await waitDone(again.url, id2);
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('keep me');
    expect((await stat(again.takeFiles(id2)!.poster)).size).toBeGreaterThan(0);
    expect((await readdir(cache)).filter((n) => n.includes('.tmp.') || n.endsWith('.txt'))).toEqual([]);
  });
});
