/** What is wrong with a parsed state-journal line, or null when it is an event the simulator can replay. */
export function simEventProblem(value: unknown): string | null {
  if (!isObject(value)) return `not an event (${value === null ? 'null' : typeof value})`;
  switch (value.t) {
    case 'video':
      return videoProblem(value.v);
    case 'refund':
      return isId(value.id) ? null : 'a refund without a numeric video id';
    case 'balance':
      return value.balance === null || isNumber(value.balance) ? null : 'a balance that is not a number';
    case 'token':
      return isId(value.id) && typeof value.token === 'string' && isNumber(value.valid_from_ms) ? null : 'a media token without its video id, token or time';
    default:
      return `an unknown event type ${JSON.stringify(value.t)}`;
  }
}

function videoProblem(v: unknown): string | null {
  if (!isObject(v)) return 'a video without its fields';
  if (!isId(v.id)) return `a video whose id ${JSON.stringify(v.id)} is not a number`;
  const numbers = ['credits', 'seed', 'created_at_ms', 'release_at_ms'] as const;
  const bad = numbers.filter((k) => !isNumber(v[k]));
  if (!isObject(v.body)) bad.push('body' as never);
  if (v.outcome !== 1 && v.outcome !== 7 && v.outcome !== 8) bad.push('outcome' as never);
  if (v.ends_at_ms !== null && !isNumber(v.ends_at_ms)) bad.push('ends_at_ms' as never);
  if (typeof v.token !== 'string') bad.push('token' as never);
  if (v.token_valid_from_ms !== null && !isNumber(v.token_valid_from_ms)) bad.push('token_valid_from_ms' as never);
  for (const k of ['reported_credits', 'reported_refund'] as const) if (v[k] !== undefined && !isNumber(v[k])) bad.push(k as never);
  return bad.length > 0 ? `video ${String(v.id)} lacks or has bad ${bad.join(', ')}` : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,30}$/.test(value);
}
