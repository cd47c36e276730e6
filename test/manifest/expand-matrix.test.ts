import { describe, expect, it } from 'vitest';
import { combinationRecord, expandMatrix, type MatrixSpec } from '../../src/manifest/expand-matrix.js';

/** The examples of GitHub's "Using a matrix for your jobs" page, with the results that page documents. */
function records(spec: MatrixSpec): Record<string, unknown>[] {
  return expandMatrix(spec).combinations.map((c) => combinationRecord(spec, c));
}

describe('expandMatrix follows GitHub Actions matrix rules', () => {
  it('varies the first axis slowest', () => {
    expect(records({ axes: [{ key: 'a', values: [1, 2] }, { key: 'b', values: ['x', 'y'] }] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('include: extends matching originals, overwrites only added values, else adds a new combination', () => {
    const spec: MatrixSpec = {
      axes: [
        { key: 'fruit', values: ['apple', 'pear'] },
        { key: 'animal', values: ['cat', 'dog'] },
      ],
      include: [{ color: 'green' }, { color: 'pink', animal: 'cat' }, { fruit: 'apple', shape: 'circle' }, { fruit: 'banana' }, { fruit: 'banana', animal: 'cat' }],
    };
    expect(records(spec)).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });

  it('include: a full match adds keys to that one combination', () => {
    const spec: MatrixSpec = {
      axes: [
        { key: 'os', values: ['windows-latest', 'ubuntu-latest'] },
        { key: 'node', values: [14, 16] },
      ],
      include: [{ os: 'windows-latest', node: 16, npm: 6 }],
    };
    const out = records(spec);
    expect(out).toHaveLength(4);
    expect(out.filter((r) => r.npm === 6)).toEqual([{ os: 'windows-latest', node: 16, npm: 6 }]);
  });

  it('exclude: a partial match removes every combination it matches', () => {
    const spec: MatrixSpec = {
      axes: [
        { key: 'os', values: ['macos-latest', 'windows-latest'] },
        { key: 'version', values: [12, 14, 16] },
        { key: 'environment', values: ['staging', 'production'] },
      ],
      exclude: [{ os: 'macos-latest', version: 12, environment: 'production' }, { os: 'windows-latest', version: 16 }],
    };
    const out = records(spec);
    expect(out).toHaveLength(9);
    expect(out).not.toContainEqual({ os: 'macos-latest', version: 12, environment: 'production' });
    expect(out.filter((r) => r.os === 'windows-latest' && r.version === 16)).toEqual([]);
    expect(expandMatrix(spec).problems).toEqual([]);
  });

  it('a matrix of only include runs each entry', () => {
    const spec: MatrixSpec = {
      axes: [],
      include: [
        { site: 'production', datacenter: 'site-a' },
        { site: 'staging', datacenter: 'site-b' },
      ],
    };
    expect(records(spec)).toEqual([
      { site: 'production', datacenter: 'site-a' },
      { site: 'staging', datacenter: 'site-b' },
    ]);
  });

  it('applies exclude before include, so include can bring an excluded combination back', () => {
    const spec: MatrixSpec = {
      axes: [
        { key: 'a', values: [1, 2] },
        { key: 'b', values: [1, 2] },
      ],
      exclude: [{ a: 2 }],
      include: [{ a: 2, b: 2, extra: true }],
    };
    expect(records(spec)).toEqual([{ a: 1, b: 1 }, { a: 1, b: 2 }, { a: 2, b: 2, extra: true }]);
  });

  it('reports exclude keys that are not axes (an error) and entries matching nothing (a warning)', () => {
    const { problems } = expandMatrix({
      axes: [{ key: 'quality', values: ['540p'] }],
      exclude: [{ qualty: '540p' }, { quality: '720p' }],
    });
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'error', path: ['matrix', 'exclude', 0, 'qualty'], message: expect.stringContaining('did you mean "quality"') }),
      expect.objectContaining({ severity: 'warning', path: ['matrix', 'exclude', 1] }),
    ]);
  });

  it('uses the given equality (prompts match by id or text)', () => {
    const prompts = [{ id: 'cat', text: 'A cat' }, { id: 'dog', text: 'A dog' }];
    const spec: MatrixSpec = {
      axes: [{ key: 'prompt', values: prompts }],
      exclude: [{ prompt: 'A dog' }],
      equals: (_k, axis, entry) => (axis as { id: string }).id === entry || (axis as { text: string }).text === entry,
    };
    expect(records(spec)).toEqual([{ prompt: prompts[0] }]);
  });
});
