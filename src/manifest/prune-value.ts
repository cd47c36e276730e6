import type { PathSegment } from './yaml-source.js';

/** A copy of plain data with some nodes removed, and the way back from its paths to the original's. */
export interface PrunedValue {
  readonly value: unknown;
  /** The original path of a path into `value` (list indexes shift when items before them are removed). */
  toOriginal(path: readonly PathSegment[]): PathSegment[];
}

interface Trie {
  remove: boolean;
  readonly children: Map<string, Trie>;
}

/** Sets a key even when it is `__proto__`: a hostile key must stay data, never become a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Removes the nodes at `paths` (original paths: a mapping key, a list item) from plain YAML data without
 * touching the input. Untouched subtrees are shared, not copied. Removing the root is not possible (an empty
 * path is ignored).
 */
export function pruneValue(value: unknown, paths: readonly (readonly PathSegment[])[]): PrunedValue {
  const root: Trie = { remove: false, children: new Map() };
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    for (const segment of path) {
      const key = String(segment);
      let child = node.children.get(key);
      if (!child) node.children.set(key, (child = { remove: false, children: new Map() }));
      node = child;
    }
    node.remove = true;
  }
  // Which original index each item of a pruned list came from.
  const indexMaps = new WeakMap<object, number[]>();
  const build = (node: unknown, trie: Trie | undefined): unknown => {
    if (!trie || trie.children.size === 0 || node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      const map: number[] = [];
      node.forEach((item, i) => {
        const t = trie.children.get(String(i));
        if (t?.remove) return;
        out.push(build(item, t));
        map.push(i);
      });
      indexMaps.set(out, map);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) {
      const t = trie.children.get(key);
      if (!t?.remove) setOwn(out, key, build(item, t));
    }
    return out;
  };
  const pruned = build(value, root);
  return {
    value: pruned,
    toOriginal(path) {
      const out: PathSegment[] = [];
      let v: unknown = pruned;
      for (const segment of path) {
        if (Array.isArray(v) && typeof segment === 'number') {
          out.push(indexMaps.get(v)?.[segment] ?? segment);
          v = v[segment];
        } else {
          out.push(segment);
          v = v !== null && typeof v === 'object' && Object.hasOwn(v, segment) ? (v as Record<PropertyKey, unknown>)[segment] : undefined;
        }
      }
      return out;
    },
  };
}
