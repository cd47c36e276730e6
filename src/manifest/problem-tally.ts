import { formatPath, type Problem } from './problem.js';
import type { PathSegment } from './yaml-source.js';

/** Rule checks repeat for thousands of jobs; this collects each distinct problem once, with its job count. */
export class ProblemTally {
  private readonly entries = new Map<string, { problem: Problem; count: number; note: string; counted: boolean }>();
  add(severity: Problem['severity'], path: readonly PathSegment[], message: string, note = '', dependsOn?: readonly string[], unset?: string): void {
    this.addEntry(severity, path, message, note, dependsOn, unset, true);
  }
  /** A problem with a value itself, whatever job it is in (no job count): said as the schema would say it. */
  addValue(path: readonly PathSegment[], message: string): void {
    this.addEntry('error', path, message, '', undefined, undefined, false);
  }
  private addEntry(severity: Problem['severity'], path: readonly PathSegment[], message: string, note: string, dependsOn: readonly string[] | undefined, unset: string | undefined, counted: boolean): void {
    const key = `${severity}\u0000${formatPath(path)}\u0000${message}\u0000${note}`;
    const entry = this.entries.get(key);
    if (entry) entry.count++;
    else this.entries.set(key, { problem: { severity, path, message, ...(dependsOn && { dependsOn }), ...(unset !== undefined && { unset }) }, count: 1, note, counted });
  }
  problems(): Problem[] {
    return [...this.entries.values()].map(({ problem, count, note, counted }) => ({
      ...problem,
      message: counted ? `${problem.message}${note} (${count} job${count === 1 ? '' : 's'})` : problem.message,
    }));
  }
}

