/**
 * The rows of the capability table: what each model of the paiwo / PixVerse family accepts
 * (shared/api/DMXAPI-PAIWO.md A.1, B.5; shared/api/DMXAPI-FAMILY.md §3–§9, §14). capabilities.ts checks a request
 * against its row; the validator and the simulator both read it. Where the sources disagree, the row holds the
 * worst case they allow.
 */

/** Every frame shape some model accepts; each row lists its own (only PixVerse-V6 takes 21:9). */
export const ASPECT_RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1', '21:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
const FIVE_RATIOS: readonly AspectRatio[] = ['16:9', '9:16', '4:3', '3:4', '1:1'];

export const QUALITIES = ['360p', '540p', '720p', '1080p'] as const;
export type Quality = (typeof QUALITIES)[number];

/** The v5.6 durations; PixVerse-V6 and -C1 take any whole second from 1 to 15. */
export const DURATIONS = [5, 8, 10] as const;
/** Seconds of video: a whole number; each model's row says which. */
export type Duration = number;
export const MAX_DURATION = 15;

export const MOTION_MODES = ['normal', 'fast'] as const;
export type MotionMode = (typeof MOTION_MODES)[number];

/** The keys that give a job its source images (paths relative to the manifest, or https:// URLs). */
export const IMAGE_FIELDS = ['image', 'first_frame', 'last_frame'] as const;
export type ImageField = (typeof IMAGE_FIELDS)[number];
/** The wire field each image key becomes once its image is uploaded (an img_id). */
export const IMAGE_WIRE_FIELDS = { image: 'img_id', first_frame: 'first_frame_img', last_frame: 'last_frame_img' } as const;

/** What a job does, from the image keys it has: none = text, `image`, or `first_frame` + `last_frame`. */
export type JobMode = 'text' | 'image' | 'first-last';

/** The two image upload models; their ids do not mix (ErrCode 701009). */
export const UPLOAD_FAMILIES = ['paiwo-picture', 'pixverse-picture'] as const;
export type UploadFamily = (typeof UPLOAD_FAMILIES)[number];

/** How a model is priced (prices.ts): the v5.6 table per video, or credits per second. */
export type PriceScheme = 'v5.6' | 'PixVerse-V6' | 'PixVerse-C1';

/** The model name of the fetch operation (A.2). */
export const FETCH_MODEL = 'paiwo-get';
export const DEFAULT_MODEL = 'paiwo-v5.6-ttv';

export const MAX_PROMPT_CHARS = 2048;
export const SEED_MIN = 0;
export const SEED_MAX = 2_147_483_647;

export type Severity = 'error' | 'warning';

export interface ModelCapabilities {
  readonly model: string;
  /** A model DMXAPI has no page for draws a warning (B.5). */
  readonly documented: boolean;
  /** The modes the model runs; the first is what a job without image keys would be. */
  readonly modes: readonly JobMode[];
  /** The upload model whose ids this model takes; `undefined`: it takes no image. */
  readonly uploadFamily?: UploadFamily;
  /** Frame shapes of a text job (an image job's frame follows the image: no aspect_ratio). */
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
  readonly maxPromptChars: number;
  readonly price: PriceScheme;
}

const V56_DURATIONS: Readonly<Record<Quality, readonly Duration[]>> = { '360p': [5, 8, 10], '540p': [5, 8, 10], '720p': [5, 8, 10], '1080p': [5, 8] };
const ONE_TO_FIFTEEN = Array.from({ length: MAX_DURATION }, (_, i) => i + 1);
const ANY_SECOND: Readonly<Record<Quality, readonly Duration[]>> = { '360p': ONE_TO_FIFTEEN, '540p': ONE_TO_FIFTEEN, '720p': ONE_TO_FIFTEEN, '1080p': ONE_TO_FIFTEEN };

const V56 = {
  documented: true,
  aspectRatios: FIVE_RATIOS,
  qualities: QUALITIES,
  durations: V56_DURATIONS,
  motionModes: MOTION_MODES,
  fastForbiddenDurations: [8],
  audioSwitch: true,
  maxPromptChars: MAX_PROMPT_CHARS,
  price: 'v5.6',
} as const;

const ROWS: readonly ModelCapabilities[] = [
  { ...V56, model: 'paiwo-v5.6-ttv', modes: ['text'] },
  { ...V56, model: 'paiwo-v5.6-itv', modes: ['image'], uploadFamily: 'paiwo-picture' },
  { ...V56, model: 'paiwo-v5.6-itv2', modes: ['first-last'], uploadFamily: 'paiwo-picture' },
  {
    // 21:9 only on V6 (DMXAPI's V6 page); `fast` is ❓ on V6 (upstream: v3.5–v4.5 only): allowed, never at 8 s.
    ...V56,
    model: 'PixVerse-V6',
    modes: ['text', 'image', 'first-last'],
    uploadFamily: 'pixverse-picture',
    aspectRatios: [...FIVE_RATIOS, '21:9'],
    durations: ANY_SECOND,
    price: 'PixVerse-V6',
  },
  {
    // C1 with "fast" answers HTTP 400 pixverse_c1_400017 (DC1t); 21:9 on C1 is ❓: refused.
    ...V56,
    model: 'PixVerse-C1',
    modes: ['text', 'image', 'first-last'],
    uploadFamily: 'pixverse-picture',
    durations: ANY_SECOND,
    motionModes: ['normal'],
    fastForbiddenDurations: [],
    price: 'PixVerse-C1',
  },
  { ...V56, model: 'paiwo-v5.5-ttv', documented: false, modes: ['text'], fastForbiddenDurations: [], fastAdvisory: { durations: [5], notQualities: ['1080p'] } },
  {
    ...V56,
    model: 'paiwo-v5-ttv',
    documented: false,
    modes: ['text'],
    durations: { '360p': [5, 8], '540p': [5, 8], '720p': [5, 8], '1080p': [5, 8] },
    motionModes: null,
    fastForbiddenDurations: [],
    audioSwitch: false,
  },
];

export const MODELS: Readonly<Record<string, ModelCapabilities>> = Object.fromEntries(ROWS.map((r) => [r.model, r]));
export const MODEL_NAMES = Object.keys(MODELS);

export function capabilitiesOf(model: string): ModelCapabilities | undefined {
  return Object.hasOwn(MODELS, model) ? MODELS[model] : undefined;
}

/** The upload model whose ids a model takes (`undefined`: a model that takes no image). */
export function uploadFamilyOf(model: string): UploadFamily | undefined {
  return capabilitiesOf(model)?.uploadFamily;
}
