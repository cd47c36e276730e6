import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { VideoStatus } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { DownloadError } from '../download/download-error.js';
import { discardPart, type DownloadMemo } from '../download/part.js';
import { downloadVideo } from '../download/download-video.js';
import { crashPoint } from '../util/crash-point.js';
import { maxVideoBytes } from './media-size-cap.js';
import { outputPathOf } from './saved-files.js';
import { fetchThroughOutages } from './poll-job.js';
import type { RunContext, WorkItem } from './run-context.js';
import { jitter, sleep } from './sleep.js';
import { isStop } from './submit-job.js';

/**
 * Saves a finished video: streamed, checked and renamed into place by downloadVideo, then `succeeded` with its
 * size and sha256. An expired URL is fetched again for a fresh one. When it cannot be saved the job stays
 * `submitted` with the error: it was paid for, so the next run fetches and downloads it again, never resubmits.
 */
export async function downloadJob(ctx: RunContext, item: WorkItem, done: VideoStatus): Promise<void> {
  const { store, outDir } = item.target;
  const job = store.job(item.id)!;
  let url = done.url!;
  // What the service says about the finished video goes into the same event as the download's outcome.
  const video = { seed: done.seed, width: done.width, height: done.height, has_audio: done.hasAudio };
  const refuse = async (message: string): Promise<void> => {
    await store.update(item.id, { ...video, error: { code: 'UNSAFE_PATH', message } });
    ctx.logger.error({ job: item.id, file: job.file }, 'destination leads outside the output folder; not downloaded');
  };
  // The name comes from the ledger, which may have been edited: checked before any folder is made for it.
  const dest = outputPathOf(outDir, job.file);
  if (dest === undefined) {
    // The job is `submitted` now, so the next run takes its file name from the manifest again.
    return refuse(`${job.file} is outside the output folder (an edited ledger?); not written. Rerun to save it under the manifest's name.`);
  }
  const tries = item.settings.retries + 1;
  const maxBytes = maxVideoBytes(job.request);
  // The file's size and ETag as first seen: every try resumes the same `.part` only while the file is the same.
  const memo: DownloadMemo = {};
  try {
    if (!(await staysInside(outDir, dest))) {
      return await refuse(`the folder of ${job.file} leads outside the output folder (a symbolic link); not written. Remove the link and rerun.`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const saved = await downloadVideo({ url, dest, maxBytes, signal: ctx.control.work.signal, timeoutMs: ctx.callTimeoutMs, logger: ctx.logger, onProgress: onDownloadProgress, memo });
        await store.update(item.id, { ...video, status: 'succeeded', bytes: saved.bytes, sha256: saved.sha256, finished_at: new Date().toISOString(), error: null });
        ctx.logger.info({ job: item.id, file: job.file, bytes: saved.bytes }, 'saved');
        ctx.onSaved?.(outDir, item.id);
        return;
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        const again = attempt < tries && (error.kind === 'expired' || error.retryable);
        if (!again) {
          // Given up in this run: the job stays `submitted` and its next run downloads it from the start.
          await discardPart(dest);
          await store.update(item.id, { ...video, error: { code: error.code, message: `${error.message}; rerun to download it again (it is paid for)` } });
          ctx.logger.error({ job: item.id, code: error.code }, 'download failed; left submitted for the next run');
          return;
        }
        ctx.logger.info({ job: item.id, code: error.code, attempt }, 'download failed; trying again');
        if (error.kind === 'expired') {
          const status = await fetchThroughOutages(ctx, item, job.video_id!);
          if (status === null) throw new DownloadError({ kind: 'http', message: `the service stayed unreachable past outage_wait while video ${job.video_id} needed a fresh URL` });
          if (!status.ready || !status.url) throw new DownloadError({ kind: 'http', message: `video ${job.video_id} is no longer available (status ${status.status})` });
          url = status.url;
        } else {
          await sleep(Math.min(30_000, 1_000 * 2 ** (attempt - 1)) * ctx.timeScale * jitter(), ctx.control.work.signal);
        }
      }
    }
  } catch (error) {
    if (isStop(error)) return;
    if (error instanceof ApiError || error instanceof DownloadError) {
      await discardPart(dest);
      await store.update(item.id, { ...video, error: { code: error.code, message: `${error.message}; rerun to download it again (it is paid for)` } });
      if (error instanceof ApiError && error.kind === 'account-refused') ctx.control.stopAll('account-refused');
      return;
    }
    throw error;
  }
}

/** A test-only crash point while part of a video is in its `.part` file. */
function onDownloadProgress(): void {
  crashPoint('download');
}

/**
 * The file names are checked lexically when the manifest is loaded, and again by outputPathOf; a symbolic link
 * inside the output folder could still lead elsewhere. The destination's real folder must be inside the output
 * folder's real path (the output folder itself may be a link: people put output on another disk that way).
 */
async function staysInside(outDir: string, dest: string): Promise<boolean> {
  const folder = dirname(dest);
  // Directly in the output folder (the usual case): nothing in between can be a link.
  if (resolve(folder) === resolve(outDir)) return true;
  await mkdir(folder, { recursive: true });
  const [root, real] = await Promise.all([realpath(outDir), realpath(folder)]);
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
