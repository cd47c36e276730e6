import type * as z from 'zod';

/**
 * A zod schema compiled into a plain check for values that came from `JSON.parse`, for data too large for zod's
 * parse: zod copies every object it parses, which costs seconds on a 100,000-job ledger; this walks it in place
 * with no allocation, as generated code (each object key a direct property read). It accepts what the schema's
 * `safeParse` accepts (test/ledger/ledger-schema.test.ts holds them side by side) with two differences, both on
 * purpose: a missing object key is filled with its `.default(...)` in the value itself, and keys the schema does
 * not name are kept (zod would strip them). It answers yes or no; on no, the schema's `safeParse` of the same
 * value says what is wrong.
 *
 * What it compiles: string, number, boolean, null, unknown, literal, enum, nullable, optional, default (as an
 * object key), object (not strict), array, record with string keys, union of scalars, discriminated union.
 * Anything else (checks such as `.min()`, transforms, strict objects…) throws when compiled, so a schema that
 * outgrows it fails its first test instead of passing something it did not check.
 */
export type JsonCheck = (value: unknown) => boolean;

/** The parts of a zod definition the compiler reads (`schema._zod.def`). */
interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly catchall?: z.ZodType;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly entries?: Record<string, string | number>;
  readonly values?: readonly unknown[];
  readonly checks?: readonly unknown[];
  readonly defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

function unsupported(what: string): never {
  throw new Error(`compileJsonCheck: ${what} is not supported; extend src/util/json-check.ts (and its test)`);
}

export function compileJsonCheck(schema: z.ZodType): JsonCheck {
  const code = new CodeGen();
  const root = code.test(schema, 'v');
  const source = `${code.functions.join('\n')}\nreturn function check(v) { return ${root}; };`;
  // Generated from the schema alone (names are JSON-quoted, values are passed in `k`): no data reaches the source.
  return new Function('k', source)(code.constants) as JsonCheck;
}

/** Writes the check as JavaScript: `test` returns an expression that is true when `x` (a local name) is valid. */
class CodeGen {
  readonly functions: string[] = [];
  readonly constants: unknown[] = [];

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  private fn(body: string): string {
    const name = `f${this.functions.length}`;
    this.functions.push(`function ${name}(v) {\n${body}\n}`);
    return name;
  }

  test(schema: z.ZodType, x: string): string {
    const def = defOf(schema);
    if (def.checks?.length) unsupported(`a ${def.type} with checks`);
    switch (def.type) {
      case 'string':
      case 'boolean':
        return `typeof ${x} === "${def.type}"`;
      case 'number':
        return `(typeof ${x} === "number" && Number.isFinite(${x}))`;
      case 'null':
        return `${x} === null`;
      case 'unknown':
        return 'true';
      case 'literal':
        if (def.values!.length === 1 && isPrimitive(def.values![0])) return `${x} === ${JSON.stringify(def.values![0])}`;
        return `${this.constant(new Set<unknown>(def.values))}.has(${x})`;
      case 'enum':
        return `${this.constant(new Set<unknown>(Object.values(def.entries!)))}.has(${x})`;
      case 'nullable':
        return `(${x} === null || ${this.test(def.innerType!, x)})`;
      case 'optional':
        return `(${x} === undefined || ${this.test(def.innerType!, x)})`;
      case 'array':
        return `${this.fn(`if (!Array.isArray(v)) return false;\nfor (const e of v) if (!(${this.test(def.element!, 'e')})) return false;\nreturn true;`)}(${x})`;
      case 'record':
        if (defOf(def.keyType!).type !== 'string' || defOf(def.keyType!).checks?.length) unsupported('a record whose keys are not plain strings');
        return `${this.fn(`if (${notObject('v')}) return false;\nfor (const key in v) { const e = v[key]; if (!(${this.test(def.valueType!, 'e')})) return false; }\nreturn true;`)}(${x})`;
      case 'object':
        return `${this.object(def)}(${x})`;
      case 'union':
        return def.discriminator === undefined ? this.union(def, x) : `${this.discriminated(def)}(${x})`;
      default:
        return unsupported(`a ${def.type} schema`);
    }
  }

  /** Each key read once, by name; a missing key with a default gets it (zod's getter: a fresh copy each time). */
  private object(def: Def): string {
    if (def.catchall !== undefined && defOf(def.catchall).type !== 'unknown') unsupported('a strict object (or one with a catchall)');
    const lines = [`if (${notObject('v')}) return false;`, 'let x;'];
    for (const [key, schema] of Object.entries(def.shape!)) {
      const name = JSON.stringify(key);
      const keyDef = defOf(schema);
      if (keyDef.type !== 'default') {
        lines.push(`x = v[${name}]; if (!(${this.test(schema, 'x')})) return false;`);
        continue;
      }
      if (defOf(keyDef.innerType!).type === 'default') unsupported('a default of a default');
      const fill = `${this.constant(keyDef)}.defaultValue`;
      lines.push(`x = v[${name}]; if (x === undefined) v[${name}] = ${fill}; else if (!(${this.test(keyDef.innerType!, 'x')})) return false;`);
    }
    lines.push('return true;');
    return this.fn(lines.join('\n'));
  }

  /** A union of scalars: nothing in it can fill a default, so trying each option in turn changes nothing. */
  private union(def: Def, x: string): string {
    const scalar = new Set(['string', 'number', 'boolean', 'null', 'literal', 'enum']);
    for (const option of def.options!) if (!scalar.has(defOf(option).type)) unsupported('a union of non-scalars (use a discriminated union)');
    return `(${def.options!.map((o) => this.test(o, x)).join(' || ')})`;
  }

  /** Exactly one option runs: the one whose discriminator literal the value carries. */
  private discriminated(def: Def): string {
    const key = JSON.stringify(def.discriminator!);
    const cases: string[] = [];
    for (const option of def.options!) {
      const tag = defOf(option).shape?.[def.discriminator!];
      if (tag === undefined || defOf(tag).type !== 'literal') unsupported('a discriminated union whose options are not objects with a literal tag');
      const test = this.test(option, 'v');
      for (const value of defOf(tag!).values!) {
        if (!isPrimitive(value)) unsupported('a discriminator that is not a string, number, boolean or null');
        cases.push(`case ${JSON.stringify(value)}: return ${test};`);
      }
    }
    return this.fn(`if (${notObject('v')}) return false;\nswitch (v[${key}]) {\n${cases.join('\n')}\ndefault: return false;\n}`);
  }
}

const isPrimitive = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

const notObject = (x: string): string => `(typeof ${x} !== "object" || ${x} === null || Array.isArray(${x}))`;
