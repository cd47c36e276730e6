import { OutputUnwritableError } from './paiwo-error.js';

/** A video the account paid for whose id could not be written to the output folder's ledger. */
export interface UnrecordedVideo {
  readonly outDir: string;
  readonly jobId: string;
  readonly videoId: string;
  /** The job's video file, relative to outDir. */
  readonly file: string;
}

/** The one line per paid video the user can act on (docs/run-and-money.md "When the disk fills"). */
export function unrecordedLine(v: UnrecordedVideo): string {
  return `PAID BUT NOT RECORDED: job ${v.jobId} video ${v.videoId} (${v.file}) — record it with: paiwo-batch adopt ${v.outDir} ${v.jobId} ${v.videoId}`;
}

/**
 * The journal could not take the answer to a paid submit, even after retries: the ids exist only in this
 * message. Exit 7 (the output folder cannot be written). The CLI prefixes the first line with `paiwo-batch: `;
 * the message prefixes the others, so every line on stderr reads alike.
 */
export class PaidNotRecordedError extends OutputUnwritableError {
  constructor(
    readonly videos: readonly UnrecordedVideo[],
    readonly reason: unknown,
  ) {
    const cause = (reason as NodeJS.ErrnoException | null)?.code ?? (reason as Error | null)?.message ?? String(reason);
    const lines = [...videos.map(unrecordedLine), `the ledger in ${[...new Set(videos.map((v) => v.outDir))].join(', ')} cannot be written (${cause}); no further submit was sent`];
    super('PAID_NOT_RECORDED', lines.join('\npaiwo-batch: '), { cause: reason });
  }
}
