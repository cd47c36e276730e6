import { linkSameFile } from '../download/link-same-file.js';
import type { LedgerJob } from '../ledger/types.js';
import { resolveOutputPath } from '../manifest/safe-file-name.js';
import type { PosterMaker } from './posters.js';

/** Where a rehearsal's simulator keeps a take it rendered and the poster it made with it. */
export interface TakeFiles {
  readonly video: string;
  readonly poster: string;
}

/**
 * A rehearsal's saved videos, made hard links to the simulator's takes (one copy on disk: download-side
 * `linkSameFile` checks the bytes are the ones saved), with their posters linked from the renderer's instead of
 * extracted. A take that cannot be linked keeps its downloaded copy and gets its poster extracted as usual.
 */
export class TakeLinks {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly posters: PosterMaker) {}

  add(outDir: string, job: LedgerJob, take: TakeFiles): void {
    const path = outputPathIn(outDir, job.file);
    const linked = path !== null && job.sha256 ? linkSameFile(take.video, path, job.sha256) : Promise.resolve(false);
    const done = linked.then((ok) => (ok ? this.posters.addMade(outDir, job, take.poster) : this.posters.add(outDir, job)));
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
  }

  /** Waits for the links being made (before the posters stop). */
  async settled(): Promise<void> {
    await Promise.all(this.#pending);
  }
}

function outputPathIn(outDir: string, file: string): string | null {
  try {
    return resolveOutputPath(outDir, file);
  } catch {
    return null;
  }
}
