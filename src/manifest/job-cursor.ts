import type { CollectedPrompts, PromptEntry, Sourced } from './collect-prompts.js';
import type { Combination } from './expand-matrix.js';
import { REQUEST_FIELD_NAMES, type RequestFieldName } from './manifest-schema.js';
import type { AxisInfo, ManifestParts, Scalar } from './plan-axes.js';
import type { AxisValue } from './types.js';

/**
 * The job being built: its combination, prompt, request values and repeat copy, which the request builder and
 * the file namer read. One object moved along the combinations: with 100,000 jobs nothing is made anew per job,
 * and every value's source (an axis, an include entry, the prompt, the defaults) is a shared object built once.
 */
export class JobCursor {
  indexes: readonly number[] | undefined;
  added: Record<string, number> | undefined;
  prompt: PromptEntry = undefined as unknown as PromptEntry;
  values: Partial<Record<RequestFieldName, Sourced>> = {};
  /** The rendered negative prompt, once the request is built. */
  negative: string | undefined;
  repeatIndex = 0;
  id = '';

  private readonly axisOf: ReadonlyMap<string, number>;
  private readonly promptAxis: number;
  private readonly sourcedAxes: readonly (readonly Sourced[])[];
  private readonly sourcedInclude: readonly ReadonlyMap<string, Sourced>[];
  private readonly sourcedDefaults: ReadonlyMap<string, Sourced>;

  constructor(
    private readonly axes: readonly AxisInfo[],
    parts: ManifestParts,
    private readonly prompts: CollectedPrompts,
  ) {
    this.axisOf = new Map(axes.map((a, i) => [a.key, i] as const));
    this.promptAxis = axes.findIndex((a) => a.kind === 'prompt');
    this.sourcedAxes = axes.map((a) =>
      a.values.map((v, i): Sourced => ({ value: a.kind === 'prompt' ? (v as PromptEntry).id : (v as Scalar), path: a.valuePath(i) })),
    );
    this.sourcedInclude = parts.include.map((entry, e) => new Map(Object.entries(entry).map(([k, v]) => [k, { value: v as Scalar, path: ['matrix', 'include', e, k] }])));
    const { defaults } = parts;
    this.sourcedDefaults = new Map(
      REQUEST_FIELD_NAMES.filter((f) => defaults[f] !== undefined).map((f) => [f as string, { value: defaults[f] as Scalar, path: ['defaults', f] } as Sourced]),
    );
  }

  /** Moves to a combination and gathers its request values; `false` when it has no prompt. */
  select(combo: Combination): boolean {
    const idx = (this.indexes = combo.indexes);
    const added = (this.added = combo.added);
    const { axisPrompts, includePrompts, defaultsPrompt } = this.prompts;
    const found = idx && this.promptAxis >= 0 ? axisPrompts[idx[this.promptAxis]!] : added?.prompt !== undefined ? includePrompts[added.prompt] : defaultsPrompt;
    if (!found) return false;
    this.prompt = found;
    this.values = {};
    for (const f of REQUEST_FIELD_NAMES) {
      const s = this.field(f);
      if (s) this.values[f] = s;
    }
    return true;
  }

  /** A matrix variable's value in this combination. */
  variable(name: string): Scalar | undefined {
    const a = this.axisOf.get(name);
    if (this.indexes && a !== undefined) return this.sourcedAxes[a]![this.indexes[a]!]!.value;
    const e = this.added?.[name];
    return e !== undefined ? this.sourcedInclude[e]!.get(name)!.value : undefined;
  }

  /** The combination's coordinates, in axis order (the prompt as its id). */
  axesRecord(): Readonly<Record<string, AxisValue>> {
    const record: Record<string, AxisValue> = {};
    const { indexes: idx, added } = this;
    if (idx) for (let a = 0; a < this.axes.length; a++) record[this.axes[a]!.key] = this.sourcedAxes[a]![idx[a]!]!.value;
    if (added) for (const [k, e] of Object.entries(added)) record[k] = k === 'prompt' ? this.prompts.includePrompts[e]!.id : this.sourcedInclude[e]!.get(k)!.value;
    return Object.freeze(record);
  }

  private field(name: RequestFieldName): Sourced | undefined {
    const a = this.axisOf.get(name);
    if (this.indexes && a !== undefined) return this.sourcedAxes[a]![this.indexes[a]!];
    const e = this.added?.[name];
    if (e !== undefined) return this.sourcedInclude[e]!.get(name);
    return this.prompt.fields.get(name) ?? this.sourcedDefaults.get(name);
  }
}
