import type { FileNamer } from './file-namer.js';
import type { JobCursor } from './job-cursor.js';
import { jobId } from './job-id.js';
import type { ProblemList } from './problem-list.js';
import type { ProblemTally } from './problem-tally.js';
import type { PricedRequest } from './request-builder.js';
import { fileCollisionKey } from './safe-file-name.js';
import type { AxisValue, Job } from './types.js';
import type { PathSegment } from './yaml-source.js';

export interface JobCollectorSettings {
  /** The manifest path as the user named it. */
  readonly manifest: string;
  readonly manifestName: string;
  /** Copies of each request. */
  readonly repeat: number;
  /** Where problems with file names point. */
  readonly filePath: readonly PathSegment[];
  readonly patternGiven: boolean;
}

/**
 * Seeds/repeats → jobs: each request's repeat copies with an id and a file name each. A copy whose id is
 * already listed runs once; two jobs never write one file. Both are counted and reported once at the end.
 */
export class JobCollector {
  readonly jobs: Job[] = [];
  private readonly seen = new Map<string, Job>();
  private readonly files = new Map<string, Job>();
  private duplicates = 0;
  private firstDuplicate: Job | undefined;
  private collisions = 0;
  private firstCollision: [Job, Job] | undefined;

  constructor(
    private readonly cursor: JobCursor,
    private readonly namer: FileNamer,
    private readonly tally: ProblemTally,
    private readonly settings: JobCollectorSettings,
  ) {}

  addCopies({ request, credits, images }: PricedRequest, axes: Readonly<Record<string, AxisValue>>, from: string | undefined): void {
    const { cursor, settings } = this;
    for (let repeatIndex = 0; repeatIndex < settings.repeat; repeatIndex++) {
      cursor.repeatIndex = repeatIndex;
      const id = (cursor.id = jobId(request, repeatIndex, images));
      if (this.seen.has(id)) {
        this.duplicates++;
        this.firstDuplicate ??= this.seen.get(id);
        continue;
      }
      const file = this.namer.render();
      if (typeof file !== 'string') {
        this.tally.add('error', settings.filePath, `{${file.missing}} has no value for these jobs`, '', [file.missing]);
        continue;
      }
      const job: Job = { id, manifest: settings.manifest, manifestName: settings.manifestName, request, repeatIndex, file, estimatedCredits: credits, axes, ...(images && { images }), ...(from !== undefined && { promotedFrom: from }) };
      this.seen.set(id, job);
      this.keep(job);
    }
  }

  /** Duplicates, collisions and the job-count limit, once every combination is in. */
  report(problems: ProblemList, maxJobs: number): void {
    const { duplicates, firstDuplicate, collisions, firstCollision } = this;
    if (duplicates > 0 && firstDuplicate) {
      problems.warn(['matrix'], `${duplicates} combination${duplicates === 1 ? ' repeats' : 's repeat'} a job already listed (e.g. ${firstDuplicate.file}); each job runs once`);
    }
    if (firstCollision) {
      const [a, b] = firstCollision;
      problems.error(
        this.settings.filePath,
        `${collisions} job${collisions === 1 ? '' : 's'} would write the same file as another job, e.g. jobs ${a.id} and ${b.id} both write ${JSON.stringify(a.file)}; add {id} or {seed} (or the differing variable) to ${this.settings.patternGiven ? 'the filename pattern' : 'a filename: pattern'}`,
        false,
        ['filename'],
      );
    }
    if (this.jobs.length > maxJobs) {
      problems.error(['max_jobs'], `this manifest plans ${this.jobs.length.toLocaleString('en-US')} jobs, more than max_jobs (${maxJobs}); raise max_jobs or pass --max-jobs if you mean it`);
    }
  }

  private keep(job: Job): void {
    const key = fileCollisionKey(job.file);
    const other = this.files.get(key);
    if (other) {
      this.collisions++;
      this.firstCollision ??= [other, job];
      return;
    }
    this.files.set(key, job);
    this.jobs.push(job);
  }
}
