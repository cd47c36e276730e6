/**
 * The capability table (the rows are in model-table.ts) and the one check of a request against it. The manifest
 * validator and the simulator both read it; a new model is one more row.
 *
 * Severity follows the contract: rules the user's document states are `error`s, rules that only the
 * provider's public docs suggest are `warning`s.
 */
import { capabilitiesOf, MODEL_NAMES, DEFAULT_MODEL, SEED_MAX, SEED_MIN, type AspectRatio, type Duration, type ImageField, type JobMode, type MotionMode, type Quality, type Severity } from './model-table.js';

export * from './model-table.js';

/** The request body of a submit (A.1), exactly as it goes on the wire. */
export interface SubmitRequest {
  model: string;
  input: string;
  /** A text job's frame shape; an image or first/last job has none (the frame follows the image). */
  aspect_ratio?: AspectRatio;
  quality: Quality;
  duration: Duration;
  motion_mode?: MotionMode;
  negative_prompt?: string;
  generate_audio_switch?: boolean;
  seed?: number;
  /** An image job's uploaded image (`image:` in the manifest), filled in just before the submit. */
  img_id?: number;
  /** A first/last-frame job's uploaded frames, filled in just before the submit. */
  first_frame_img?: number;
  last_frame_img?: number;
}

/** The mode of a request body on the wire, from the image ids it carries. */
export function wireModeOf(request: Pick<SubmitRequest, 'img_id' | 'first_frame_img' | 'last_frame_img'>): JobMode {
  if (request.img_id !== undefined) return 'image';
  return request.first_frame_img !== undefined || request.last_frame_img !== undefined ? 'first-last' : 'text';
}

/** The mode a job's image keys give it (`undefined` when they do not make one: both kinds, or one frame). */
export function modeOfKeys(keys: ReadonlySet<ImageField>): JobMode | undefined {
  const first = keys.has('first_frame');
  const last = keys.has('last_frame');
  if (keys.has('image')) return first || last ? undefined : 'image';
  if (first !== last) return undefined;
  return first ? 'first-last' : 'text';
}

const MODE_WORDS: Readonly<Record<JobMode, string>> = { text: 'text-to-video (no image)', image: 'image-to-video (image)', 'first-last': 'first/last frame (first_frame + last_frame)' };

export interface RuleViolation {
  readonly severity: Severity;
  /** The request field the problem is about (`input` is reported by callers as `prompt`). */
  readonly field: keyof SubmitRequest | ImageField;
  readonly message: string;
}

/** Characters as a person counts them (code points), the unit of the 2048 limit. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Checks one fully-formed request against its model's row. Type-level checks (enum membership, integer seed)
 * belong to the schema; this is the cross-field table. An unknown model yields a single error.
 */
