import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The pipeline's arrows, checked: every relative import in src/ points from a higher layer to a lower one (or
 * stays inside its own room), no two files import each other (directly or through a loop), no room holds more
 * than a fifth of the code, and only cli/ knows commander. ARCHITECTURE.md draws the same layers.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['util', 'model'],
  ['errors'],
  ['manifest'],
  ['api', 'ledger', 'download', 'simulator'],
  ['report'],
  ['scheduler'],
  ['display'],
  ['run-batch'],
  ['commands'],
  ['cli'],
  ['index'],
];

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Top-level files that are one room with another: run-batch's folder planning is its first step. */
const SAME_ROOM: Readonly<Record<string, string>> = { 'plan-folders': 'run-batch' };

/** A file's room: its top folder under src/, or its own name for a top-level file. */
function roomOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  const room = parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
  return SAME_ROOM[room] ?? room;
}

function layerOf(room: string): number {
  const layer = LAYERS.findIndex((rooms) => rooms.includes(room));
  if (layer < 0) throw new Error(`src/${room} is in no layer: add it to LAYERS here and to ARCHITECTURE.md`);
  return layer;
}

/** Relative imports of a file (static, dynamic and type-only), as absolute paths of the .ts files they name. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.\.?\/[^'"]+)['"]/gm)].map((m) => join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

const files = sourceFiles(SRC);
const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const graph = new Map(files.map((f) => [f, importsOf(f, texts.get(f)!)]));

/** The files of every import loop (Tarjan's strongly connected components of more than one file, or a self-import). */
function loops(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(relative(SRC, w));
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe('src/ imports point down the pipeline', () => {
  it('resolves every relative import to a file that exists', () => {
    const missing = [...graph].flatMap(([f, targets]) => targets.filter((t) => !texts.has(t)).map((t) => `${relative(SRC, f)} → ${relative(SRC, t)}`));
    expect(missing).toEqual([]);
  });

  it('imports only from its own room or a lower layer', () => {
    const upward = [...graph].flatMap(([f, targets]) =>
      targets
        .filter((t) => roomOf(t) !== roomOf(f) && layerOf(roomOf(t)) >= layerOf(roomOf(f)))
        .map((t) => `${relative(SRC, f)} → ${relative(SRC, t)}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import loop between files', () => {
    expect(loops()).toEqual([]);
  });

  it('keeps every room at most a fifth of the code, and results/ is gone', () => {
    const lines = new Map<string, number>();
    let total = 0;
    for (const [f, text] of texts) {
      const n = text.split('\n').length;
      total += n;
      lines.set(roomOf(f), (lines.get(roomOf(f)) ?? 0) + n);
    }
    const over = [...lines].filter(([, n]) => n / total > 0.2).map(([room, n]) => `${room}: ${((100 * n) / total).toFixed(1)} %`);
    expect(over).toEqual([]);
    expect(lines.has('results')).toBe(false);
  });

  it('lets only cli/ know commander', () => {
    const outside = [...texts].filter(([f, text]) => roomOf(f) !== 'cli' && /from ['"]commander['"]/.test(text)).map(([f]) => relative(SRC, f));
    expect(outside).toEqual([]);
  });
});
