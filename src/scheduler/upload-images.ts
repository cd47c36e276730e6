import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApiError } from '../api/api-error.js';
import { IMAGE_FIELDS, IMAGE_WIRE_FIELDS, uploadFamilyOf, type ImageField, type SubmitRequest, type UploadFamily } from '../model/capabilities.js';
import type { LedgerStore } from '../ledger/store.js';
import type { LedgerJob, UploadRecord } from '../ledger/schema.js';
import { answeredByContract, guardedFreeCall, OutagePaused, RESUMES_AFTER_OUTAGE } from './outage-guard.js';
import { retryCall } from './retry-call.js';
import type { RunContext, WorkItem } from './run-context.js';

type ImageRef = NonNullable<NonNullable<LedgerJob['images']>[ImageField]>;

/** What one run knows of uploads: ids by `<family>|<key>`, the uploads in flight, the images that failed. */
interface RunUploads {
  readonly known: Map<string, string>;
  readonly inFlight: Map<string, Promise<string>>;
  readonly failed: Map<string, ApiError>;
  readonly seeded: WeakSet<LedgerStore>;
  /** Times an image's upload ran out of retries on gateway-shaped failures and waited for the service instead. */
  readonly resumes: Map<string, number>;
}

// Kept beside the run's context rather than in it: the scheduler's shared types stay as they are.
const runs = new WeakMap<RunContext, RunUploads>();

function uploadsOf(ctx: RunContext): RunUploads {
  let u = runs.get(ctx);
  if (!u) runs.set(ctx, (u = { known: new Map(), inFlight: new Map(), failed: new Map(), seeded: new WeakSet(), resumes: new Map() }));
  return u;
}

/** What an upload is keyed by: the bytes' sha256 (the same bytes under two paths are one upload), or the URL. */
function keyOf(ref: ImageRef): string {
  return ref.sha256 !== undefined ? `sha256:${ref.sha256}` : `url:${ref.source}`;
}

/** Every upload an output folder's ledger recorded, once per run and folder: later runs reuse them. */
function seed(u: RunUploads, store: LedgerStore): void {
  if (u.seeded.has(store)) return;
  u.seeded.add(store);
  for (const rec of store.jobs) {
    for (const field of IMAGE_FIELDS) {
      const up = rec.uploads?.[field];
      if (up && !u.known.has(`${up.family}|${up.key}`)) u.known.set(`${up.family}|${up.key}`, up.img_id);
    }
  }
}

function uploadError(message: string, code: string): ApiError {
  return new ApiError({ kind: 'invalid-request', operation: 'upload', code, message: `upload: ${message}`, stopsRun: false });
}

/** The bytes of a planned image, refused when they are no longer what the job's id was made from. */
async function bytesOf(ref: ImageRef): Promise<Buffer> {
  const bytes = await readFile(ref.file!).catch((error: NodeJS.ErrnoException) => {
    throw uploadError(`cannot read ${ref.source}: ${error.code ?? error.message}`, 'IMAGE_UNREADABLE');
  });
  if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256) {
    throw uploadError(`${ref.source} changed since it was planned; run again to plan it anew`, 'IMAGE_CHANGED');
  }
  return bytes;
}

/**
 * One upload (free, so retried like a fetch), inside the request-rate window like every call. The outage guard
 * hears how each try went, like a fetch's: while the service looks down nothing is sent, and an upload whose
 * retries ran out on gateway-shaped failures (5xx, resets, timeouts) has the gateway probed and throws
 * OutagePaused, so its job waits for the service with the other submits (still `pending`) instead of failing.
 */
