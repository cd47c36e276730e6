import type { Shard } from './types.js';
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

/**
 * A shard's share of a manifest's `max_credits`: in proportion to its jobs' estimated cost, rounded down, so the
 * shards' shares never add up to more than the budget, and each shard can finish its jobs when the whole
 * manifest fits (budget ≥ whole cost ⇒ share ≥ this shard's cost). A manifest with no priced job: an even split.
 */
export function shardBudget(maxCredits: number, shardCredits: number, wholeCredits: number, count = 1): number {
  if (wholeCredits <= 0) return Math.floor(maxCredits / Math.max(1, count));
  return Math.floor((maxCredits * Math.min(shardCredits, wholeCredits)) / wholeCredits);
}
