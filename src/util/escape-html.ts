/**
 * The one escaper for text that goes into HTML, in element content and in quoted attribute values alike.
 * Everything from manifests and from the service passes through it: prompts, ids, file names, error messages.
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * JSON that can sit inside `<script type="application/json">`: `<` (and the two JS line terminators) escaped so
 * no `</script>` or `<!--` in the data can end the element early. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A URL that may become an `href`/`src`: absolute http(s), or relative without a scheme. Anything else
 * (`javascript:`, `data:`, `vbscript:`, protocol-relative `//host`) is refused with `null`.
 */
export function safeUrl(url: string): string | null {
  // Browsers strip control characters and whitespace before reading the scheme, so do the same before judging it.
  const trimmed = url.replace(/[\u0000-\u0020\u007f]/g, '');
  if (trimmed === '') return null;
  if (/^https?:/i.test(trimmed)) return url.trim();
  if (trimmed.startsWith('//') || trimmed.startsWith('\\') || /^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return null;
  return url;
}

/**
 * The relative URL of a file inside the output folder (`a b/c#1.mp4` → `a%20b/c%231.mp4`), or `null` when the
 * path is absolute or climbs out of the folder: a report must only ever point at its own folder's files.
 */
export function relativeFileUrl(path: string): string | null {
  const parts = path.split(/[\\/]/);
  if (path === '' || /^[a-z]:/i.test(path) || parts[0] === '') return null;
  if (parts.some((p) => p === '..' || p === '')) return null;
  return parts.map((p) => encodeURIComponent(p)).join('/');
}

/** Markup that is already safe: produced by `html` or `rawHtml`, never by concatenating outside data. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Trusted markup written in our own source (a constant stylesheet or script); never outside data. */
export function rawHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Tagged template whose every interpolation is escaped unless it is `SafeHtml` (arrays are joined, `null`,
 * `undefined` and `false` render nothing), so escaping is the default rather than something to remember.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function renderValue(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}
