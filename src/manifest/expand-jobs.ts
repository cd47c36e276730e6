import { checkRequest, SEED_MAX, type RuleViolation, type SubmitRequest } from '../model/capabilities.js';
import { estimateCredits } from '../model/prices.js';
import { closestMatch, didYouMean } from './did-you-mean.js';
import { expandMatrix, productSize, type Axis, type Combination, type MatrixEntry } from './expand-matrix.js';
import { jobId } from './job-id.js';
import { REQUEST_FIELD_NAMES, type ManifestData, type RequestFieldName } from './manifest-schema.js';
import { describeValue, formatPath, shorten, type Problem } from './problem.js';
import { collectPrompts, type PromptEntry, type Sourced } from './collect-prompts.js';
import { ProblemTally } from './problem-tally.js';
import { expandSeeds, seedCount, type SeedSpec } from './seeds.js';
import { fileCollisionKey, finishFilePath, patternEscape, safeLiteral, safeValue } from './safe-file-name.js';
import { parseTemplate, renderTemplate, VARIABLE_NAME, type Template } from './template.js';
import type { AxisValue, Job } from './types.js';
import type { PathSegment } from './yaml-source.js';

export interface ExpandContext {
  /** The manifest path as the user named it. */
  readonly file: string;
  /** The manifest's resolved name. */
  readonly name: string;
  /** The effective job limit (`--max-jobs`, else the manifest's `max_jobs`). */
  readonly maxJobs: number;
  /** How paths named inside messages are written, when `data` is not the file's own (parse-manifest.ts). */
  readonly formatPath?: (path: readonly PathSegment[]) => string;
}

type Scalar = string | number | boolean;

/** Names that are not matrix variables: the job's own values in templates. */
const RESERVED_NAMES = new Set(['prompt', 'input', 'model', 'id', 'repeat', 'name', 'include', 'exclude']);
/** Request fields a prompt template may use (not the prompts themselves: they are what is being rendered). */
const PROMPT_TEMPLATE_FIELDS = new Set<string>(['aspect_ratio', 'quality', 'duration', 'motion_mode', 'generate_audio_switch', 'seed', 'model']);
const FILE_TEMPLATE_NAMES = new Set<string>([...PROMPT_TEMPLATE_FIELDS, 'prompt', 'negative_prompt', 'repeat', 'id', 'name']);
const REQUIRED_FIELDS = ['aspect_ratio', 'quality', 'duration'] as const;
const MAX_GUARD_FACTOR = 10;
/** `dependsOn` names (see Problem): problems that exist only because prompts are missing or unused. */
const PROMPT_NAMES = ['prompt', 'text', 'negative_prompt'];
const MODEL_NAMES_DEP = ['model'];
/** `dependsOn` name of a whole matrix axis or include/exclude list (parse-manifest.ts gives it that name). */
export const MATRIX_AXIS = 'matrix axis';
const MIN_EXPANSION_CAP = 100_000;
/**
 * Whatever max_jobs says, no manifest expands past this many combinations: each is a paid video, and building
 * millions of jobs would take gigabytes before any other check could run (a raised max_jobs is not a reason).
 */
export const ABSOLUTE_EXPANSION_CAP = 1_000_000;

function textOf(field: string, value: Scalar, forFile: boolean): string {
  if (!forFile) return String(value);
  if (field === 'aspect_ratio') return String(value).replace(':', 'x');
  if (field === 'generate_audio_switch') return value === true ? 'audio' : 'silent';
  return String(value);
}

/**
 * Expands a schema-valid manifest into jobs: prompts and seeds, the matrix by GitHub Actions' rules, defaults,
 * templates, the capability table per job (each distinct problem reported once with how many jobs it affects),
 * prices, ids, safe file names, duplicates and collisions, and the job-count guard. Pure.
 */
