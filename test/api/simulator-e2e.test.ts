import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type VideoStatus } from '../../src/api/api-client.js';
import { ApiError } from '../../src/api/api-error.js';
import type { SubmitRequest } from '../../src/model/capabilities.js';
import { DownloadError } from '../../src/download/download-error.js';
import { discardPart } from '../../src/download/part.js';
import { downloadVideo } from '../../src/download/download-video.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const KEY = 'sk-SECRET-e2e-5566778899';
const REQUEST: SubmitRequest = { model: 'paiwo-v5.6-ttv', input: 'a kitten plays in the grass', aspect_ratio: '16:9', duration: 5, quality: '540p', generate_audio_switch: true, seed: 0 };

let sim: Simulator;
let api: ApiClient;
let dir: string;
const errors: unknown[] = [];

async function untilDone(videoId: string): Promise<VideoStatus> {
  for (;;) {
    const status = await api.fetchVideo(videoId);
    if (status.status !== 5) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  errors.push(error);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/** Submits with no fault, waits for the video, then arms `faults` for what comes next. */
async function finishedVideo(faults = ''): Promise<VideoStatus> {
  sim.setFaults('');
  const { videoId } = await api.submit(REQUEST);
  const done = await untilDone(videoId);
  sim.setFaults(faults);
  return done;
}

beforeAll(async () => {
  dir = await makeTempDir('e2e');
  sim = await startSimulator({ timeScale: 0.01, bigIds: true, apiKey: KEY, hugeJsonBytes: 20 * 1024 * 1024, oversizeMediaBytes: 8 * 1024 * 1024 });
  api = new ApiClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 2_000 });
});
afterAll(async () => {
  api.close();
  await sim.close();
  await removeTempDir(dir);
  for (const e of errors) expect((e as Error).message).not.toContain(KEY);
});

describe('against the simulator', () => {
  it('submit, poll and download with an id above 2^53', async () => {
    const accepted = await api.submit(REQUEST);
    expect(accepted.credits).toBe(80);
    expect(BigInt(accepted.videoId) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const done = await untilDone(accepted.videoId);
    expect(done).toMatchObject({ videoId: accepted.videoId, status: 1, width: 1024, height: 576, hasAudio: true });
    expect(done.seed).toBeGreaterThan(0);
    const dest = join(dir, 'kitten.mp4');
    const saved = await downloadVideo({ url: done.url!, dest });
    expect(saved.bytes).toBe((await stat(dest)).size);
    expect((await readFile(dest)).toString('latin1', 4, 8)).toBe('ftyp');
    const video = sim.stats().videos.find((v) => v.id === accepted.videoId);
    expect(video?.sha256).toBe(saved.sha256);
    expect(sim.stats().submits.accepted).toBe(1);
  });

  it('classifies the service faults the same way as the unit tests', async () => {
    const cases: Array<[string, 'submit' | 'fetch', string]> = [
      ['401', 'submit', 'account-refused'],
      ['403', 'fetch', 'account-refused'],
      ['503-model-not-found', 'submit', 'account-refused'],
      ['429', 'submit', 'rate-limited'],
      ['500044', 'submit', 'concurrency-limit'],
      ['500069', 'submit', 'overloaded'],
      ['500090', 'submit', 'insufficient-balance'],
      ['html-500', 'submit', 'outcome-unknown'],
      ['html-500', 'fetch', 'transient'],
      ['500-after-charge', 'submit', 'outcome-unknown'],
      ['html-502', 'submit', 'outcome-unknown'],
      ['html-502', 'fetch', 'transient'],
      ['504-after-charge', 'submit', 'outcome-unknown'],
      ['reset-after', 'submit', 'outcome-unknown'],
      ['reset-after', 'fetch', 'transient'],
      ['stall', 'submit', 'outcome-unknown'],
      ['huge-json', 'fetch', 'transient'],
    ];
    const { videoId } = await api.submit(REQUEST);
    const quick = new ApiClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 300 });
    for (const [fault, op, kind] of cases) {
      sim.setFaults(`${fault}/${op}`);
      const e = await rejection(op === 'submit' ? quick.submit(REQUEST) : quick.fetchVideo(videoId), ApiError);
      expect({ fault, kind: e.kind }).toEqual({ fault, kind });
    }
    quick.close();
    expect(sim.stats().faults['huge-json']).toBe(1);
    sim.setFaults('');
  });

  it('a finished video with a file: url is a protocol problem', async () => {
    const done = await finishedVideo('bad-url');
    expect(await rejection(api.fetchVideo(done.videoId), ApiError)).toMatchObject({ kind: 'protocol', retryable: true });
  });

  it('hostile media: truncated, lying length, redirect to file:, oversize', async () => {
    const cases: Array<[string, string]> = [
      ['truncate-media', 'truncated'],
      ['lying-length', 'truncated'],
      ['redirect-scheme', 'bad-scheme'],
      ['oversize-media', 'too-large'],
    ];
    for (const [fault, kind] of cases) {
      const done = await finishedVideo(fault);
      const dest = join(dir, `${fault}.mp4`);
      const e = await rejection(downloadVideo({ url: done.url!, dest, attempts: 1, maxBytes: 4 * 1024 * 1024 }), DownloadError);
      expect({ fault, kind: e.kind }).toEqual({ fault, kind });
      // A cut body's part is kept for the next try to resume; a refused one is never kept.
      if (kind === 'truncated') {
        expect((await stat(`${dest}.part`)).size).toBeGreaterThan(0);
        await discardPart(dest);
      }
      await expect(stat(`${dest}.part`)).rejects.toThrow();
      await expect(stat(dest)).rejects.toThrow();
    }
  });

  it('an expired URL is refused with kind expired, and a fresh fetch gives one that works', async () => {
    await sim.close();
    // A 1 ms lifetime: the URL is already past it when the download starts; the fault fires twice (the URL as
    // given, then with its %2F decoded, contract B.9), so the
    // fresh URL of the next fetch works (no real-time sleep needed).
    sim = await startSimulator({ timeScale: 0.01, apiKey: KEY, mediaTtlMs: 1, faults: 'expire-media@max=2' });
    api.close();
    api = new ApiClient({ baseUrl: sim.url, apiKey: KEY });
    const { videoId } = await api.submit(REQUEST);
    const done = await untilDone(videoId);
    await new Promise((r) => setTimeout(r, 5)); // past the URL's 1 ms lifetime
    const dest = join(dir, 'expired.mp4');
    expect(await rejection(downloadVideo({ url: done.url!, dest }), DownloadError)).toMatchObject({ kind: 'expired', httpStatus: 403 });
    const fresh = await api.fetchVideo(videoId);
    expect(fresh.url).not.toBe(done.url);
    const saved = await downloadVideo({ url: fresh.url!, dest });
    expect(saved.bytes).toBeGreaterThan(1000);
  });
});
