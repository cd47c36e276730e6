import { didYouMean } from './did-you-mean.js';
import type { MatrixEntry } from './expand-matrix.js';
import { REQUEST_FIELD_NAMES, type PromptInput, type RequestFieldName } from './manifest-schema.js';
import { describeValue, formatPath, type Problem } from './problem.js';
import { promptSlug } from './prompt-id.js';
import type { PathSegment } from './yaml-source.js';

/** A value with where it was written: every problem about it points there. */
export interface Sourced {
  readonly value: string | number | boolean;
  readonly path: readonly PathSegment[];
}

export interface PromptEntry {
  readonly id: string;
  /** The template text, before {variables} are filled in. */
  readonly text: string;
  /** Where the text was written (the entry itself for a plain string, its `text` for a mapping). */
  readonly path: readonly PathSegment[];
  /** Request fields the prompt object sets for itself. */
  readonly fields: ReadonlyMap<RequestFieldName, Sourced>;
  /** Position in `prompts`, a cache key. */
  readonly index: number;
}

export interface CollectedPrompts {
  /** Every prompt entry made, for template checks. */
  readonly prompts: readonly PromptEntry[];
  /** The values of the prompt axis, duplicates dropped. */
  readonly axisPrompts: readonly PromptEntry[];
  readonly defaultsPrompt?: PromptEntry;
  /** Per include entry, the prompt it names or adds. */
  readonly includePrompts: readonly (PromptEntry | undefined)[];
  /** Whether an include/exclude `prompt:` value names this entry (by id or by text). */
  readonly promptMatches: (entry: PromptEntry, ref: unknown) => boolean;
  readonly problems: readonly Problem[];
}

/**
 * The prompts of a manifest: the prompt axis, `defaults.prompt` and those include entries add, each with its id
 * (explicit, or a slug of the text). Duplicate ids are errors, a prompt listed twice a warning; include and
 * exclude entries name prompts by id or text.
 */
export function collectPrompts(
  matrix: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
  include: readonly MatrixEntry[],
  exclude: readonly MatrixEntry[],
  formatAt: (path: readonly PathSegment[]) => string = formatPath,
): CollectedPrompts {
  const problems: Problem[] = [];
  const error = (path: readonly PathSegment[], message: string, dependsOn?: readonly string[]): void => {
    problems.push({ severity: 'error', path, message, ...(dependsOn && { dependsOn }) });
  };
  const warn = (path: readonly PathSegment[], message: string): void => {
    problems.push({ severity: 'warning', path, message });
  };
  const prompts: PromptEntry[] = [];
  const makePrompt = (value: PromptInput, path: readonly PathSegment[]): PromptEntry => {
    const fields = new Map<RequestFieldName, Sourced>();
    if (typeof value === 'string') {
      const entry = { id: promptSlug(value), text: value, path, fields, index: prompts.length };
      prompts.push(entry);
      return entry;
    }
    for (const f of REQUEST_FIELD_NAMES) {
      const v = value[f];
      if (v !== undefined) fields.set(f, { value: v, path: [...path, f] });
    }
    const entry = { id: value.id ?? promptSlug(value.text), text: value.text, path: [...path, 'text'], fields, index: prompts.length };
    prompts.push(entry);
    return entry;
  };
  const sameFields = (a: PromptEntry, b: PromptEntry): boolean =>
    a.text === b.text && a.fields.size === b.fields.size && [...a.fields].every(([k, v]) => b.fields.get(k)?.value === v.value);

  const axisPrompts: PromptEntry[] = [];
  const byId = new Map<string, PromptEntry>();
  ((matrix.prompt ?? []) as PromptInput[]).forEach((value, i) => {
    const entry = makePrompt(value, ['matrix', 'prompt', i]);
    const first = byId.get(entry.id);
    if (!first) {
      byId.set(entry.id, entry);
      axisPrompts.push(entry);
    } else if (sameFields(first, entry)) {
      warn(['matrix', 'prompt', i], `this prompt is listed twice (also at ${formatAt(first.path)}); its jobs run once`);
    } else {
      const explicit = typeof value !== 'string' && value.id !== undefined;
      error(
        explicit ? ['matrix', 'prompt', i, 'id'] : entry.path,
        explicit
          ? `duplicate prompt id "${entry.id}" (also at ${formatAt(first.path)})`
          : `this prompt gets the id "${entry.id}", like the one at ${formatAt(first.path)}; give one of them an explicit id`,
      );
    }
  });
  const defaultsPrompt = defaults.prompt !== undefined ? makePrompt(defaults.prompt as PromptInput, ['defaults', 'prompt']) : undefined;
  const findPrompt = (ref: string): PromptEntry | undefined =>
    axisPrompts.find((p) => p.id === ref) ?? axisPrompts.find((p) => p.text === ref) ?? (defaultsPrompt && (defaultsPrompt.id === ref || defaultsPrompt.text === ref) ? defaultsPrompt : undefined);
  const promptMatches = (entry: PromptEntry, ref: unknown): boolean => {
    if (typeof ref === 'string') return entry.id === ref || entry.text === ref;
    const obj = ref as { id?: string; text: string };
    return obj.id !== undefined ? entry.id === obj.id : entry.text === obj.text;
  };
  const includePrompts = include.map((entry, i): PromptEntry | undefined => {
    const ref = entry.prompt as PromptInput | undefined;
    if (ref === undefined) return undefined;
    if (typeof ref === 'string') return findPrompt(ref) ?? makePrompt(ref, ['matrix', 'include', i, 'prompt']);
    const known = ref.id !== undefined ? byId.get(ref.id) : axisPrompts.find((p) => p.text === ref.text);
    if (known && known.text !== ref.text) error(['matrix', 'include', i, 'prompt', 'id'], `prompt id "${ref.id}" already names another prompt (${formatAt(known.path)})`);
    return known ?? makePrompt(ref, ['matrix', 'include', i, 'prompt']);
  });
  exclude.forEach((entry, i) => {
    if (typeof entry.prompt === 'string' && !axisPrompts.some((p) => promptMatches(p, entry.prompt))) {
      error(['matrix', 'exclude', i, 'prompt'], `no prompt has the id or text ${describeValue(entry.prompt)}${didYouMean(entry.prompt, axisPrompts.map((p) => p.id))}`, ['prompt', 'text', 'id']);
    }
  });
  return { prompts, axisPrompts, ...(defaultsPrompt && { defaultsPrompt }), includePrompts, promptMatches, problems };
}
