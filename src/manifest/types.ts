import type { Diagnostic } from '../errors/diagnostic.js';
import type { ImageField, SubmitRequest } from '../model/capabilities.js';

/** A value of one matrix axis as it produced a job (prompt axes are reported by prompt id). */
export type AxisValue = string | number | boolean;

/**
 * One unit of paid work: the exact body that will be sent, plus a stable identity.
 * `id` = short hash of the canonical request body and the repeat index, so the same job in two manifests
 * (or listed twice) is one job, and an edited manifest only changes the ids of the jobs that changed.
 */
export interface Job {
  readonly id: string;
  /** Path of the manifest that produced it, as the user named it (relative to the cwd when inside it). */
  readonly manifest: string;
  /** The manifest's `name` (or file base name): names the default output folder. */
  readonly manifestName: string;
  /** Exactly what the submit sends (an image job's img_id fields are added from its uploads just before). */
  readonly request: SubmitRequest;
  /** The source images of an image or first/last-frame job; their bytes are part of the id. */
  readonly images?: JobImages;
  /** 0-based copy index when `repeat` > 1. */
  readonly repeatIndex: number;
  /** Output file path relative to the output folder; made safe, never escapes it. */
  readonly file: string;
  /** From the versioned price table (model/prices.ts). */
  readonly estimatedCredits: number;
  /** The matrix coordinates that produced the job, in axis order (prompt as its id): the report's grid. */
  readonly axes: Readonly<Record<string, AxisValue>>;
  /** The job this one re-renders (an include entry's `from:`, written by `promote`); not part of the request. */
  readonly promotedFrom?: string;
}

/** Client-side delays are in seconds in the manifest and in milliseconds in code. */
export interface PollSettings {
  /** First check after this long; `undefined` = the model's expected generation time for the job. */
  readonly initialDelayMs?: number;
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
}

/** A manifest's resolved `run:` block (flags override it in the run command). */
export interface RunSettings {
  /** Generations in flight at once. */
  readonly concurrency: number;
  /** All API calls together; `undefined` = no client-side limit. */
  readonly requestsPerSecond?: number;
  /** Budget in credits; `undefined` = no budget. */
  readonly maxCredits?: number;
  readonly poll: PollSettings;
  readonly jobTimeoutMs: number;
  /** Retries of a transient failure per call. */
  readonly retries: number;
  /** Output folder; `undefined` = `output/<manifest name>/`. */
  readonly out?: string;
  /** Longest wait for an unreachable service, ms (`run.outage_wait`). @default 30 min */
  readonly outageWaitMs?: number;
  /** `run.failure_breaker`; null = off. @default on, 10 finished, 80 % of the last 20 */
  readonly failureBreaker?: { readonly minFinished: number; readonly window: number; readonly rate: number } | null;
}

// A manifest problem is shared with errors/ (ManifestError carries them), so its type lives there, the lower layer.
export type { Diagnostic } from '../errors/diagnostic.js';

/** One manifest after loading, validation and expansion. */
export interface LoadedManifest {
  readonly path: string;
  readonly name: string;
  readonly jobs: readonly Job[];
  readonly run: RunSettings;
  readonly maxJobs: number;
  /** With `--shard`: the estimated credits of all the manifest's jobs, every shard's (`jobs` holds this shard's). */
  readonly unshardedCredits?: number;
}

/** What the loader hands on: every manifest, and every problem of every file. */
export interface ManifestSet {
  readonly manifests: readonly LoadedManifest[];
  /** All jobs, deduplicated by id across manifests (first occurrence wins). */
  readonly jobs: readonly Job[];
  readonly diagnostics: readonly Diagnostic[];
}

/** `--shard k/n`: this machine's stable part of the jobs (by id). */
export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** One source image of a job, as validated before anything is sent (manifest/image-files.ts). */
export interface ImageRef {
  /** As the manifest names it: a path relative to the manifest (a glob's match, relative too) or an https:// URL. */
  readonly source: string;
  /** The local file's absolute path (none for a URL). */
  readonly file?: string;
  /** sha256 of the file's bytes: what the job's id and the upload cache are keyed by (a URL: none). */
  readonly sha256?: string;
  readonly bytes?: number;
  readonly format?: 'png' | 'jpeg' | 'webp';
  readonly width?: number;
  readonly height?: number;
}

/** A job's source images by manifest key: `image`, or `first_frame` + `last_frame`. */
export type JobImages = Readonly<Partial<Record<ImageField, ImageRef>>>;
