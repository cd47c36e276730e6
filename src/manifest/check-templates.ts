import type { PromptEntry } from './collect-prompts.js';
import { closestMatch, didYouMean } from './did-you-mean.js';
import { REQUEST_FIELD_NAMES, type ManifestData } from './manifest-schema.js';
import { RESERVED_NAMES, type AxisInfo, type AxisPlan, type ManifestParts } from './plan-axes.js';
import { shorten } from './problem.js';
import { PROMPT_NAMES, type ProblemList } from './problem-list.js';
import { patternEscape } from './safe-file-name.js';
import { parseTemplate, VARIABLE_NAME, type Template } from './template.js';
import type { PathSegment } from './yaml-source.js';

/** Request fields a prompt template may use (not the prompts themselves: they are what is being rendered). */
const PROMPT_TEMPLATE_FIELDS = new Set<string>(['aspect_ratio', 'quality', 'duration', 'motion_mode', 'generate_audio_switch', 'seed', 'model']);
const FILE_TEMPLATE_NAMES = new Set<string>([...PROMPT_TEMPLATE_FIELDS, 'prompt', 'negative_prompt', 'repeat', 'id', 'name']);

/** A manifest's templates, each parsed once, and the names they use that no job can fill. */
export class TemplateBook {
  /** Names already reported as unknown: they render as empty text, so one mistake is reported once. */
  readonly unknownNames = new Set<string>();
  private readonly usedInPrompts = new Set<string>();
  private readonly templates = new Map<string, Template>();
  private readonly promptNames: ReadonlySet<string>;
  private readonly fileNames: ReadonlySet<string>;

  constructor(
    variableNames: ReadonlySet<string>,
    private readonly problems: ProblemList,
  ) {
    this.promptNames = new Set([...variableNames, ...PROMPT_TEMPLATE_FIELDS]);
    this.fileNames = new Set([...variableNames, ...FILE_TEMPLATE_NAMES]);
  }

  parse(source: string): Template {
    let t = this.templates.get(source);
    if (!t) this.templates.set(source, (t = parseTemplate(source)));
    return t;
  }

  /** Reports each `{name}` a prompt or negative prompt (`what`) uses that is not known. */
  checkPrompt(source: string, path: readonly PathSegment[], what: string): void {
    this.check(source, path, this.promptNames, what, true);
  }

  checkFilePattern(source: string, path: readonly PathSegment[]): void {
    this.check(source, path, this.fileNames, 'the file-name pattern', false);
  }

  usedInPrompt(name: string): boolean {
    return this.usedInPrompts.has(name);
  }

  private check(source: string, path: readonly PathSegment[], known: ReadonlySet<string>, what: string, inPrompt: boolean): void {
    for (const name of this.parse(source).variables) {
      if (inPrompt) this.usedInPrompts.add(name);
      if (known.has(name)) continue;
      this.unknownNames.add(name);
      this.problems.error(path, `unknown variable {${shorten(name, 40)}} in ${what}${didYouMean(name, known)}; write {{ and }} for literal braces`, false, [name]);
    }
  }
}

export interface CheckedTemplates {
  readonly book: TemplateBook;
  /** The file-name pattern: the manifest's `filename`, else one that names every axis. */
  readonly pattern: string;
  /** Where problems with file names point. */
  readonly filePath: readonly PathSegment[];
}

/** Every `{name}` must be known before anything is rendered; a variable no prompt uses is reported too. */
export function checkTemplates(data: ManifestData, parts: ManifestParts, prompts: readonly PromptEntry[], plan: AxisPlan, problems: ProblemList): CheckedTemplates {
  const variableNames = new Set([...plan.axes.filter((a) => a.kind === 'variable').map((a) => a.key), ...plan.includeVariables.keys()]);
  const book = new TemplateBook(variableNames, problems);
  checkPromptTemplates(book, prompts, parts);
  const pattern = data.filename ?? defaultFilePattern(plan.axes, data.repeat, setsAnywhere(parts));
  if (data.filename !== undefined) {
    const escape = patternEscape(data.filename);
    if (escape) problems.error(['filename'], escape);
    book.checkFilePattern(data.filename, ['filename']);
  }
  for (const name of variableNames) {
    if (book.usedInPrompt(name)) continue;
    const path = plan.axes.some((a) => a.key === name) ? ['matrix', name] : plan.includeVariables.get(name)!;
    const near = closestMatch(name, [...REQUEST_FIELD_NAMES, 'prompt']);
    if (near) problems.error(path, `"${name}" is not a request field (did you mean "${near}"?) and no prompt uses it as {${name}}`, true, PROMPT_NAMES);
    else problems.warn(path, `no prompt or negative prompt uses {${name}}, so jobs that differ only in it send the same request (they run once)`, PROMPT_NAMES);
  }
  return { book, pattern, filePath: data.filename !== undefined ? ['filename'] : [] };
}

function checkPromptTemplates(book: TemplateBook, prompts: readonly PromptEntry[], parts: ManifestParts): void {
  for (const p of prompts) {
    book.checkPrompt(p.text, p.path, 'the prompt');
    const neg = p.fields.get('negative_prompt');
    if (neg) book.checkPrompt(String(neg.value), neg.path, 'the negative prompt');
  }
  const { defaults, matrix, include } = parts;
  if (typeof defaults.negative_prompt === 'string') book.checkPrompt(defaults.negative_prompt, ['defaults', 'negative_prompt'], 'the negative prompt');
  ((matrix.negative_prompt ?? []) as string[]).forEach((s, i) => book.checkPrompt(s, ['matrix', 'negative_prompt', i], 'the negative prompt'));
  include.forEach((e, i) => {
    if (typeof e.negative_prompt === 'string') book.checkPrompt(e.negative_prompt, ['matrix', 'include', i, 'negative_prompt'], 'the negative prompt');
  });
}

/** The request fields some include entry, prompt object or the defaults set (they may differ between jobs). */
function setsAnywhere(parts: ManifestParts): ReadonlySet<string> {
  const keys = new Set<string>(Object.keys(parts.defaults));
  for (const e of parts.include) for (const k of Object.keys(e)) keys.add(k);
  for (const p of (parts.matrix.prompt ?? []) as unknown[]) if (p && typeof p === 'object') for (const k of Object.keys(p)) keys.add(k);
  return keys;
}

function defaultFilePattern(axes: readonly AxisInfo[], repeat: number, setElsewhere: ReadonlySet<string>): string {
  const fieldAxes = new Set(axes.filter((a) => a.kind === 'field').map((a) => a.key));
  const varies = (key: string): boolean => fieldAxes.has(key) || setElsewhere.has(key);
  const images = varies('image') || varies('first_frame') || varies('last_frame');
  return [
    '{prompt}',
    ...axes.filter((a) => a.kind === 'variable' && VARIABLE_NAME.test(a.key) && !RESERVED_NAMES.has(a.key)).map((a) => `_{${a.key}}`),
    // A family sweep names the model and the source image(s) of each take.
    varies('model') ? '_{model}' : '',
    images ? '_{image}' : '',
    // An image job has no aspect ratio (the frame follows the image): a manifest of image jobs only names none.
    images && !varies('aspect_ratio') ? '' : '_{aspect_ratio}',
    '_{quality}_{duration}s',
    fieldAxes.has('motion_mode') ? '_{motion_mode}' : '',
    fieldAxes.has('generate_audio_switch') ? '_{generate_audio_switch}' : '',
    '_seed{seed}',
    repeat > 1 ? '_r{repeat}' : '',
  ].join('');
}
