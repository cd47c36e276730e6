import { JOB_STATUSES, type Ledger, type LedgerJob } from './ledger-types.js';
import { axisKey, axisNames, axisValues, NO_VALUE } from './report-layout.js';
import type { Picks } from './picks.js';
import { relativeFileUrl } from '../util/escape-html.js';

/** The pseudo-axis every take has: which manifest it came from (the default grouping of a multi-manifest report). */
export const MANIFEST_AXIS = 'manifest';

/** Per-take fields, in the order of each row of `takes` (positional arrays keep 10,000 takes small; `reportData` writes them in this order). */
export const TAKE_FIELDS = [
  'id', 'status', 'axes', 'req', 'seed_requested', 'seed', 'credits', 'estimated_credits', 'credits_refunded', 'file', 'src', 'poster',
  'video_id', 'width', 'height', 'bytes', 'has_audio', 'error', 'promoted_from', 'submitted_at', 'finished_at', 'attempts', 'request_seed',
] as const;

export interface ReportDataOptions {
  /** Ids of succeeded jobs whose file is not in the output folder. */
  readonly missingFiles?: ReadonlySet<string>;
  /** Job id → poster URL relative to the folder. */
  readonly posters?: ReadonlyMap<string, string>;
  /** `false` when posters are missing because ffmpeg is not installed. */
  readonly ffmpeg?: boolean;
  /** Takes whose poster a run left for `paiwo-batch report` (it makes at most RUN_POSTER_LIMIT). */
  readonly postersDeferred?: number;
  readonly picks?: Picks | null;
  /** The page is served by `paiwo-batch review` (marks are saved to picks.json through it). */
  readonly review?: boolean;
  readonly generatedAt?: string;
}

/**
 * What the page's script renders from: the ledger's facts about each take, once, as compact JSON. Axis values
 * are indexes into `axes[i].values` (-1: the take has no value on that axis); request bodies minus the seed are
 * shared in `requests`, since a sweep repeats them across seeds.
 */
export function reportData(ledger: Ledger, options: ReportDataOptions = {}): unknown {
  const jobs = ledger.jobs;
  const manifests = manifestLabels(jobs);
  const axes = [
    { name: MANIFEST_AXIS, values: [...new Set(manifests.values())] },
    ...axisNames(jobs).filter((n) => n !== MANIFEST_AXIS).map((name) => ({ name, values: axisValues(jobs, name).filter((v) => v !== NO_VALUE) })),
  ];
  const valueIndex = axes.map((a) => new Map(a.values.map((v, i) => [v, i])));
  const requests: unknown[] = [];
  const requestIndex = new Map<string, number>();
  const missing = options.missingFiles ?? new Set<string>();
  const takes = jobs.map((job) => {
    const { seed, ...rest } = job.request ?? ({} as LedgerJob['request']);
    const key = JSON.stringify(rest);
    let req = requestIndex.get(key);
    if (req === undefined) {
      req = requests.length;
      requests.push(rest);
      requestIndex.set(key, req);
    }
    const coords = axes.map((a, i) => {
      const value = i === 0 ? manifests.get(job.manifest)! : axisKey(job, a.name);
      return valueIndex[i]!.get(value) ?? -1;
    });
    const src = job.status === 'succeeded' && !missing.has(job.id) ? relativeFileUrl(job.file) : null;
    const link = (job as LedgerJob & { promoted_from?: unknown }).promoted_from;
    // In TAKE_FIELDS order, built as the array itself: an object per take first cost ~30 MB more at 100,000.
    const row: unknown[] = [
      job.id,
      JOB_STATUSES.indexOf(job.status),
      coords,
      req,
      job.seed_requested,
      job.seed,
      job.credits,
      job.estimated_credits,
      job.credits_refunded,
      job.file,
      src,
      src ? (options.posters?.get(job.id) ?? null) : null,
      job.video_id,
      job.width,
      job.height,
      job.bytes,
      job.has_audio,
      job.error,
      typeof link === 'string' ? link : null,
      job.submitted_at,
      job.finished_at,
      job.attempts,
      seed ?? null,
    ];
    return row;
  });
  return {
    version: 2,
    generated_at: options.generatedAt ?? null,
    review: options.review === true,
    ffmpeg: options.ffmpeg !== false,
    posters_deferred: options.postersDeferred ?? 0,
    statuses: JOB_STATUSES,
    fields: TAKE_FIELDS,
    axes,
    requests,
    takes,
    picks: options.picks ?? null,
  };
}

/** A manifest's label on the grid: its name, or its path where two manifests share a name. */
function manifestLabels(jobs: readonly LedgerJob[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const job of jobs) if (!names.has(job.manifest)) names.set(job.manifest, job.manifest_name || job.manifest);
  const counts = new Map<string, number>();
  for (const name of names.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const [path, name] of names) if ((counts.get(name) ?? 0) > 1) names.set(path, `${name} (${path})`);
  return names;
}
