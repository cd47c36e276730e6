import { JOB_STATUSES, type Ledger, type LedgerJob } from '../ledger/types.js';
import { axisKey, axisNames, axisValues, NO_VALUE } from './layout.js';
import type { Picks } from './picks.js';
import { takeSources } from './sources.js';
import { jsonForScript, relativeFileUrl } from '../util/escape-html.js';
import { isRehearsal } from '../ledger/service-identity.js';

/** The pseudo-axis every take has: which manifest it came from (the default grouping of a multi-manifest report). */
export const MANIFEST_AXIS = 'manifest';

/** Per-take fields, in the order of each row of `takes` (positional arrays keep 10,000 takes small; `reportData` writes them in this order). */
export const TAKE_FIELDS = [
  'id', 'status', 'axes', 'req', 'seed_requested', 'seed', 'credits', 'estimated_credits', 'credits_refunded', 'file', 'src', 'poster',
  'video_id', 'width', 'height', 'bytes', 'has_audio', 'error', 'promoted_from', 'submitted_at', 'finished_at', 'attempts', 'request_seed', 'sources',
  'small_poster',
] as const;

export interface ReportDataOptions {
  /** Ids of succeeded jobs whose file is not in the output folder. */
  readonly missingFiles?: ReadonlySet<string>;
  /** Job id → poster URL relative to the folder. */
  readonly posters?: ReadonlyMap<string, string>;
  /** Job ids that also have a small poster (posters.ts `smallPosterPath`: the poster's URL with `.small.jpg`). */
  readonly smallPosters?: ReadonlySet<string>;
  /** `false` when posters are missing because ffmpeg is not installed. */
  readonly ffmpeg?: boolean;
  /** Takes whose poster a run left for `paiwo-batch report` (it makes at most RUN_POSTER_LIMIT). */
  readonly postersDeferred?: number;
  readonly picks?: Picks | null;
  /** The page is served by `paiwo-batch review` (marks are saved to picks.json through it). */
  readonly review?: boolean;
  readonly generatedAt?: string;
}

/** Takes per piece of `reportDataText`. */
const TAKES_PER_PIECE = 1000;

/**
 * The ledger's facts about each take as rows: axis values are indexes into `axes[i].values` (-1: the take has no
 * value on that axis); request bodies minus the seed are shared in `requests` (filled as rows are made), since a
 * sweep repeats them across seeds.
 */
class TakeRows {
  readonly axes: { readonly name: string; readonly values: string[] }[];
  readonly requests: unknown[] = [];
  private readonly manifests: Map<string, string>;
  private readonly valueIndex: Map<string, number>[];
  private readonly requestIndex = new Map<string, number>();
  private readonly missing: ReadonlySet<string>;
  /** A promoted job's manifest on the page: its source's (a promotion is not a manifest of its own there). */
  private readonly placedIn: Map<string, string>;

  constructor(
    jobs: readonly LedgerJob[],
    private readonly options: ReportDataOptions,
  ) {
    this.placedIn = sourceManifests(jobs);
    this.manifests = manifestLabels(jobs.filter((j) => !this.placedIn.has(j.id)));
    this.axes = [
      { name: MANIFEST_AXIS, values: [...new Set(this.manifests.values())] },
      ...axisNames(jobs).filter((n) => n !== MANIFEST_AXIS).map((name) => ({ name, values: axisValues(jobs, name).filter((v) => v !== NO_VALUE) })),
    ];
    this.valueIndex = this.axes.map((a) => new Map(a.values.map((v, i) => [v, i])));
    this.missing = options.missingFiles ?? new Set<string>();
  }

  /** One take, in TAKE_FIELDS order (an array, not an object: an object per take cost ~30 MB more at 100,000). */
  row(job: LedgerJob): unknown[] {
    const { seed, ...rest } = job.request ?? ({} as LedgerJob['request']);
    const key = JSON.stringify(rest);
    let req = this.requestIndex.get(key);
    if (req === undefined) {
      req = this.requests.length;
      this.requests.push(rest);
      this.requestIndex.set(key, req);
    }
    const coords = this.axes.map((a, i) => {
      const value = i === 0 ? this.manifests.get(this.placedIn.get(job.id) ?? job.manifest)! : axisKey(job, a.name);
      return this.valueIndex[i]!.get(value) ?? -1;
    });
    const src = job.status === 'succeeded' && !this.missing.has(job.id) ? relativeFileUrl(job.file) : null;
    const link = promotedFrom(job);
    return [
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
      src ? (this.options.posters?.get(job.id) ?? null) : null,
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
      takeSources(job),
      src && this.options.posters?.has(job.id) && this.options.smallPosters?.has(job.id) ? 1 : 0,
    ];
  }

  /** The page data's fields other than `takes`, `requests` and `picks`, in the order they are written. */
  head(ledger: Ledger): Record<string, unknown> {
    const o = this.options;
    return {
      version: 2,
      generated_at: o.generatedAt ?? null,
      simulated: isRehearsal(ledger.service),
      review: o.review === true,
      ffmpeg: o.ffmpeg !== false,
      posters_deferred: o.postersDeferred ?? 0,
      statuses: JOB_STATUSES,
      fields: TAKE_FIELDS,
      axes: this.axes,
    };
  }
}

/** What the page's script renders from: the ledger's facts about each take, once (see `TakeRows`). */
export function reportData(ledger: Ledger, options: ReportDataOptions = {}): unknown {
  const rows = new TakeRows(ledger.jobs, options);
  const takes = ledger.jobs.map((job) => rows.row(job));
  return { ...rows.head(ledger), takes, requests: rows.requests, picks: options.picks ?? null };
}

/**
 * `reportData` as compact JSON safe inside a `<script>` element, in pieces of TAKES_PER_PIECE takes: the page of
 * a 100,000-take run is ~30 MB, and holding it (and a buffer of it) whole made the report the run's peak memory.
 */
export function* reportDataText(ledger: Ledger, options: ReportDataOptions = {}): Generator<string> {
  const rows = new TakeRows(ledger.jobs, options);
  yield `${jsonForScript(rows.head(ledger)).slice(0, -1)},"takes":[`;
  const jobs = ledger.jobs;
  for (let i = 0; i < jobs.length; i += TAKES_PER_PIECE) {
    const piece = jsonForScript(jobs.slice(i, i + TAKES_PER_PIECE).map((job) => rows.row(job)));
    yield `${i > 0 ? ',' : ''}${piece.slice(1, -1)}`;
  }
  yield `],"requests":${jsonForScript(rows.requests)},"picks":${jsonForScript(options.picks ?? null)}}`;
}

function promotedFrom(job: LedgerJob): string | null {
  const link = (job as LedgerJob & { promoted_from?: unknown }).promoted_from;
  return typeof link === 'string' ? link : null;
}

/** Each promoted job whose source is in the ledger → the manifest of its first source (a promotion of a promotion too). */
function sourceManifests(jobs: readonly LedgerJob[]): Map<string, string> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const placed = new Map<string, string>();
  for (const job of jobs) {
    let source = job;
    for (let hops = 0; hops < 16; hops++) {
      const from = promotedFrom(source);
      const next = from === null ? undefined : byId.get(from);
      if (!next || next === job) break;
      source = next;
    }
    if (source !== job) placed.set(job.id, source.manifest);
  }
  return placed;
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