export function checkRequest(request: SubmitRequest, mode: JobMode = wireModeOf(request)): RuleViolation[] {
  const caps = capabilitiesOf(request.model);
  const out: RuleViolation[] = [];
  if (!caps) {
    out.push({ severity: 'error', field: 'model', message: `unknown model "${request.model}"; known: ${MODEL_NAMES.join(', ')}` });
    return out;
  }
  if (!caps.documented) {
    out.push({ severity: 'warning', field: 'model', message: `${caps.model} is not documented by DMXAPI; ${DEFAULT_MODEL} is the supported model` });
  }
  out.push(...modeRules(caps.model, caps.modes, mode, request.aspect_ratio));
  if (mode === 'text' && request.aspect_ratio !== undefined && !caps.aspectRatios.includes(request.aspect_ratio)) {
    out.push({ severity: 'error', field: 'aspect_ratio', message: `aspect_ratio "${request.aspect_ratio}" is not one of ${caps.aspectRatios.join(', ')} on ${caps.model}` });
  }
  if (!caps.qualities.includes(request.quality)) {
    out.push({ severity: 'error', field: 'quality', message: `quality "${request.quality}" is not one of ${caps.qualities.join(', ')}` });
  } else if (!caps.durations[request.quality].includes(request.duration)) {
    out.push({
      severity: 'error',
      field: 'duration',
      message: `duration ${request.duration}s is not allowed at ${request.quality} for ${caps.model} (allowed: ${durationList(caps.durations[request.quality])})`,
    });
  }
  if (request.motion_mode !== undefined) {
    if (caps.motionModes === null) {
      out.push({ severity: 'error', field: 'motion_mode', message: `${caps.model} does not accept motion_mode` });
    } else if (!caps.motionModes.includes(request.motion_mode)) {
      out.push({ severity: 'error', field: 'motion_mode', message: `${caps.model} accepts motion_mode ${caps.motionModes.map((m) => `"${m}"`).join(' or ')} only, not "${request.motion_mode}"` });
    } else if (request.motion_mode === 'fast') {
      if (caps.fastForbiddenDurations.includes(request.duration)) {
        out.push({ severity: 'error', field: 'motion_mode', message: `motion_mode "fast" does not support ${request.duration}s on ${caps.model}` });
      }
      const adv = caps.fastAdvisory;
      if (adv && (!adv.durations.includes(request.duration) || adv.notQualities.includes(request.quality))) {
        out.push({
          severity: 'warning',
          field: 'motion_mode',
          message: `provider docs allow motion_mode "fast" on ${caps.model} only at ${adv.durations.join('/')}s and not at ${adv.notQualities.join('/')}`,
        });
      }
    }
  }
  if (request.generate_audio_switch !== undefined && !caps.audioSwitch) {
    out.push({ severity: 'error', field: 'generate_audio_switch', message: `${caps.model} does not accept generate_audio_switch` });
  }
  const max = caps.maxPromptChars;
  if (charCount(request.input) > max) {
    out.push({ severity: 'error', field: 'input', message: `prompt is ${charCount(request.input)} characters; at most ${max}` });
  }
  if (request.negative_prompt !== undefined && charCount(request.negative_prompt) > max) {
    out.push({ severity: 'error', field: 'negative_prompt', message: `negative_prompt is ${charCount(request.negative_prompt)} characters; at most ${max}` });
  }
  if (request.seed !== undefined && (!Number.isInteger(request.seed) || request.seed < SEED_MIN || request.seed > SEED_MAX)) {
    out.push({ severity: 'error', field: 'seed', message: `seed ${request.seed} is outside ${SEED_MIN} – ${SEED_MAX}` });
  }
  return out;
}

/** "5, 8, 10", or "1–15" for a run of whole seconds. */
function durationList(list: readonly Duration[]): string {
  const run = list.length > 3 && list.every((d, i) => i === 0 || d === list[i - 1]! + 1);
  return run ? `${list[0]}–${list[list.length - 1]}` : list.join(', ');
}

/** Whether the model runs this mode, and the frame-shape rule of the mode (an image job's frame follows the image). */
function modeRules(model: string, modes: readonly JobMode[], mode: JobMode, aspectRatio: AspectRatio | undefined): RuleViolation[] {
  const out: RuleViolation[] = [];
  const runs = modes.map((m) => MODE_WORDS[m]).join(', ');
  if (mode === 'text' && !modes.includes('text')) {
    out.push({ severity: 'error', field: 'model', message: `${model} needs ${modes.includes('image') ? 'an image (image:)' : 'first_frame and last_frame'}: it runs ${runs}` });
  } else if (!modes.includes(mode)) {
    const what = mode === 'image' ? 'image' : 'first/last frames';
    const use = mode === 'image' ? 'paiwo-v5.6-itv, PixVerse-V6 or PixVerse-C1' : 'paiwo-v5.6-itv2, PixVerse-V6 or PixVerse-C1';
    out.push({ severity: 'error', field: 'model', message: `${model} takes no ${what} (it runs ${runs}); exclude this combination or use ${use}` });
  }
  // Only on a model that runs the mode: a text-only model given an image has one problem, the image.
  if (mode !== 'text' && aspectRatio !== undefined && modes.includes(mode)) {
    out.push({ severity: 'error', field: 'aspect_ratio', message: `aspect_ratio cannot be set on ${mode === 'image' ? 'an image' : 'a first/last-frame'} job: the frame follows the image` });
  }
  return out;
}
