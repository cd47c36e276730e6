import { capabilitiesOf, checkRequest, IMAGE_FIELDS, modeOfKeys, type ImageField, type JobMode, type RuleViolation, type SubmitRequest } from '../model/capabilities.js';
import { estimateCredits } from '../model/prices.js';
import type { TemplateBook } from './check-templates.js';
import { didYouMean } from './did-you-mean.js';
import type { ImageFiles } from './image-files.js';
import type { JobCursor } from './job-cursor.js';
import type { RequestFieldName } from './manifest-schema.js';
import { MODEL_NAMES_DEP } from './problem-list.js';
import type { ProblemTally } from './problem-tally.js';
import { renderTemplate, type Template } from './template.js';
import type { ImageRef, JobImages } from './types.js';
import type { PathSegment } from './yaml-source.js';

const REQUIRED_FIELDS = ['quality', 'duration'] as const;

/** A request body the capability table accepts, with its price (and an image job's checked source images). */
export interface PricedRequest {
  readonly request: SubmitRequest;
  readonly credits: number;
  readonly images?: JobImages;
}

export interface RequestBuilderSettings {
  readonly model: string;
  /** Where "not set" problems point (`defaults`, or the top when there are none). */
  readonly defaultsPath: readonly PathSegment[];
  readonly formatAt: (path: readonly PathSegment[]) => string;
  /** The manifest's image files (absent: image keys are checked for shape only, as in a pure parse). */
  readonly images?: ImageFiles;
}

type Rendered = { readonly text: string; readonly violations: readonly RuleViolation[] } | { readonly missing: string };

/**
 * Matrix entry → request body: the cursor's values, its prompt and negative prompt rendered, the capability
 * table and the price table applied. Problems go to the tally (each distinct one once, with its job count);
 * rules and renders are cached by what decides them, since thousands of jobs share a few shapes.
 */
export class RequestBuilder {
  private readonly ruleCache = new Map<string, RuleViolation[]>();
  private readonly renderCache = new Map<string, Rendered>();
  private readonly templateIds = new Map<Template, number>();

  constructor(
    private readonly cursor: JobCursor,
    private readonly templates: TemplateBook,
    private readonly tally: ProblemTally,
    private readonly settings: RequestBuilderSettings,
  ) {}

  /** The current combination's request, or `undefined` when it cannot be a job. */
  build(): PricedRequest | undefined {
    const mode = this.mode();
    const { values, prompt } = this.cursor;
    const model = values.model ? String(values.model.value) : this.settings.model;
    if (!this.requiredFieldsSet(mode, model) || mode === undefined) return undefined;
    const texts = this.renderTexts();
    if (!texts) return undefined;
    // Keys in the order the contract's samples send them; an image job has no aspect_ratio.
    const request = {
      model,
      input: texts.input,
      ...(values.aspect_ratio && { aspect_ratio: values.aspect_ratio.value as SubmitRequest['aspect_ratio'] }),
      quality: values.quality!.value as SubmitRequest['quality'],
      duration: values.duration!.value as number,
    } as SubmitRequest;
    if (values.motion_mode) request.motion_mode = values.motion_mode.value as SubmitRequest['motion_mode'];
    if (this.cursor.negative !== undefined) request.negative_prompt = this.cursor.negative;
    if (values.generate_audio_switch) request.generate_audio_switch = values.generate_audio_switch.value as boolean;
    if (values.seed) request.seed = values.seed.value as number;

    // A frame shape the model never takes is a bad value, said as the schema says one (only V6 takes 21:9): the
    // combination is not a job, so nothing else is checked or counted for it.
    const ratios = capabilitiesOf(model)?.aspectRatios;
    if (mode === 'text' && request.aspect_ratio !== undefined && ratios && !ratios.includes(request.aspect_ratio)) {
      const list = ratios.map((r) => `"${r}"`).join(', ');
      this.tally.addValue(values.aspect_ratio!.path, `"${request.aspect_ratio}" is not one of ${list}${didYouMean(request.aspect_ratio, ratios)}`);
      return undefined;
    }
    const violations = this.shapeRules(request, mode);
    for (const v of violations.length + texts.violations.length > 0 ? [...violations, ...texts.violations] : []) {
      const source = v.field === 'model' ? (values.model?.path ?? ['model']) : v.field === 'input' ? prompt.path : (values[v.field as RequestFieldName]?.path ?? []);
      const related = v.field === 'duration' ? values.quality : v.field === 'motion_mode' ? values.duration : undefined;
      // A model the schema refused is replaced by the default one, whose rules may differ.
      this.tally.add(v.severity, source, v.message, related ? `; ${related === values.quality ? 'quality' : 'duration'} from ${this.settings.formatAt(related.path)}` : '', MODEL_NAMES_DEP);
    }
    if (request.seed === 0) this.tally.add('warning', values.seed!.path, 'seed 0 lets the service pick a seed: the job is not reproducible');
    const images = mode === 'text' ? undefined : this.images();
    const credits = estimateCredits(request);
    const refused = violations.some((v) => v.severity === 'error');
    if (credits === undefined && !refused) {
      this.tally.add('error', values.quality!.path, `the price table has no price for ${model} at ${request.quality} / ${request.duration}s`);
    }
    if (credits === undefined || refused || images === null) return undefined;
    return images ? { request, credits, images } : { request, credits };
  }