export function expandJobs(data: ManifestData, ctx: ExpandContext): { jobs: Job[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const error = (path: readonly PathSegment[], message: string, atKey = false, dependsOn?: readonly string[]): void => {
    problems.push({ severity: 'error', path, message, ...(atKey && { atKey }), ...(dependsOn && { dependsOn }) });
  };
  const warn = (path: readonly PathSegment[], message: string, dependsOn?: readonly string[]): void => {
    problems.push({ severity: 'warning', path, message, ...(dependsOn && { dependsOn }) });
  };
  const matrix = (data.matrix ?? {}) as Record<string, unknown>;
  const defaults = (data.defaults ?? {}) as Record<string, unknown>;
  // `from` (promote's link to a source job) is metadata: not a request field, not a variable, never matched.
  const includeFrom = ((matrix.include ?? []) as MatrixEntry[]).map((e) => e.from as string | undefined);
  const include = ((matrix.include ?? []) as MatrixEntry[]).map(({ from: _from, ...rest }) => rest);
  const exclude = (matrix.exclude ?? []) as MatrixEntry[];

  // ---- prompts
  const formatAt = ctx.formatPath ?? formatPath;
  const { prompts, axisPrompts, defaultsPrompt, includePrompts, promptMatches, problems: promptProblems } = collectPrompts(matrix, defaults, include, exclude, formatAt);
  problems.push(...promptProblems);

  // ---- axes (sizes first: the guard must run before anything large is built)
  interface AxisInfo {
    readonly key: string;
    readonly kind: 'prompt' | 'field' | 'variable';
    readonly size: number;
    values: readonly unknown[];
    readonly valuePath: (i: number) => readonly PathSegment[];
  }
  const axes: AxisInfo[] = [];
  for (const [key, raw] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') continue;
    if (key === 'prompt') {
      axes.push({ key, kind: 'prompt', size: axisPrompts.length, values: axisPrompts, valuePath: (i) => axisPrompts[i]!.path });
    } else if (key === 'seed') {
      const spec = raw as SeedSpec;
      const list = Array.isArray(spec);
      if (!list && 'count' in spec && spec.from + spec.count - 1 > SEED_MAX) {
        error(['matrix', 'seed', 'count'], `seeds ${spec.from} … ${spec.from + spec.count - 1} go past ${SEED_MAX}`);
      }
      // Checked before anything is drawn: more distinct seeds than exist would never end (and fill memory first).
      if (!list && 'random' in spec && spec.random > SEED_MAX) {
        error(['matrix', 'seed', 'random'], `${spec.random.toLocaleString('en-US')} distinct random seeds cannot exist: seeds go from 1 to ${SEED_MAX.toLocaleString('en-US')}`);
        return { jobs: [], problems };
      }
      axes.push({ key, kind: 'field', size: seedCount(spec), values: list ? spec : [], valuePath: (i) => (list ? ['matrix', 'seed', i] : ['matrix', 'seed']) });
    } else if ((REQUEST_FIELD_NAMES as string[]).includes(key)) {
      const values = raw as Scalar[];
      axes.push({ key, kind: 'field', size: values.length, values, valuePath: (i) => ['matrix', key, i] });
    } else {
      if (RESERVED_NAMES.has(key)) error(['matrix', key], `"${key}" cannot be a matrix axis${key === 'input' ? ' (the prompt axis is called "prompt")' : key === 'model' ? ' (set model at the top level)' : ''}`, true);
      else if (!VARIABLE_NAME.test(key)) error(['matrix', key], `${describeValue(key)} is not a usable variable name (letters, digits and "_", not starting with a digit)`, true);
      const values = raw as Scalar[];
      axes.push({ key, kind: 'variable', size: values.length, values, valuePath: (i) => ['matrix', key, i] });
    }
  }
  const includeVariables = new Map<string, PathSegment[]>();
  include.forEach((entry, i) => {
    for (const key of Object.keys(entry)) {
      if (key === 'prompt' || (REQUEST_FIELD_NAMES as string[]).includes(key) || axes.some((a) => a.key === key)) continue;
      if (RESERVED_NAMES.has(key)) error(['matrix', 'include', i, key], `"${key}" cannot be set by include`, true);
      else if (!VARIABLE_NAME.test(key)) error(['matrix', 'include', i, key], `${describeValue(key)} is not a usable variable name`, true);
      if (!includeVariables.has(key)) includeVariables.set(key, ['matrix', 'include', i, key]);
    }
  });

  if (data.matrix !== undefined && axes.length === 0 && include.length === 0) {
    error(['matrix'], 'the matrix is empty: give at least one axis (e.g. prompt) or include entry', false, [MATRIX_AXIS]);
  }
  if (data.matrix === undefined && defaultsPrompt === undefined) {
    error([], 'nothing to run: give matrix.prompt (a list of prompts) or defaults.prompt', false, [...PROMPT_NAMES, MATRIX_AXIS]);
    return { jobs: [], problems };
  }
  const raw = productSize(axes.map((a) => ({ key: a.key, values: { length: a.size } as unknown[] })));
  const cap = Math.max(ctx.maxJobs * MAX_GUARD_FACTOR, MIN_EXPANSION_CAP);
  const sizeText = `${raw.toLocaleString('en-US')} combinations${data.repeat > 1 ? ` × repeat ${data.repeat}` : ''}`;
  if ((raw + include.length) * data.repeat > ABSOLUTE_EXPANSION_CAP && cap > ABSOLUTE_EXPANSION_CAP) {
    error(['matrix'], `the matrix has ${sizeText}, more than any manifest may plan (${ABSOLUTE_EXPANSION_CAP.toLocaleString('en-US')}, whatever max_jobs says); split it into several manifests`);
    return { jobs: [], problems };
  }
  if ((raw + include.length) * data.repeat > cap) {
    error(['matrix'], `the matrix has ${sizeText}, far more than max_jobs (${ctx.maxJobs}); raise max_jobs or --max-jobs if you really mean it`);
    return { jobs: [], problems };
  }
  for (const a of axes) if (a.key === 'seed' && a.values.length === 0 && a.size > 0) a.values = expandSeeds(matrix.seed as SeedSpec);

  // ---- templates: every {name} must be known before anything is rendered
  const variableNames = new Set([...axes.filter((a) => a.kind === 'variable').map((a) => a.key), ...includeVariables.keys()]);
  const promptNames = new Set([...variableNames, ...PROMPT_TEMPLATE_FIELDS]);
  const fileNames = new Set([...variableNames, ...FILE_TEMPLATE_NAMES]);
  const templates = new Map<string, Template>();
  const templateOf = (source: string): Template => {
    let t = templates.get(source);
    if (!t) templates.set(source, (t = parseTemplate(source)));
    return t;
  };
  const unknownNames = new Set<string>();
  const usedInPrompts = new Set<string>();
  const checkTemplate = (source: string, path: readonly PathSegment[], known: ReadonlySet<string>, what: string): void => {
    for (const name of templateOf(source).variables) {
      if (known === promptNames) usedInPrompts.add(name);
      if (known.has(name)) continue;
      unknownNames.add(name);
      error(path, `unknown variable {${shorten(name, 40)}} in ${what}${didYouMean(name, known)}; write {{ and }} for literal braces`, false, [name]);
    }
  };
  for (const p of prompts) {
    checkTemplate(p.text, p.path, promptNames, 'the prompt');
    const neg = p.fields.get('negative_prompt');
    if (neg) checkTemplate(String(neg.value), neg.path, promptNames, 'the negative prompt');
  }
  if (typeof defaults.negative_prompt === 'string') checkTemplate(defaults.negative_prompt, ['defaults', 'negative_prompt'], promptNames, 'the negative prompt');
  ((matrix.negative_prompt ?? []) as string[]).forEach((s, i) => checkTemplate(s, ['matrix', 'negative_prompt', i], promptNames, 'the negative prompt'));
  include.forEach((e, i) => {
    if (typeof e.negative_prompt === 'string') checkTemplate(e.negative_prompt, ['matrix', 'include', i, 'negative_prompt'], promptNames, 'the negative prompt');
  });

  const fieldAxes = new Set(axes.filter((a) => a.kind === 'field').map((a) => a.key));
  const defaultPattern = [
    '{prompt}',
    ...axes.filter((a) => a.kind === 'variable' && VARIABLE_NAME.test(a.key) && !RESERVED_NAMES.has(a.key)).map((a) => `_{${a.key}}`),
    '_{aspect_ratio}_{quality}_{duration}s',
    fieldAxes.has('motion_mode') ? '_{motion_mode}' : '',
    fieldAxes.has('generate_audio_switch') ? '_{generate_audio_switch}' : '',
    '_seed{seed}',
    data.repeat > 1 ? '_r{repeat}' : '',
  ].join('');
  const pattern = data.filename ?? defaultPattern;
  const filePath: PathSegment[] = data.filename !== undefined ? ['filename'] : [];
  if (data.filename !== undefined) {
    const escape = patternEscape(data.filename);
    if (escape) error(['filename'], escape);
    checkTemplate(data.filename, ['filename'], fileNames, 'the file-name pattern');
  }
  for (const name of variableNames) {
    if (usedInPrompts.has(name)) continue;
    const path = axes.some((a) => a.key === name) ? ['matrix', name] : includeVariables.get(name)!;
    const near = closestMatch(name, [...REQUEST_FIELD_NAMES, 'prompt']);
    if (near) error(path, `"${name}" is not a request field (did you mean "${near}"?) and no prompt uses it as {${name}}`, true, PROMPT_NAMES);
    else warn(path, `no prompt or negative prompt uses {${name}}, so jobs that differ only in it send the same request (they run once)`, PROMPT_NAMES);
  }
  if (problems.some((p) => p.severity === 'error' && p.path[0] === 'matrix' && p.path[1] === 'seed')) return { jobs: [], problems };

  // ---- the matrix
  const promptAxis = axes.findIndex((a) => a.kind === 'prompt');
  const axisOf = new Map(axes.map((a, i) => [a.key, i] as const));
  const matrixAxes: Axis[] = axes.map((a) => ({ key: a.key, values: a.values }));
  let combinations: Combination[];
  if (data.matrix === undefined) {
    combinations = [{}];
  } else {
    const expanded = expandMatrix({
      axes: matrixAxes,
      include,
      exclude,
      equals: (key, axisValue, entryValue) => (key === 'prompt' ? promptMatches(axisValue as PromptEntry, entryValue) : axisValue === entryValue),
    });
    problems.push(...expanded.problems);
    combinations = expanded.combinations;
    includeFrom.forEach((from, i) => {
      if (from !== undefined && !combinations.some((c) => c.entry === i)) {
        error(['matrix', 'include', i, 'from'], '`from` names the source of a job this entry adds on its own, but this entry extends combinations of the matrix', true);
      }
    });
    if (combinations.length === 0 && axes.length > 0 && !problems.some((p) => p.severity === 'error')) {
      error(['matrix', 'exclude'], 'every combination is excluded: nothing to run');
    }
  }

  // ---- one request per combination: hot with 100,000 jobs, so sources are shared objects built once and the
  // helpers read the current combination from variables instead of being made anew for each one.
  const tally = new ProblemTally();
  const model = data.model;
  const sourcedAxes = axes.map((a) =>
    a.values.map((v, i): Sourced => ({ value: a.kind === 'prompt' ? (v as PromptEntry).id : (v as Scalar), path: a.valuePath(i) })),
  );
  const sourcedInclude = include.map((entry, e) => new Map(Object.entries(entry).map(([k, v]) => [k, { value: v as Scalar, path: ['matrix', 'include', e, k] }])));
  const sourcedDefaults = new Map(
    REQUEST_FIELD_NAMES.filter((f) => defaults[f] !== undefined).map((f) => [f as string, { value: defaults[f] as Scalar, path: ['defaults', f] } as Sourced]),
  );
  const ruleCache = new Map<string, RuleViolation[]>();
  type Rendered = { readonly text: string; readonly violations: readonly RuleViolation[] } | { readonly missing: string };
  const renderCache = new Map<string, Rendered>();
  const templateIds = new Map<Template, number>();
  const valueCache = new Map<string, string>();
  const fileTemplate = templateOf(pattern);
  const jobs: Job[] = [];
  const seen = new Map<string, Job>();
  const files = new Map<string, Job>();
  let duplicates = 0;
  let firstDuplicate: Job | undefined;
  let collisions = 0;
  let firstCollision: [Job, Job] | undefined;

  // The combination being built.
  let idx: readonly number[] | undefined;
  let added: Record<string, number> | undefined;
  let prompt: PromptEntry = undefined as unknown as PromptEntry;
  let values: Partial<Record<RequestFieldName, Sourced>> = {};
  let negative: string | undefined;
  let repeatIndex = 0;
  let currentId = '';

  const field = (name: RequestFieldName): Sourced | undefined => {
    const a = axisOf.get(name);
    if (idx && a !== undefined) return sourcedAxes[a]![idx[a]!];
    const e = added?.[name];
    if (e !== undefined) return sourcedInclude[e]!.get(name);
    return prompt.fields.get(name) ?? sourcedDefaults.get(name);
  };
  const variable = (name: string): Scalar | undefined => {
    const a = axisOf.get(name);
    if (idx && a !== undefined) return sourcedAxes[a]![idx[a]!]!.value;
    const e = added?.[name];
    return e !== undefined ? sourcedInclude[e]!.get(name)!.value : undefined;
  };
  const promptLookup = (name: string): string | undefined => {
    if (unknownNames.has(name)) return '';
    const v = variable(name);
    if (v !== undefined) return String(v);
    if (name === 'model') return model;
    const s = values[name as RequestFieldName];
    return s ? textOf(name, s.value, false) : undefined;
  };
  const textRules = (which: 'input' | 'negative_prompt', text: string): RuleViolation[] => {
    const probe: SubmitRequest = { model, input: which === 'input' ? text : 'x', aspect_ratio: '16:9', quality: '540p', duration: 5 };
    if (which === 'negative_prompt') probe.negative_prompt = text;
    return checkRequest(probe).filter((r) => r.field === which);
  };
  /** A prompt or negative prompt of the current combination, with its length rules, or the missing name. */
  const render = (template: Template, which: 'input' | 'negative_prompt'): Rendered => {
    let t = templateIds.get(template);
    if (t === undefined) templateIds.set(template, (t = templateIds.size));
    let key = String(t);
    for (const name of template.variables) key += `\u0000${promptLookup(name) ?? '\u0001'}`;
    let out = renderCache.get(key);
    if (!out) {
      const text = renderTemplate(template, promptLookup);
      out = typeof text === 'string' ? { text, violations: textRules(which, text) } : text;
      renderCache.set(key, out);
    }
    return out;
  };
  /** How each `{name}` of the file pattern gets its raw text for the current job, decided once per name. */
  const rawGetter = (name: string): (() => string | undefined) => {
    if (unknownNames.has(name)) return () => '';
    if (name === 'prompt') return () => prompt.id;
    if (name === 'id') return () => currentId;
    if (name === 'repeat') return () => String(repeatIndex + 1);
    if (name === 'name') return () => ctx.name;
    if (name === 'model') return () => model;
    if (name === 'negative_prompt') return () => negative ?? 'none';
    if ((REQUEST_FIELD_NAMES as string[]).includes(name)) {
      const unset = name === 'seed' ? 'auto' : 'none';
      return () => {
        const s = values[name as RequestFieldName];
        return s ? textOf(name, s.value, true) : unset;
      };
    }
    // The default pattern names every variable axis; a combination an include added may lack one.
    const unset = data.filename === undefined ? 'none' : undefined;
    return () => {
      const v = variable(name);
      return v !== undefined ? String(v) : unset;
    };
  };
  const fileParts = fileTemplate.parts.map((part) =>
    'literal' in part ? { literal: safeLiteral(part.literal) } : { variable: part.variable, raw: rawGetter(part.variable) },
  );
  const renderFile = (): string | { missing: string } => {
    let rendered = '';
    for (const part of fileParts) {
      if (part.literal !== undefined) {
        rendered += part.literal;
        continue;
      }
      const raw = part.raw!();
      if (raw === undefined) return { missing: part.variable! };
      let safe = valueCache.get(raw);
      if (safe === undefined) valueCache.set(raw, (safe = safeValue(raw)));
      rendered += safe;
    }
    return finishFilePath(rendered);
  };

  // With errors already found, requests are still checked (every problem at once) but no job is built.
  const buildJobs = !problems.some((p) => p.severity === 'error');
  for (const combo of combinations) {
    idx = combo.indexes;
    added = combo.added;
    const found = idx && promptAxis >= 0 ? axisPrompts[idx[promptAxis]!] : added?.prompt !== undefined ? includePrompts[added.prompt] : defaultsPrompt;
    if (!found) {
      tally.add('error', combo.entry !== undefined ? ['matrix', 'include', combo.entry] : data.matrix ? ['matrix'] : [], 'no prompt for this combination; set prompt here, in the matrix or in defaults', '', PROMPT_NAMES);
      continue;
    }
    prompt = found;
    values = {};
    for (const f of REQUEST_FIELD_NAMES) {
      const s = field(f);
      if (s) values[f] = s;
    }
    let incomplete = false;
    for (const f of REQUIRED_FIELDS) {
      if (!values[f]) {
        tally.add('error', data.defaults ? ['defaults'] : [], `${f} is not set; set it in defaults or as a matrix axis`, '', [f], f);
        incomplete = true;
      }
    }
    if (incomplete) continue;

    const input = render(templateOf(prompt.text), 'input');
    if ('missing' in input) tally.add('error', prompt.path, `{${input.missing}} has no value for these jobs`, '', [input.missing]);
    const neg = values.negative_prompt;
    const negRendered = neg ? render(templateOf(String(neg.value)), 'negative_prompt') : undefined;
    if (neg && negRendered && 'missing' in negRendered) tally.add('error', neg.path, `{${negRendered.missing}} has no value for these jobs`, '', [negRendered.missing]);
    if ('missing' in input || (negRendered && 'missing' in negRendered)) continue;
    negative = negRendered?.text;

    const request: SubmitRequest = {
      model,
      input: input.text,
      aspect_ratio: values.aspect_ratio!.value as SubmitRequest['aspect_ratio'],
      quality: values.quality!.value as SubmitRequest['quality'],
      duration: values.duration!.value as SubmitRequest['duration'],
    };
    if (values.motion_mode) request.motion_mode = values.motion_mode.value as SubmitRequest['motion_mode'];
    if (negative !== undefined) request.negative_prompt = negative;
    if (values.generate_audio_switch) request.generate_audio_switch = values.generate_audio_switch.value as boolean;
    if (values.seed) request.seed = values.seed.value as number;

    // ---- the capability table, once per distinct shape of request
    const shape = `${request.aspect_ratio}|${request.quality}|${request.duration}|${request.motion_mode}|${request.generate_audio_switch}`;
    let violations = ruleCache.get(shape);
    if (!violations) {
      const { input: _i, negative_prompt: _n, seed: _s, ...rest } = request;
      violations = checkRequest({ ...rest, input: 'x' });
      ruleCache.set(shape, violations);
    }
    const textViolations = negRendered && !('missing' in negRendered) ? [...input.violations, ...negRendered.violations] : input.violations;
    for (const v of violations.length + textViolations.length > 0 ? [...violations, ...textViolations] : []) {
      const source = v.field === 'model' ? ['model'] : v.field === 'input' ? prompt.path : (values[v.field as RequestFieldName]?.path ?? []);
      const related = v.field === 'duration' ? values.quality : v.field === 'motion_mode' ? values.duration : undefined;
      // A model the schema refused is replaced by the default one, whose rules may differ.
      tally.add(v.severity, source, v.message, related ? `; ${related === values.quality ? 'quality' : 'duration'} from ${formatAt(related.path)}` : '', MODEL_NAMES_DEP);
    }
    if (request.seed === 0) tally.add('warning', values.seed!.path, 'seed 0 lets the service pick a seed: the job is not reproducible');
    const credits = estimateCredits(request);
    if (credits === undefined && !violations.some((v) => v.severity === 'error')) {
      tally.add('error', values.quality!.path, `the price table has no price for ${request.quality} / ${request.duration}s`);
    }
    if (credits === undefined || !buildJobs || violations.some((v) => v.severity === 'error')) continue;

    // ---- ids and file names, one per repeat copy
    const axesRecord: Record<string, AxisValue> = {};
    if (idx) for (let a = 0; a < axes.length; a++) axesRecord[axes[a]!.key] = sourcedAxes[a]![idx[a]!]!.value;
    if (added) for (const [k, e] of Object.entries(added)) axesRecord[k] = k === 'prompt' ? includePrompts[e]!.id : sourcedInclude[e]!.get(k)!.value;
    Object.freeze(axesRecord);
    for (repeatIndex = 0; repeatIndex < data.repeat; repeatIndex++) {
      const id = (currentId = jobId(request, repeatIndex));
      if (seen.has(id)) {
        duplicates++;
        firstDuplicate ??= seen.get(id);
        continue;
      }
      const file = renderFile();
      if (typeof file !== 'string') {
        tally.add('error', filePath, `{${file.missing}} has no value for these jobs`, '', [file.missing]);
        continue;
      }
      const from = combo.entry !== undefined ? includeFrom[combo.entry] : undefined;
      const job: Job = { id, manifest: ctx.file, manifestName: ctx.name, request, repeatIndex, file, estimatedCredits: credits, axes: axesRecord, ...(from !== undefined && { promotedFrom: from }) };
      seen.set(id, job);
      const key = fileCollisionKey(file);
      const other = files.get(key);
      if (other) {
        collisions++;
        firstCollision ??= [other, job];
        continue;
      }
      files.set(key, job);
      jobs.push(job);
    }
  }
  problems.push(...tally.problems());
  if (duplicates > 0 && firstDuplicate) {
    warn(['matrix'], `${duplicates} combination${duplicates === 1 ? ' repeats' : 's repeat'} a job already listed (e.g. ${firstDuplicate.file}); each job runs once`);
  }
  if (firstCollision) {
    const [a, b] = firstCollision;
    error(
      filePath,
      `${collisions} job${collisions === 1 ? '' : 's'} would write the same file as another job, e.g. jobs ${a.id} and ${b.id} both write ${JSON.stringify(a.file)}; add {id} or {seed} (or the differing variable) to ${data.filename === undefined ? 'a filename: pattern' : 'the filename pattern'}`,
      false,
      ['filename'],
    );
  }
  if (jobs.length > ctx.maxJobs) {
    error(['max_jobs'], `this manifest plans ${jobs.length.toLocaleString('en-US')} jobs, more than max_jobs (${ctx.maxJobs}); raise max_jobs or pass --max-jobs if you mean it`);
  }
  return { jobs, problems };
}
