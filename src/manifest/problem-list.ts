import type { Problem } from './problem.js';
import type { PathSegment } from './yaml-source.js';

/** `dependsOn` names (see Problem): problems that exist only because prompts are missing or unused. */
export const PROMPT_NAMES = ['prompt', 'text', 'negative_prompt'];
/** `dependsOn` names of the capability table's problems: a refused model is replaced by the default one, whose rules may differ. */
export const MODEL_NAMES_DEP = ['model'];
/** `dependsOn` name of a whole matrix axis or include/exclude list (parse-manifest.ts gives it that name). */
export const MATRIX_AXIS = 'matrix axis';

/** The problems one manifest's expansion finds, in the order found (the order they are reported in). */
export class ProblemList {
  readonly items: Problem[] = [];

  error(path: readonly PathSegment[], message: string, atKey = false, dependsOn?: readonly string[]): void {
    this.items.push({ severity: 'error', path, message, ...(atKey && { atKey }), ...(dependsOn && { dependsOn }) });
  }

  warn(path: readonly PathSegment[], message: string, dependsOn?: readonly string[]): void {
    this.items.push({ severity: 'warning', path, message, ...(dependsOn && { dependsOn }) });
  }

  add(problems: readonly Problem[]): void {
    this.items.push(...problems);
  }

  /** Whether an error was found (one `where` accepts, when given). */
  hasError(where?: (problem: Problem) => boolean): boolean {
    return this.items.some((p) => p.severity === 'error' && (where === undefined || where(p)));
  }
}
