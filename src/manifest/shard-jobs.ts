import type { Shard } from '../cli/io.js';
import type { Job } from './types.js';

/** Which shard (1-based) a job id belongs to: its first 8 hex digits mod the count, so it never moves. */
export function shardOf(id: string, count: number): number {
  return (Number.parseInt(id.slice(0, 8), 16) % count) + 1;
}

/**
 * The k-th of n stable partitions of the jobs, by id: every job is in exactly one shard, and a job stays in its
 * shard when the manifest grows, so machines can split a batch without coordinating.
 */
export function shardJobs<T extends Pick<Job, 'id'>>(jobs: readonly T[], shard: Shard | undefined): T[] {
  if (!shard || shard.count === 1) return [...jobs];
  return jobs.filter((j) => shardOf(j.id, shard.count) === shard.index);
}
