import { execFile } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { outputSize } from '../../src/model/output-size.js';
import { SIM_STATE_FILE } from '../../src/simulator/sim-persist.js';
import { describeWith, FFMPEG } from '../helpers/requirements.js';
import { fetchVideo, idOf, rawRequest, submit, useSimulators, waitDone } from './sim-helpers.js';
import { it } from '../helpers/temp-dir.js';

const exec = promisify(execFile);
const start = useSimulators();
let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

describe('a simulator with a state folder is one service across restarts', () => {
  it('knows the videos, charges and balance of the process before it, and never hands an id out twice', async () => {
    // A slow clock: the second video is still generating when the first process goes away.
    const a = await start({ timeScale: 0.05, stateDir: dir, balance: 1000, seed: 3 });
    const done = idOf((await submit(a.url, { quality: '360p', duration: 5 })).text);
    await waitDone(a.url, done);
    const generating = idOf((await submit(a.url, { quality: '360p', duration: 10, seed: 77 })).text);
    expect((await fetchVideo(a.url, generating)).resp.status).toBe(5);
    const before = a.stats();
    await a.close();

    // Same seed on purpose: without the state, the new process would issue the very same ids again.
    const b = await start({ timeScale: 0.05, stateDir: dir, balance: 1000, seed: 3 });
    expect(b.stats().videos.map((v) => v.id)).toEqual([done, generating]);
    expect(b.stats().credits.charged).toBe(before.credits.charged);
    expect(b.stats().balance).toBe(before.balance);
    expect((await fetchVideo(b.url, done)).resp.status).toBe(1);
    // The generation in progress goes on on the same clock and finishes, with the seed it was given.
    const finished = await waitDone(b.url, generating);
    expect(finished.resp.seed).toBe(77);
    const third = idOf((await submit(b.url, { quality: '360p', duration: 5, seed: 5 })).text);
    expect([done, generating]).not.toContain(third);
    expect(b.stats().balance).toBe((before.balance ?? 0) - b.stats().videos[2]!.credits);
  });

  it('remembers a balance set at run time, ignores a torn last line, and forgets everything on reset', async () => {
    const a = await start({ stateDir: dir });
    const id = idOf((await submit(a.url)).text);
    a.setBalance(5000);
    await a.close();
    await appendFile(join(dir, SIM_STATE_FILE), '{"t":"video","v":{"id":"9'); // a crash mid-line

    const b = await start({ stateDir: dir });
    expect(b.stats().balance).toBe(5000);
    expect(b.stats().videos.map((v) => v.id)).toEqual([id]);
    const next = idOf((await submit(b.url)).text); // written after the torn line, on a line of its own
    b.reset();
    expect(b.stats().videos).toEqual([]);
    await b.close();

    const c = await start({ stateDir: dir });
    expect(c.stats().videos).toEqual([]);
    expect(c.stats().balance).toBeNull();
    expect(next).not.toBe(id);
  });
});

async function download(url: string): Promise<Buffer> {
  const got = await rawRequest(url);
  if (!got.ok) throw new Error(got.error);
  expect(got.res.status).toBe(200);
  expect(Number(got.res.headers['content-length'])).toBe(got.res.body.length);
  return got.res.body;
}

async function probe(file: string): Promise<{ width: number; height: number; duration: number; audio: boolean }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height:format=duration', '-of', 'json', file]);
  const info = JSON.parse(stdout) as { streams: { codec_type: string; width?: number; height?: number }[]; format: { duration: string } };
  const video = info.streams.find((s) => s.codec_type === 'video')!;
  return { width: video.width!, height: video.height!, duration: Number(info.format.duration), audio: info.streams.some((s) => s.codec_type === 'audio') };
}

