import { formatPath, type Problem } from './problem.js';
import type { PathSegment } from './yaml-source.js';

/** Rule checks repeat for thousands of jobs; this collects each distinct problem once, with its job count. */
export class ProblemTally {
  private readonly entries = new Map<string, { problem: Problem; count: number; note: string }>();
  add(severity: Problem['severity'], path: readonly PathSegment[], message: string, note = '', dependsOn?: readonly string[], unset?: string): void {
    const key = `${severity}\u0000${formatPath(path)}\u0000${message}\u0000${note}`;
    const entry = this.entries.get(key);
    if (entry) entry.count++;
    else this.entries.set(key, { problem: { severity, path, message, ...(dependsOn && { dependsOn }), ...(unset !== undefined && { unset }) }, count: 1, note });
  }
  problems(): Problem[] {
    return [...this.entries.values()].map(({ problem, count, note }) => ({
      ...problem,
      message: `${problem.message}${note} (${count} job${count === 1 ? '' : 's'})`,
    }));
  }
}