async function upload(ctx: RunContext, item: WorkItem, family: UploadFamily, ref: ImageRef, resumes: Map<string, number>, cacheKey: string): Promise<string> {
  const source = ref.sha256 !== undefined ? { bytes: await bytesOf(ref) } : { url: ref.source };
  const once = () => guardedFreeCall(ctx.outage, () => ctx.client.upload(family, source, ctx.control.work.signal));
  let answer;
  try {
    answer = await retryCall(() => ctx.rate.schedule(once), {
      retries: item.settings.retries,
      timeScale: ctx.timeScale,
      signal: ctx.control.work.signal,
      maxThrottledMs: item.settings.jobTimeoutMs,
    });
  } catch (error) {
    const seen = resumes.get(cacheKey) ?? 0;
    if (error instanceof ApiError && error.retryable && !answeredByContract(error) && !ctx.outage.gaveUp && seen < RESUMES_AFTER_OUTAGE) {
      resumes.set(cacheKey, seen + 1);
      ctx.outage.suspect(`upload: ${error.code}`);
      throw new OutagePaused();
    }
    throw error;
  }
  ctx.logger.info({ job: item.id, family, image: ref.source, imgId: answer.imgId }, 'image uploaded');
  return answer.imgId;
}

/**
 * The submit body of a job: its request, plus for an image job the upload id of each image. An image is uploaded
 * once per upload family and bytes — this run's earlier uploads and those the ledger recorded are reused —
 * and each job records the ids it is submitted with. `fresh`: the service refused the ids (unknown, expired,
 * 400032 / 500008 / 701009): upload them again. A failed upload throws its ApiError, for this job and every
 * other job of the run that needs that image; nothing was charged.
 */
export async function submitBodyOf(ctx: RunContext, item: WorkItem, fresh = false): Promise<SubmitRequest> {
  const { store } = item.target;
  const rec = store.job(item.id)!;
  if (!rec.images) return rec.request;
  const family = uploadFamilyOf(rec.request.model);
  if (family === undefined) throw uploadError(`${rec.request.model} takes no image`, 'NO_UPLOAD_FAMILY');
  const u = uploadsOf(ctx);
  seed(u, store);
  const body: SubmitRequest = { ...rec.request };
  const records: Partial<Record<ImageField, UploadRecord>> = { ...rec.uploads };
  for (const field of IMAGE_FIELDS) {
    const ref = rec.images[field];
    if (!ref) continue;
    const cacheKey = `${family}|${keyOf(ref)}`;
    const failed = u.failed.get(cacheKey);
    if (failed) throw failed;
    if (fresh && u.known.get(cacheKey) === rec.uploads?.[field]?.img_id) u.known.delete(cacheKey);
    let id = u.known.get(cacheKey);
    if (id === undefined) {
      let pending = u.inFlight.get(cacheKey);
      if (!pending) {
        pending = upload(ctx, item, family, ref, u.resumes, cacheKey).finally(() => u.inFlight.delete(cacheKey));
        u.inFlight.set(cacheKey, pending);
      }
      try {
        id = await pending;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // Its own retries are spent: the submit's retry loop must not send it again; the jobs needing it fail.
        const final = error.retryable ? new ApiError({ kind: 'invalid-request', operation: 'upload', code: error.code, message: `${error.message} (gave up after retries)`, stopsRun: false }) : error;
        u.failed.set(cacheKey, final);
        throw final;
      }
      u.known.set(cacheKey, id);
    }
    const n = Number(id);
    if (!Number.isSafeInteger(n)) throw uploadError(`img_id ${id} is too large to send exactly as a JSON number`, 'IMG_ID_UNSAFE');
    body[IMAGE_WIRE_FIELDS[field]] = n;
    if (records[field]?.img_id !== id) records[field] = { family, key: keyOf(ref), img_id: id, at: new Date().toISOString() };
  }
  if (JSON.stringify(records) !== JSON.stringify(rec.uploads ?? {})) await store.update(item.id, { uploads: records });
  return body;
}

/**
 * Sends a job with its submit body (see submitBodyOf). When the service refuses the body's image ids (unknown,
 * expired, the other family: refused, never charged) the images are uploaded again and the job is sent once more.
 */
export async function withSubmitBody(ctx: RunContext, item: WorkItem, send: (body: SubmitRequest) => Promise<void>): Promise<void> {
  for (let round = 0; ; round++) {
    const body = await submitBodyOf(ctx, item, round > 0);
    try {
      return await send(body);
    } catch (error) {
      const again = error instanceof ApiError && error.kind === 'image-expired' && round === 0 && item.target.store.job(item.id)?.images !== undefined;
      if (!again) throw error;
      ctx.logger.warn({ job: item.id, code: error.code }, 'the service refused the image ids (not charged): uploading again once');
    }
  }
}
