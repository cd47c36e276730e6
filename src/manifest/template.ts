/**
 * `{name}` templates in prompts, negative prompts and the file-name pattern. Only `{identifier}` is a
 * reference; `{{` and `}}` write literal braces; any other brace is plain text, so ordinary prose survives.
 */

/** What a matrix variable may be called so that `{name}` can refer to it (CJK letters allowed). */
export const VARIABLE_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

const TOKEN = /\{\{|\}\}|\{([\p{L}_][\p{L}\p{N}_]*)\}/gu;

export type TemplatePart = { readonly literal: string } | { readonly variable: string };

export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** Distinct names referred to, in order of first use. */
  readonly variables: readonly string[];
}

export function parseTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  const variables: string[] = [];
  let literal = '';
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    literal += source.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] === undefined) {
      literal += m[0][0];
      continue;
    }
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ variable: m[1] });
    if (!variables.includes(m[1])) variables.push(m[1]);
  }
  literal += source.slice(last);
  if (literal) parts.push({ literal });
  return { source, parts, variables };
}

/**
 * Fills a template. `lookup` returns a variable's text or `undefined` when this job has no such value;
 * the first missing name is returned instead of a string.
 */
export function renderTemplate(template: Template, lookup: (name: string) => string | undefined): string | { readonly missing: string } {
  let out = '';
  for (const part of template.parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const value = lookup(part.variable);
    if (value === undefined) return { missing: part.variable };
    out += value;
  }
  return out;
}
