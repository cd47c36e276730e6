import type * as z from 'zod';
import { closestMatch, didYouMean } from './did-you-mean.js';
import { describeValue, type Problem } from './problem.js';
import type { PathSegment } from './yaml-source.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let s = schema;
  for (;;) {
    const def = s?._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema } | undefined;
    if (def && WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def?.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

function schemaAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let s: AnySchema | undefined = schema;
  for (const segment of path) {
    s = unwrap(s);
    const def = s?._zod.def as { type: string; shape?: Record<string, AnySchema>; catchall?: AnySchema; element?: AnySchema } | undefined;
    if (def?.type === 'object') s = (def.shape && Object.hasOwn(def.shape, segment as string) ? def.shape[segment as string] : undefined) ?? def.catchall;
    else if (def?.type === 'array') s = def.element;
    else return undefined;
  }
  return unwrap(s);
}

/** The keys an object schema (or any object option of a union) allows. */
function keysOf(schema: AnySchema | undefined): string[] {
  const def = unwrap(schema)?._zod.def as { type: string; shape?: Record<string, AnySchema>; options?: AnySchema[] } | undefined;
  if (def?.type === 'object') return Object.keys(def.shape ?? {});
  if (def?.type === 'union') return [...new Set((def.options ?? []).flatMap(keysOf))];
  return [];
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const segment of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Object.hasOwn(v, segment) ? (v as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function toPath(base: readonly PathSegment[], rel: readonly PropertyKey[]): PathSegment[] {
  return [...base, ...rel.map((p) => (typeof p === 'number' ? p : String(p)))];
}

/**
 * Turns zod issues into readable problems: one per unknown key (with "did you mean"), the closest branch of a
 * failed union instead of every branch, and messages that name what was written.
 */
export function problemsFromZod(issues: readonly Issue[], schema: AnySchema, value: unknown, basePath: readonly PathSegment[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = toPath(basePath, issue.path);
    const actual = valueAt(value, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysOf(schemaAt(schema, issue.path));
        for (const key of issue.keys) {
          const meant = closestMatch(key, allowed);
          out.push({ severity: 'error', path: [...path, key], atKey: true, message: `unknown key ${describeValue(key)}${didYouMean(key, allowed)}`, ...(meant !== undefined && { meant }) });
        }
        break;
      }
      case 'invalid_union': {
        const union = schemaAt(schema, issue.path);
        const options = ((union?._zod.def as { options?: AnySchema[] } | undefined)?.options ?? []) as AnySchema[];
        // Branches whose basic shape fits (a mapping for a mapping) say what is really wrong; pick the closest.
        let best = -1;
        issue.errors.forEach((branch, i) => {
          if (branch.some((b) => b.path.length === 0 && b.code === 'invalid_type')) return;
          if (best === -1 || branch.length < issue.errors[best]!.length) best = i;
        });
        if (best >= 0 && options[best]) {
          out.push(...problemsFromZod(issue.errors[best]!, options[best]!, actual, path));
        } else {
          const expected = [...new Set(issue.errors.flatMap((b) => b.filter((x) => x.path.length === 0 && x.code === 'invalid_type').map((x) => typeName((x as { expected: string }).expected))))];
          const described = expected.length ? expected.join(' or ') : 'something else';
          out.push({ severity: 'error', path, message: `expected ${described}, got ${describeValue(actual)}` });
        }
        break;
      }
      case 'invalid_type': {
        const last = issue.path[issue.path.length - 1];
        if (actual === undefined && last !== undefined && typeof last !== 'number') {
          out.push({ severity: 'error', path, message: `"${String(last)}" is required` });
        } else {
          out.push({ severity: 'error', path, message: `expected ${typeName(issue.expected)}, got ${describeValue(actual)}` });
        }
        break;
      }
      case 'invalid_value': {
        const allowed = issue.values.map((v) => String(v));
        const hint = typeof actual === 'string' || typeof actual === 'number' ? didYouMean(String(actual), allowed) : '';
        const list = issue.values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');
        out.push({ severity: 'error', path, message: `${describeValue(actual)} is not one of ${list}${hint}` });
        break;
      }
      case 'too_small': {
        const min = Number(issue.minimum);
        let message: string;
        if (issue.origin === 'array') message = 'the list is empty; give at least one value';
        else if (issue.origin === 'string') message = 'must not be empty';
        else message = `${describeValue(actual)} is too small; must be ${issue.inclusive ? 'at least' : 'more than'} ${min}`;
        out.push({ severity: 'error', path, message });
        break;
      }
      case 'too_big': {
        const max = Number(issue.maximum);
        const message =
          issue.origin === 'string'
            ? `is too long; at most ${max} characters`
            : issue.origin === 'array'
              ? `has too many values; at most ${max}`
              : `${describeValue(actual)} is too large; must be ${issue.inclusive ? 'at most' : 'less than'} ${max}`;
        out.push({ severity: 'error', path, message });
        break;
      }
      default:
        out.push({ severity: 'error', path, message: issue.message });
    }
  }
  return out;
}
