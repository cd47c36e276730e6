import {
  ASPECT_RATIOS,
  MAX_PROMPT_CHARS,
  MOTION_MODES,
  QUALITIES,
  SEED_MAX,
  SEED_MIN,
  charCount,
  checkRequest,
  wireModeOf,
  type SubmitRequest,
} from '../model/capabilities.js';

export type SubmitCheck = { readonly ok: true; readonly request: SubmitRequest } | { readonly ok: false; readonly errCode: number; readonly detail: string };

type Body = Record<string, unknown>;

/** `null` counts as absent, as the provider's JSON binding treats it. */
function present(body: Body, field: string): boolean {
  return body[field] !== undefined && body[field] !== null;
}

function fail(errCode: number, detail: string): SubmitCheck {
  return { ok: false, errCode, detail };
}

/**
 * Validates a submit body the way the provider does: the first problem wins (one ErrCode per answer).
 * The mode follows the image ids given (none: text, which needs aspect_ratio; img_id; first_frame_img + last_frame_img).
 * Missing/empty → 400011, wrong type → 400013, bad value → 400017, prompt too long → 400018, negative prompt
 * too long → 400019; cross-field rules come from the capability table (only its `error` rules: its warnings
 * are the provider's leniency). The model has already been routed, so it is known here.
 */
export function validateSubmit(body: Body): SubmitCheck {
  for (const field of ['img_id', 'first_frame_img', 'last_frame_img'] as const) {
    if (present(body, field) && (typeof body[field] !== 'number' || !Number.isInteger(body[field]))) return fail(400013, `${field} must be an integer`);
  }
  const mode = wireModeOf({ ...(present(body, 'img_id') && { img_id: 0 }), ...(present(body, 'first_frame_img') && { first_frame_img: 0 }), ...(present(body, 'last_frame_img') && { last_frame_img: 0 }) });
  const required = mode === 'text' ? (['input', 'aspect_ratio', 'quality', 'duration'] as const) : (['input', 'quality', 'duration'] as const);
  for (const field of required) {
    if (!present(body, field) || body[field] === '') return fail(400011, `${field} is required`);
  }
  if (mode === 'first-last' && !(present(body, 'first_frame_img') && present(body, 'last_frame_img'))) return fail(400011, 'first_frame_img and last_frame_img are both required');
  for (const field of ['input', 'aspect_ratio', 'quality'] as const) {
    if (present(body, field) && typeof body[field] !== 'string') return fail(400013, `${field} must be a string`);
  }
  if (typeof body.duration !== 'number') return fail(400013, 'duration must be a number');
  for (const field of ['motion_mode', 'negative_prompt'] as const) {
    if (present(body, field) && typeof body[field] !== 'string') return fail(400013, `${field} must be a string`);
  }
  if (present(body, 'generate_audio_switch') && typeof body.generate_audio_switch !== 'boolean') return fail(400013, 'generate_audio_switch must be a boolean');
  if (present(body, 'seed') && typeof body.seed !== 'number') return fail(400013, 'seed must be an integer');

  const input = body.input as string;
  if (charCount(input) > MAX_PROMPT_CHARS) return fail(400018, `${charCount(input)} characters`);
  if (present(body, 'negative_prompt') && charCount(body.negative_prompt as string) > MAX_PROMPT_CHARS) {
    return fail(400019, `${charCount(body.negative_prompt as string)} characters`);
  }
  if (present(body, 'aspect_ratio') && !(ASPECT_RATIOS as readonly unknown[]).includes(body.aspect_ratio)) return fail(400017, `aspect_ratio "${String(body.aspect_ratio)}"`);
  if (!(QUALITIES as readonly unknown[]).includes(body.quality)) return fail(400017, `quality "${String(body.quality)}"`);
  if (!Number.isInteger(body.duration)) return fail(400017, `duration ${String(body.duration)}`);
  if (present(body, 'motion_mode') && !(MOTION_MODES as readonly unknown[]).includes(body.motion_mode)) return fail(400017, `motion_mode "${String(body.motion_mode)}"`);
  if (present(body, 'seed')) {
    const seed = body.seed as number;
    if (!Number.isInteger(seed) || seed < SEED_MIN || seed > SEED_MAX) return fail(400017, `seed ${seed}`);
  }

  const request: SubmitRequest = {
    model: body.model as string,
    input,
    ...(present(body, 'aspect_ratio') && { aspect_ratio: body.aspect_ratio as SubmitRequest['aspect_ratio'] }),
    quality: body.quality as SubmitRequest['quality'],
    duration: body.duration as SubmitRequest['duration'],
  };
  for (const field of ['img_id', 'first_frame_img', 'last_frame_img'] as const) if (present(body, field)) request[field] = body[field] as number;
  if (present(body, 'motion_mode')) request.motion_mode = body.motion_mode as SubmitRequest['motion_mode'];
  if (present(body, 'negative_prompt')) request.negative_prompt = body.negative_prompt as string;
  if (present(body, 'generate_audio_switch')) request.generate_audio_switch = body.generate_audio_switch as boolean;
  if (present(body, 'seed')) request.seed = body.seed as number;

  const error = checkRequest(request).find((v) => v.severity === 'error');
  if (error) {
    const code = error.field === 'input' ? 400018 : error.field === 'negative_prompt' ? 400019 : 400017;
    return fail(code, error.message);
  }
  return { ok: true, request };
}