  /** The job's mode from its image keys; `undefined` (reported) when they do not make one. */
  private mode(): JobMode | undefined {
    const { values } = this.cursor;
    const keys = new Set(IMAGE_FIELDS.filter((f) => values[f] !== undefined));
    const mode = modeOfKeys(keys);
    if (mode !== undefined) return mode;
    const at = values.image && (values.first_frame || values.last_frame) ? values.image : (values.first_frame ?? values.last_frame)!;
    const message = keys.has('image') ? 'give image, or first_frame and last_frame, not both' : `${keys.has('first_frame') ? 'first_frame' : 'last_frame'} needs ${keys.has('first_frame') ? 'last_frame' : 'first_frame'} too (a first/last-frame job takes both)`;
    this.tally.add('error', at.path, message, '', [...IMAGE_FIELDS]);
    return undefined;
  }

  /** The job's checked images; `null` when one of them has a problem (reported where it is written). */
  private images(): JobImages | null | undefined {
    const { images } = this.settings;
    if (!images) return undefined;
    const out: Partial<Record<ImageField, ImageRef>> = {};
    let ok = true;
    for (const field of IMAGE_FIELDS) {
      const s = this.cursor.values[field];
      if (!s) continue;
      let value = String(s.value);
      if (images.isGlob(value)) {
        const found = images.expand(value);
        if (found.length !== 1) {
          this.tally.add('error', s.path, `${JSON.stringify(value)} matches ${found.length} files; outside a matrix axis a glob must name exactly one (make ${field} a matrix axis for one job per file)`);
          ok = false;
          continue;
        }
        value = found[0]!;
      }
      const checked = images.check(value);
      if ('problem' in checked) {
        this.tally.add('error', s.path, checked.problem);
        ok = false;
      } else out[field] = checked.ref;
    }
    return ok ? out : null;
  }

  /** quality and duration, and a text job's aspect_ratio (a model that runs no text mode gets the table's "needs an image" instead). */
  private requiredFieldsSet(mode: JobMode | undefined, model: string): boolean {
    const ratio = mode === 'text' && capabilitiesOf(model)?.modes.includes('text') !== false;
    let complete = true;
    for (const f of ratio ? (['aspect_ratio', ...REQUIRED_FIELDS] as const) : REQUIRED_FIELDS) {
      if (!this.cursor.values[f]) {
        this.tally.add('error', this.settings.defaultsPath, `${f} is not set; set it in defaults or as a matrix axis`, '', [f], f);
        complete = false;
      }
    }
    return complete;
  }

  /** The prompt and negative prompt (into the cursor) with their length rules; `undefined` when one has a name without a value. */
  private renderTexts(): { readonly input: string; readonly violations: readonly RuleViolation[] } | undefined {
    const { prompt, values } = this.cursor;
    const input = this.render(this.templates.parse(prompt.text), 'input');
    if ('missing' in input) this.tally.add('error', prompt.path, `{${input.missing}} has no value for these jobs`, '', [input.missing]);
    const neg = values.negative_prompt;
    const negRendered = neg ? this.render(this.templates.parse(String(neg.value)), 'negative_prompt') : undefined;
    if (neg && negRendered && 'missing' in negRendered) this.tally.add('error', neg.path, `{${negRendered.missing}} has no value for these jobs`, '', [negRendered.missing]);
    if ('missing' in input || (negRendered && 'missing' in negRendered)) return undefined;
    this.cursor.negative = negRendered?.text;
    return { input: input.text, violations: negRendered ? [...input.violations, ...negRendered.violations] : input.violations };
  }

  /** The capability table, once per distinct shape of request (the texts and the seed do not change it). */
  private shapeRules(request: SubmitRequest, mode: JobMode): RuleViolation[] {
    const shape = `${request.model}|${mode}|${request.aspect_ratio}|${request.quality}|${request.duration}|${request.motion_mode}|${request.generate_audio_switch}`;
    let violations = this.ruleCache.get(shape);
    if (!violations) {
      const { input: _i, negative_prompt: _n, seed: _s, ...rest } = request;
      violations = checkRequest({ ...rest, input: 'x' }, mode);
      this.ruleCache.set(shape, violations);
    }
    return violations;
  }

  /** A prompt or negative prompt of the current combination, with its length rules, or the missing name. */
  private render(template: Template, which: 'input' | 'negative_prompt'): Rendered {
    let t = this.templateIds.get(template);
    if (t === undefined) this.templateIds.set(template, (t = this.templateIds.size));
    let key = String(t);
    for (const name of template.variables) key += `\u0000${this.lookup(name) ?? '\u0001'}`;
    let out = this.renderCache.get(key);
    if (!out) {
      const text = renderTemplate(template, this.lookup);
      out = typeof text === 'string' ? { text, violations: this.textRules(which, text) } : text;
      this.renderCache.set(key, out);
    }
    return out;
  }

  private readonly lookup = (name: string): string | undefined => {
    if (this.templates.unknownNames.has(name)) return '';
    const v = this.cursor.variable(name);
    if (v !== undefined) return String(v);
    if (name === 'model') return String(this.cursor.values.model?.value ?? this.settings.model);
    const s = this.cursor.values[name as RequestFieldName];
    return s ? String(s.value) : undefined;
  };

  private textRules(which: 'input' | 'negative_prompt', text: string): RuleViolation[] {
    const probe: SubmitRequest = { model: this.settings.model, input: which === 'input' ? text : 'x', aspect_ratio: '16:9', quality: '540p', duration: 5 };
    if (which === 'negative_prompt') probe.negative_prompt = text;
    return checkRequest(probe).filter((r) => r.field === which);
  }
}
