import type { JobCursor } from './job-cursor.js';
import { REQUEST_FIELD_NAMES, type RequestFieldName } from './manifest-schema.js';
import type { Scalar } from './plan-axes.js';
import { finishFilePath, safeLiteral, safeValue } from './safe-file-name.js';
import type { Template } from './template.js';

export interface FileNamerSettings {
  readonly manifestName: string;
  readonly model: string;
  /** The manifest wrote its own `filename` pattern (else a variable a combination lacks is written `none`). */
  readonly patternGiven: boolean;
  /** Names already reported as unknown: written as empty text. */
  readonly unknownNames: ReadonlySet<string>;
}

type FilePart = { readonly literal: string; readonly variable?: undefined; readonly raw?: undefined } | { readonly literal?: undefined; readonly variable: string; readonly raw: () => string | undefined };

/** How a request field's value reads in a file name. */
function fileText(field: string, value: Scalar): string {
  if (field === 'aspect_ratio') return String(value).replace(':', 'x');
  if (field === 'generate_audio_switch') return value === true ? 'audio' : 'silent';
  return String(value);
}

/** `{image}`: the image's base name, `first-to-last` for a first/last-frame job, `none` for a text job. */
function imageText(cursor: JobCursor): string {
  const stem = (s: { readonly value: Scalar } | undefined): string | undefined => {
    if (!s) return undefined;
    const base = String(s.value).split(/[\\/]/).pop()!.split('?')[0]!;
    return base.replace(/\.[a-z0-9]{1,5}$/i, '') || 'image';
  };
  const { values } = cursor;
  const image = stem(values.image);
  if (image !== undefined) return image;
  const first = stem(values.first_frame);
  const last = stem(values.last_frame);
  return first !== undefined || last !== undefined ? `${first ?? 'none'}-to-${last ?? 'none'}` : 'none';
}

/** The file-name pattern rendered for the cursor's job: each `{name}`'s source is decided once, each value made safe once. */
export class FileNamer {
  private readonly parts: readonly FilePart[];
  private readonly safeValues = new Map<string, string>();

  constructor(
    template: Template,
    private readonly cursor: JobCursor,
    private readonly settings: FileNamerSettings,
  ) {
    this.parts = template.parts.map((part): FilePart => ('literal' in part ? { literal: safeLiteral(part.literal) } : { variable: part.variable, raw: this.rawGetter(part.variable) }));
  }

  /** The safe relative path, or the name this job has no value for. */
  render(): string | { missing: string } {
    let rendered = '';
    for (const part of this.parts) {
      if (part.literal !== undefined) {
        rendered += part.literal;
        continue;
      }
      const raw = part.raw();
      if (raw === undefined) return { missing: part.variable };
      let safe = this.safeValues.get(raw);
      if (safe === undefined) this.safeValues.set(raw, (safe = safeValue(raw)));
      rendered += safe;
    }
    return finishFilePath(rendered);
  }

  /** How `{name}` gets its raw text for the current job. */
  private rawGetter(name: string): () => string | undefined {
    const { cursor, settings } = this;
    if (settings.unknownNames.has(name)) return () => '';
    if (name === 'prompt') return () => cursor.prompt.id;
    if (name === 'id') return () => cursor.id;
    if (name === 'repeat') return () => String(cursor.repeatIndex + 1);
    if (name === 'name') return () => settings.manifestName;
    if (name === 'model') return () => String(cursor.values.model?.value ?? settings.model);
    if (name === 'image') return () => imageText(cursor);
    if (name === 'negative_prompt') return () => cursor.negative ?? 'none';
    if ((REQUEST_FIELD_NAMES as string[]).includes(name)) {
      const unset = name === 'seed' ? 'auto' : 'none';
      return () => {
        const s = cursor.values[name as RequestFieldName];
        return s ? fileText(name, s.value) : unset;
      };
    }
    // The default pattern names every variable axis; a combination an include added may lack one.
    const unset = settings.patternGiven ? undefined : 'none';
    return () => {
      const v = cursor.variable(name);
      return v !== undefined ? String(v) : unset;
    };
  }
}