describeWith([FFMPEG], 'distinct takes (ffmpeg)', () => {
  it('each take has the requested duration and size, audio when asked, and two seeds are two different files', async () => {
    const s = await start({ takes: true, takesCacheDir: join(dir, 'cache') });
    const cases = [
      { quality: '360p', aspect_ratio: '16:9', duration: 5, seed: 1, generate_audio_switch: true },
      { quality: '360p', aspect_ratio: '16:9', duration: 5, seed: 2, generate_audio_switch: true },
      { quality: '540p', aspect_ratio: '9:16', duration: 8, seed: 1, generate_audio_switch: false, motion_mode: 'normal' },
    ] as const;
    const files: Buffer[] = [];
    for (const [i, c] of cases.entries()) {
      const id = idOf((await submit(s.url, { input: 'a lighthouse in a storm', ...c })).text);
      const done = await waitDone(s.url, id);
      const bytes = await download(done.resp.url);
      const file = join(dir, `take-${i}.mp4`);
      await writeFile(file, bytes);
      const { width, height } = outputSize(c.quality, c.aspect_ratio);
      const got = await probe(file);
      expect({ width: got.width, height: got.height, audio: got.audio }).toEqual({ width, height, audio: c.generate_audio_switch });
      expect(got.duration).toBeGreaterThan(c.duration - 0.1);
      expect(got.duration).toBeLessThan(c.duration + 0.1);
      files.push(bytes);
    }
    expect(files[0]!.equals(files[1]!)).toBe(false);
    // The stats report the hash of what was served.
    const { createHash } = await import('node:crypto');
    expect(s.stats().videos.map((v) => v.sha256)).toEqual(files.map((b) => createHash('sha256').update(b).digest('hex')));
  });

  it('a generation ends only once its take is rendered, so a download never waits for ffmpeg', async () => {
    // An ffmpeg that waits for a file before it starts: the render is held as long as the test wants.
    const gate = join(dir, 'go');
    const fake = join(dir, 'slow-ffmpeg.sh');
    await writeFile(fake, `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.02; done\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    const s = await start({ timeScale: 0.001, takes: true, takesCacheDir: join(dir, 'cache'), ffmpegPath: fake });
    const id = idOf((await submit(s.url, { quality: '360p', seed: 4 })).text);
    const due = Date.now() + 250; // ten times the generation time at this scale
    while (Date.now() < due) expect((await fetchVideo(s.url, id)).resp.status).toBe(5);
    expect(s.stats().concurrency.current).toBe(1); // it still holds its slot
    await writeFile(gate, '');
    const done = await waitDone(s.url, id);
    expect(done.resp.status).toBe(1);
    expect(s.stats().concurrency.current).toBe(0);
    const bytes = await download(done.resp.url);
    expect(bytes.equals(await readFile(new URL('../../fixtures/media/360p-16x9-audio.mp4', import.meta.url)))).toBe(false);
  });

  it('closing the simulator kills the encode in progress, so a stopped rehearsal exits at once', async () => {
    const pidFile = join(dir, 'pid');
    const fake = join(dir, 'endless-ffmpeg.sh');
    await writeFile(fake, `#!/bin/sh\necho $$ > '${pidFile}'\nwhile :; do sleep 0.05; done\n`, { mode: 0o755 });
    const s = await start({ timeScale: 0.001, takes: true, takesCacheDir: join(dir, 'cache'), ffmpegPath: fake });
    await submit(s.url, { quality: '360p', seed: 6 });
    let pid = '';
    while (pid === '') pid = (await readFile(pidFile, 'utf8').catch(() => '')).trim();
    await s.close();
    const alive = () => {
      try {
        process.kill(Number(pid), 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = Date.now() + 10_000;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
  });

  it('a take is cached by what it shows: the same request is the same file, and a Range request gets its bytes', async () => {
    const s = await start({ takes: true, takesCacheDir: join(dir, 'cache') });
    const body = { input: 'two identical takes', quality: '360p', duration: 5, seed: 9 } as const;
    const a = await waitDone(s.url, idOf((await submit(s.url, body)).text));
    const b = await waitDone(s.url, idOf((await submit(s.url, body)).text));
    const first = await download(a.resp.url);
    expect((await download(b.resp.url)).equals(first)).toBe(true);
    const part = await rawRequest(a.resp.url, { headers: { Range: 'bytes=100-199' } });
    expect(part.ok && part.res.status).toBe(206);
    expect(part.ok && part.res.body.equals(first.subarray(100, 200))).toBe(true);
  });
});

describe('takes without ffmpeg', () => {
  it('serve the shipped clip of the right size and say so once', async () => {
    const notices: string[] = [];
    const s = await start({ takes: true, takesCacheDir: join(dir, 'cache'), ffmpegPath: join(dir, 'no-such-ffmpeg'), onNotice: (m) => notices.push(m) });
    for (const seed of [1, 2]) {
      const done = await waitDone(s.url, idOf((await submit(s.url, { quality: '360p', seed })).text));
      const bytes = await download(done.resp.url);
      const fixture = await readFile(new URL('../../fixtures/media/360p-16x9-audio.mp4', import.meta.url));
      expect(bytes.equals(fixture)).toBe(true);
    }
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/ffmpeg was not found.*shipped test clip/);
  });
});

describe('paiwo-batch simulator --state-dir', () => {
  it('killed with SIGKILL and started again on the same folder, it still knows every video it accepted', async () => {
    const { startSimulatorProcess } = await import('../../bench/lib/cli-process.mjs');
    const a = await startSimulatorProcess(['--time-scale', '0.001', '--seed', '4', '--state-dir', dir]);
    const ids = [idOf((await submit(a.url, { seed: 1 })).text), idOf((await submit(a.url, { seed: 2 })).text)];
    process.kill(a.pid!, 'SIGKILL');
    await a.close();
    const b = await startSimulatorProcess(['--time-scale', '0.001', '--seed', '4', '--state-dir', dir]);
    try {
      for (const id of ids) expect((await waitDone(b.url, id)).resp.status).toBe(1);
      const third = idOf((await submit(b.url, { seed: 3 })).text);
      expect(ids).not.toContain(third);
      expect(((await b.stats()) as { videos: { id: string }[] }).videos.map((v) => v.id)).toEqual([...ids, third]);
    } finally {
      await b.close();
    }
  });
});
