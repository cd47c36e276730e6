import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { ApiClient } from '../../src/api/api-client.js';
import { describeWith, FFMPEG } from '../helpers/requirements.js';
import { pngBytes } from '../helpers/images.js';
import { it } from '../helpers/temp-dir.js';
import { rawRequest, useSimulators } from './sim-helpers.js';

const exec = promisify(execFile);
const start = useSimulators();

/** One pixel of a video's first frame, as [r, g, b]. */
async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { stdout } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-vf', `crop=2:2:${x}:${y},format=rgb24`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer' });
  return [...(stdout as unknown as Buffer).subarray(0, 3)];
}

describeWith([FFMPEG], 'a rehearsal take of an image job (ffmpeg)', () => {
  it('shows the uploaded image under the text; a text take of the same settings does not', async ({ tmp }) => {
    const s = await start({ timeScale: 0.001, takes: true, takesCacheDir: join(tmp, 'cache') });
    const api = new ApiClient({ baseUrl: s.url, apiKey: 'sk-anything-123456' });
    try {
      const up = await api.upload('pixverse-picture', { bytes: pngBytes(160, 90, 250) });
      const shots: string[] = [];
      for (const body of [{ img_id: Number(up.imgId) }, { aspect_ratio: '16:9' as const }]) {
        const { videoId } = await api.submit({ model: 'PixVerse-C1', input: 'x', quality: '360p', duration: 1, seed: 3, ...body });
        let url: string | null = null;
        while (url === null) {
          const v = await api.fetchVideo(videoId);
          if (v.status === 1) url = v.url;
          else await new Promise((r) => setTimeout(r, 20));
        }
        const got = await rawRequest(url);
        if (!got.ok) throw new Error(got.error);
        const file = join(tmp, `${shots.length}.mp4`);
        await writeFile(file, got.res.body);
        shots.push(file);
      }
      // Right of the text, middle height: near white from the image; the take's darker colour without it.
      const [withImage, without] = [await pixel(shots[0]!, 576, 180), await pixel(shots[1]!, 576, 180)];
      expect(Math.min(...withImage)).toBeGreaterThan(220);
      expect(Math.max(...without)).toBeLessThan(220);
    } finally {
      api.close();
    }
  });
});
