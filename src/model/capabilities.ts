/**
 * The one table of what each paiwo text-to-video model accepts (shared/api/DMXAPI-PAIWO.md A.1, B.5).
 * The manifest validator and the simulator both read it; a new model is one more entry.
 *
 * Severity follows the contract: rules the user's document states are `error`s, rules that only the
 * provider's public docs suggest are `warning`s.
 */

export const ASPECT_RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const QUALITIES = ['360p', '540p', '720p', '1080p'] as const;
export type Quality = (typeof QUALITIES)[number];

export const DURATIONS = [5, 8, 10] as const;
export type Duration = (typeof DURATIONS)[number];

export const MOTION_MODES = ['normal', 'fast'] as const;
export type MotionMode = (typeof MOTION_MODES)[number];

/** The model name of the fetch operation (A.2). */
export const FETCH_MODEL = 'paiwo-get';
export const DEFAULT_MODEL = 'paiwo-v5.6-ttv';

export const MAX_PROMPT_CHARS = 2048;
export const SEED_MIN = 0;
export const SEED_MAX = 2_147_483_647;

export type Severity = 'error' | 'warning';

export interface ModelCapabilities {
  readonly model: string;
  /** Only `paiwo-v5.6-ttv` is documented by DMXAPI; others draw a warning (B.5). */
  readonly documented: boolean;
  readonly aspectRatios: readonly AspectRatio[];
  readonly qualities: readonly Quality[];
  /** Allowed durations per quality, in seconds. */
  readonly durations: Readonly<Record<Quality, readonly Duration[]>>;
  /** `null`: the field is not accepted at all (v5). */
  readonly motionModes: readonly MotionMode[] | null;
  /** Durations `fast` may not be used with, per the user's document (an error). */
  readonly fastForbiddenDurations: readonly Duration[];
  /** Provider-docs-only limits on `fast` (a warning): allowed durations and qualities. */
  readonly fastAdvisory?: { readonly durations: readonly Duration[]; readonly notQualities: readonly Quality[] };
  readonly audioSwitch: boolean;
}

const ALL_DURATIONS_BUT_1080P_10: Readonly<Record<Quality, readonly Duration[]>> = {
  '360p': [5, 8, 10],
  '540p': [5, 8, 10],
  '720p': [5, 8, 10],
  '1080p': [5, 8],
};

export const MODELS: Readonly<Record<string, ModelCapabilities>> = {
  'paiwo-v5.6-ttv': {
    model: 'paiwo-v5.6-ttv',
    documented: true,
    aspectRatios: ASPECT_RATIOS,
    qualities: QUALITIES,
    durations: ALL_DURATIONS_BUT_1080P_10,
    motionModes: MOTION_MODES,
    fastForbiddenDurations: [8],
    audioSwitch: true,
  },
  'paiwo-v5.5-ttv': {
    model: 'paiwo-v5.5-ttv',
    documented: false,
    aspectRatios: ASPECT_RATIOS,
    qualities: QUALITIES,
    durations: ALL_DURATIONS_BUT_1080P_10,
    motionModes: MOTION_MODES,
    fastForbiddenDurations: [],
    fastAdvisory: { durations: [5], notQualities: ['1080p'] },
    audioSwitch: true,
  },
  'paiwo-v5-ttv': {
    model: 'paiwo-v5-ttv',
    documented: false,
    aspectRatios: ASPECT_RATIOS,
    qualities: QUALITIES,
    durations: { '360p': [5, 8], '540p': [5, 8], '720p': [5, 8], '1080p': [5, 8] },
    motionModes: null,
    fastForbiddenDurations: [],
    audioSwitch: false,
  },
};

export const MODEL_NAMES = Object.keys(MODELS);

export function capabilitiesOf(model: string): ModelCapabilities | undefined {
  return Object.hasOwn(MODELS, model) ? MODELS[model] : undefined;
}

/** The request body of a submit (A.1), exactly as it goes on the wire. */
export interface SubmitRequest {
  model: string;
  input: string;
  aspect_ratio: AspectRatio;
  quality: Quality;
  duration: Duration;
  motion_mode?: MotionMode;
  negative_prompt?: string;
  generate_audio_switch?: boolean;
  seed?: number;
}

export interface RuleViolation {
  readonly severity: Severity;
  /** The request field the problem is about (`input` is reported by callers as `prompt`). */
  readonly field: keyof SubmitRequest;
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
export function checkRequest(request: SubmitRequest): RuleViolation[] {
  const caps = capabilitiesOf(request.model);
  const out: RuleViolation[] = [];
  if (!caps) {
    out.push({ severity: 'error', field: 'model', message: `unknown model "${request.model}"; known: ${MODEL_NAMES.join(', ')}` });
    return out;
  }
  if (!caps.documented) {
    out.push({ severity: 'warning', field: 'model', message: `${caps.model} is not documented by DMXAPI; ${DEFAULT_MODEL} is the supported model` });
  }
  if (!caps.aspectRatios.includes(request.aspect_ratio)) {
    out.push({ severity: 'error', field: 'aspect_ratio', message: `aspect_ratio "${request.aspect_ratio}" is not one of ${caps.aspectRatios.join(', ')}` });
  }
  if (!caps.qualities.includes(request.quality)) {
    out.push({ severity: 'error', field: 'quality', message: `quality "${request.quality}" is not one of ${caps.qualities.join(', ')}` });
  } else if (!caps.durations[request.quality].includes(request.duration)) {
    out.push({
      severity: 'error',
      field: 'duration',
      message: `duration ${request.duration}s is not allowed at ${request.quality} for ${caps.model} (allowed: ${caps.durations[request.quality].join(', ')})`,
    });
  }
  if (request.motion_mode !== undefined) {
    if (caps.motionModes === null) {
      out.push({ severity: 'error', field: 'motion_mode', message: `${caps.model} does not accept motion_mode` });
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
  if (charCount(request.input) > MAX_PROMPT_CHARS) {
    out.push({ severity: 'error', field: 'input', message: `prompt is ${charCount(request.input)} characters; at most ${MAX_PROMPT_CHARS}` });
  }
  if (request.negative_prompt !== undefined && charCount(request.negative_prompt) > MAX_PROMPT_CHARS) {
    out.push({
      severity: 'error',
      field: 'negative_prompt',
      message: `negative_prompt is ${charCount(request.negative_prompt)} characters; at most ${MAX_PROMPT_CHARS}`,
    });
  }
  if (request.seed !== undefined && (!Number.isInteger(request.seed) || request.seed < SEED_MIN || request.seed > SEED_MAX)) {
    out.push({ severity: 'error', field: 'seed', message: `seed ${request.seed} is outside ${SEED_MIN} – ${SEED_MAX}` });
  }
  return out;
}
