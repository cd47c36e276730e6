/**
 * The generations being polled right now, for the pace model's warm-up. The first completions of a run are its
 * fastest generations: a level learned from them alone would put every check of the first wave too early. Each
 * job still generating says its time is longer than its age so far; with both, the Kaplan–Meier estimate of the
 * median is unbiased.
 */
export interface Watched {
  /** Service ms since the job's submit, now. */
  readonly sinceSubmitMs: () => number;
  /** The table's expected time of the job. */
  readonly expectedMs: number;
  readonly priceClass: string;
}

export class RunningJobs {
  private readonly jobs = new Set<Watched>();

  get size(): number {
    return this.jobs.size;
  }

  /** Watches a job until the returned function is called (idempotent). */
  add(job: Watched): () => void {
    this.jobs.add(job);
    return () => void this.jobs.delete(job);
  }

  /** Each running job's age as a log ratio to its expected time, less its class's offset. */
  ages(offsetOf: (priceClass: string) => number): number[] {
    const out: number[] = [];
    for (const j of this.jobs) {
      const age = j.sinceSubmitMs();
      if (age > 0 && j.expectedMs > 0) out.push(Math.log(age / j.expectedMs) - offsetOf(j.priceClass));
    }
    return out;
  }
}

/**
 * The Kaplan–Meier median of `ended` (observed values) with `running` (values known only to be exceeded). When
 * more than half may still lie beyond everything seen, the largest value seen: the median is at least that.
 */
export function censoredMedian(ended: readonly number[], running: readonly number[]): number {
  const items = [...ended.map((v) => ({ v, event: true })), ...running.map((v) => ({ v, event: false }))];
  // Ties: an end counts before a job seen running at the same value (it was at risk there).
  items.sort((a, b) => a.v - b.v || (a.event === b.event ? 0 : a.event ? -1 : 1));
  let survival = 1;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!item.event) continue;
    survival *= 1 - 1 / (items.length - i);
    if (survival <= 0.5) return item.v;
  }
  return items.length ? items[items.length - 1]!.v : 0;
}
