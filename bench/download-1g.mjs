// Downloads one 1 GiB video from the simulator with downloadVideo and reports bytes, MB/s and peak RSS growth
// (goal: < 50 MB). The simulator runs as a child process, so the RSS measured here is the client's alone;
// `--in-process` runs it in this process instead (then the figure covers both). `--bytes N` changes the size.
// Run: npm run bench:download [-- --bytes 1073741824] [-- --in-process]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../dist/api/api-client.js';
import { downloadVideo } from '../dist/download/download-video.js';
import { readFlags } from './lib/bench-flags.mjs';
import { startSimulatorProcess } from './lib/cli-process.mjs';

const flags = readFlags({ bytes: { type: 'number' }, 'in-process': { type: 'boolean' } });
const SIZE = flags.bytes ?? 1024 ** 3;
const IN_PROCESS = flags['in-process'] === true;
const KEY = 'sk-bench-download';
const MB = 1024 * 1024;

async function startLocalSimulator() {
  const { startSimulator } = await import('../dist/simulator/start-simulator.js');
  const sim = await startSimulator({ timeScale: 0.01, largeMediaBytes: SIZE, apiKey: KEY });
  return { url: sim.url, stats: async () => sim.stats(), close: () => sim.close() };
}

const sim = IN_PROCESS ? await startLocalSimulator() : await startSimulatorProcess(['--time-scale', '0.01', '--large-media', String(SIZE), '--api-key', KEY], { echoStderr: true });
const dir = await mkdtemp(join(tmpdir(), 'paiwo-bench-download-'));
const api = new ApiClient({ baseUrl: sim.url, apiKey: KEY });
try {
  const { videoId } = await api.submit({ model: 'paiwo-v5.6-ttv', input: 'a long take of the sea', aspect_ratio: '16:9', quality: '1080p', duration: 8, generate_audio_switch: true });
  let status;
  for (;;) {
    status = await api.fetchVideo(videoId);
    if (status.status !== 5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (status.status !== 1) throw new Error(`video ended in status ${status.status}`);

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let atPeak = process.memoryUsage();
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peak) {
      peak = usage.rss;
      atPeak = usage;
    }
  };
  const timer = setInterval(sample, 50);
  let last = 0;
  const started = performance.now();
  const saved = await downloadVideo({
    url: status.url,
    dest: join(dir, 'large.mp4'),
    maxBytes: SIZE + MB,
    // The interval can be starved by a busy loop; sample on progress too (every ~16 MB).
    onProgress: (b) => {
      if (b - last >= 16 * MB) {
        last = b;
        sample();
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();

  const video = (await sim.stats()).videos.find((v) => v.id === videoId);
  const growth = (peak - baseline) / MB;
  console.log(`bytes            ${saved.bytes}${saved.bytes === SIZE ? '' : `  (expected ${SIZE})`}`);
  console.log(`time             ${seconds.toFixed(2)} s`);
  console.log(`throughput       ${(saved.bytes / MB / seconds).toFixed(1)} MB/s`);
  console.log(`rss baseline     ${(baseline / MB).toFixed(1)} MB`);
  console.log(`rss peak         ${(peak / MB).toFixed(1)} MB`);
  console.log(`rss growth       ${growth.toFixed(1)} MB  (goal < 50 MB${IN_PROCESS ? ', simulator in this process' : ', client process only'})`);
  console.log(`at peak          heap ${(atPeak.heapTotal / MB).toFixed(1)} MB, array buffers ${(atPeak.arrayBuffers / MB).toFixed(1)} MB`);
  console.log(`sha256           ${saved.sha256}  ${video?.sha256 === saved.sha256 ? '(matches the simulator)' : `(simulator: ${video?.sha256})`}`);
  process.exitCode = growth < 50 && saved.bytes === SIZE && video?.sha256 === saved.sha256 ? 0 : 1;
} finally {
  api.close();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
