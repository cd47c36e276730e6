import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';

export type PathSegment = string | number;

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  readonly column: number;
}

/** A parsed YAML manifest: its plain value, and where each part of it was written. */
export interface YamlSource {
  readonly value: unknown;
  /** Where the node at `path` starts (its key when `atKey`), else its nearest existing ancestor (a missing key). */
  position(path: readonly PathSegment[], atKey?: boolean): SourcePosition;
}

export interface YamlProblem extends SourcePosition {
  readonly message: string;
}

/** Aliases expanded past this many nodes are an alias bomb ("billion laughs"), not a manifest. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Deeper structures are refused before parsing: the YAML parser recurses per level and a few hundred levels
 * exhaust the stack (which, mid-way through compiling a regular expression, can even abort the process).
 * A real manifest nests about six levels.
 */
export const MAX_NESTING = 128;

/**
 * An upper bound of the nesting depth, found without parsing: twice the block levels (a mapping and a
 * sequence may share an indentation) plus every flow bracket. It may over-count (brackets inside quotes), never
 * under-count: text after ` #` is either a comment or inside quotes, neither of which nests.
 */
export function nestingBound(text: string): number {
  let max = 0;
  let flow = 0;
  const indents: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^( *)((?:[-?] +)*)(.?)/.exec(line)!;
    let block = indents.length;
    if (m[3] !== '' && m[3] !== '#') {
      const indent = m[1]!.length;
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
      block = indents.length + (m[2]!.match(/[-?]/g)?.length ?? 0);
    }
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      if (c === '[' || c === '{') flow++;
      else if ((c === ']' || c === '}') && flow > 0) flow--;
      max = Math.max(max, 2 * block + flow);
    }
    max = Math.max(max, 2 * block + flow);
  }
  return max;
}

const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** A node's range starts at its value; the tag written before it is what to point at. */
function tagStart(text: string, valueStart: number): number {
  let i = valueStart - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  const end = i;
  while (i >= 0 && !/[\s,[{]/.test(text[i]!)) i--;
  return text[i + 1] === '!' && end >= i + 1 ? i + 1 : valueStart;
}

function shortTag(tag: string): string {
  const short = tag.replace('tag:yaml.org,2002:', '!!');
  return short.length > 40 ? `${short.slice(0, 40)}…` : short;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

type At = (offset: number) => SourcePosition;

const problemAtStart = (message: string): { problems: YamlProblem[] } => ({ problems: [{ line: 1, column: 1, message }] });

/**
 * Parses YAML 1.2 (core schema: no `yes`/`no` booleans, no sexagesimal `16:9`, no merge keys, no custom
 * tags), with duplicate keys and more than one document refused. Never throws: every problem comes back with
 * its position.
 */
export function readYaml(text: string): { source?: YamlSource; problems: YamlProblem[] } {
  const lineCounter = new LineCounter();
  const at: At = (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (nestingBound(text) > MAX_NESTING) {
    return problemAtStart(`the manifest nests too deeply (a manifest needs a handful of levels; at most ${MAX_NESTING / 2} are read)`);
  }
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, schema: 'core', version: '1.2', prettyErrors: true, strict: true }) as Document.Parsed[];
  } catch (error) {
    // Pathological input (e.g. nesting deep enough to exhaust the stack).
    return problemAtStart(`cannot parse the YAML: ${firstLine((error as Error).message)}`);
  }
  if (!Array.isArray(docs) || docs.length === 0) return problemAtStart('the manifest is empty');
  const problems = documentProblems(text, docs, at);
  if (problems.length > 0) return { problems };
  const doc = docs[0]!;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return problemAtStart(
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `aliases expand to too many nodes (an "alias bomb"); at most ${MAX_ALIAS_COUNT} alias expansions are allowed`
        : `cannot read the YAML: ${firstLine((error as Error).message)}`,
    );
  }
  if (value === null || value === undefined) return problemAtStart('the manifest is empty');
  return { source: { value, position: positionFinder(doc, at) }, problems: [] };
}

/** The parser's errors and warnings, tags that are not plain data, and a second document. */
function documentProblems(text: string, docs: readonly Document.Parsed[], at: At): YamlProblem[] {
  const problems: YamlProblem[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) {
      const key = e.code === 'DUPLICATE_KEY' ? /^[^:\n]{1,60}/.exec(text.slice(e.pos[0]))?.[0].trim() : undefined;
      problems.push({ ...at(e.pos[0]), message: key ? `duplicate key ${key.startsWith('"') ? key : JSON.stringify(key)}: a key may appear only once in a mapping` : firstLine(e.message) });
    }
    // Tags are reported below, resolved or not.
    for (const w of doc.warnings) if (w.code !== 'TAG_RESOLVE_FAILED') problems.push({ ...at(w.pos[0]), message: firstLine(w.message) });
    // Plain data only: `!!str 5` may force text, but `!!binary`, `!!set` or `!js/function` have no place here.
    visit(doc, (_key, node) => {
      const tag = (node as { tag?: string } | null)?.tag;
      if (tag && !PLAIN_TAGS.has(tag)) {
        const range = (node as { range?: [number, number, number] } | null)?.range;
        problems.push({ ...at(range ? tagStart(text, range[0]) : 0), message: `the tag ${shortTag(tag)} is not allowed in a manifest (plain YAML only)` });
      }
    });
  }
  if (docs.length > 1) {
    const second = docs[1]!;
    problems.push({ ...at(second.range[0]), message: `a manifest is one YAML document; this file has ${docs.length} (split them into separate files)` });
  }
  return problems;
}

/** `YamlSource.position` for one parsed document. */
function positionFinder(doc: Document.Parsed, at: At): YamlSource['position'] {
  const nodeStart = (node: unknown, fallback: SourcePosition): SourcePosition => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? at(range[0]) : fallback;
  };
  return (path, atKey = false) => {
    let node: unknown = doc.contents;
    let pos = nodeStart(node, { line: 1, column: 1 });
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(doc);
      const segment = path[i];
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
        if (!pair) return pos;
        if (atKey && i === path.length - 1) return nodeStart(pair.key, pos);
        // `key:` with no value: the key is the best place to point at.
        next = pair.value ?? pair.key;
        if (!pair.value) return nodeStart(pair.key, pos);
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      } else {
        return pos;
      }
      if (next === undefined || next === null) return pos;
      node = next;
      pos = nodeStart(node, pos);
    }
    return pos;
  };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String((key as Node | null)?.toJSON?.() ?? key);
}
