/**
 * How long generations take together: `slots` generations at once (a run's concurrency), fed in order, each to
 * the first slot that frees (what the scheduler's slot queue does). The wall time until the last one ends, in
 * the unit of the durations. The service's queueing, polling and downloads are not in it: an estimate from the
 * generation-time table (`expectedGenerationMs`), not a promise.
 */
export function makespan(durations: Iterable<number>, slots: number): number {
  const free: number[] = []; // a min-heap of the times the slots free up
  let end = 0;
  for (const duration of durations) {
    const start = free.length < slots ? 0 : popMin(free);
    const done = start + duration;
    push(free, done);
    if (done > end) end = done;
  }
  return end;
}

function push(heap: number[], value: number): void {
  heap.push(value);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= value) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = value;
}

function popMin(heap: number[]): number {
  const min = heap[0]!;
  const last = heap.pop()!;
  if (heap.length === 0) return min;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const child = left + 1 < heap.length && heap[left + 1]! < heap[left]! ? left + 1 : left;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return min;
}
