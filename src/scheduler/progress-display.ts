import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { etaMs, formatDuration, type ProgressCounts } from './progress-counts.js';

export interface ProgressDisplay {
  stop(): void;
}

/** Live bar on a terminal (cli-progress), redrawn a few times a second. */
export function startTtyProgress(stream: Writable, read: () => ProgressCounts): ProgressDisplay {
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: ' {bar} {value}/{total} done | {generating} generating | {downloading} downloading | {failed} failed | {held} held | {credits} credits | ETA {eta_text}',
      hideCursor: true,
      barsize: 24,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (c: ProgressCounts) => {
    const eta = etaMs(c, Date.now() - started);
    return { generating: c.generating, downloading: c.downloading, failed: c.failed, held: c.held, credits: c.creditsSpent, eta_text: eta === null ? '…' : formatDuration(eta) };
  };
  const first = read();
  bar.start(first.total, first.succeeded, payload(first));
  const timer = setInterval(() => {
    const c = read();
    bar.update(c.succeeded, payload(c));
  }, 200);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const c = read();
      bar.update(c.succeeded, payload(c));
      bar.stop();
    },
  };
}

/** In CI and pipes: a plain line every `everyMs` (and one at the end), nothing that needs a terminal. */
export function startLineProgress(stream: Writable, read: () => ProgressCounts, everyMs = 10_000): ProgressDisplay {
  const started = Date.now();
  const line = () => {
    const c = read();
    const eta = etaMs(c, Date.now() - started);
    stream.write(
      `progress: ${c.succeeded}/${c.total} done, ${c.generating} generating, ${c.downloading} downloading, ${c.failed} failed, ${c.held} held, ${c.creditsSpent} credits spent` +
        `${eta === null ? '' : `, ETA ${formatDuration(eta)}`} (${formatDuration(Date.now() - started)} elapsed)\n`,
    );
  };
  const timer = setInterval(line, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      line();
    },
  };
}
