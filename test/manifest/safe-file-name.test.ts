import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { promptSlug } from '../../src/manifest/prompt-id.js';
import { fileCollisionKey, finishFilePath, MAX_SEGMENT_BYTES, patternEscape, resolveOutputPath, safeLiteral, safeValue } from '../../src/manifest/safe-file-name.js';

describe('file names', () => {
  it('keeps plain names and appends .mp4 once', () => {
    expect(finishFilePath('cat_16x9_540p_5s_seed1')).toBe('cat_16x9_540p_5s_seed1.mp4');
    expect(finishFilePath('videos/cat.MP4')).toBe('videos/cat.mp4');
  });

  it('a separator inside a value never makes a folder', () => {
    expect(finishFilePath(safeValue('../../etc/passwd'))).toBe('.._.._etc_passwd.mp4');
    expect(finishFilePath(safeValue('a\\b/c'))).toBe('a_b_c.mp4');
  });

  it('drops empty, "." and ".." segments and leading slashes', () => {
    expect(finishFilePath('/a//./b/../c')).toBe('a/b/_/c.mp4');
    expect(finishFilePath('..')).toBe('_.mp4');
    expect(finishFilePath('')).toBe('_.mp4');
  });

  it('removes control and bidi characters and replaces characters Windows forbids', () => {
    expect(finishFilePath(safeValue('a\u0000b\u001fc\u007f\u202edoc<>:"|?*'))).toBe('abcdoc_______.mp4');
    expect(safeLiteral('x\\y:z')).toBe('x/y_z');
  });

  it('never produces reserved Windows names, trailing dots or spaces', () => {
    expect(finishFilePath('CON')).toBe('_CON.mp4');
    expect(finishFilePath('out/nul.txt/lpt1')).toBe('out/_nul.txt/_lpt1.mp4');
    expect(finishFilePath('dir. . /name ')).toBe('dir/name.mp4');
    expect(finishFilePath('console')).toBe('console.mp4');
  });

  it('cuts long segments to 120 bytes on a character boundary, keeping them distinct', () => {
    const a = finishFilePath(`${'猫'.repeat(200)}a`);
    const b = finishFilePath(`${'猫'.repeat(200)}b`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^猫+~[0-9a-f]{8}\.mp4$/);
    const dir = finishFilePath(`${'x'.repeat(300)}/y`);
    expect(Buffer.byteLength(dir.split('/')[0]!)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
  });

  it('normalises to NFC, and collisions are found case-insensitively', () => {
    expect(finishFilePath('Cafe\u0301')).toBe('Caf\u00e9.mp4');
    expect(fileCollisionKey(finishFilePath('Cat'))).toBe(fileCollisionKey(finishFilePath('cAT')));
  });

  it('refuses patterns that point outside the output folder', () => {
    expect(patternEscape('../{prompt}')).toMatch(/\.\./);
    expect(patternEscape('a/../../{prompt}')).toMatch(/\.\./);
    expect(patternEscape('/etc/{prompt}')).toMatch(/relative/);
    expect(patternEscape('C:\\x\\{prompt}')).toMatch(/relative/);
    expect(patternEscape('{prompt}/{seed}..x')).toBeUndefined();
  });

  it('resolveOutputPath accepts only paths inside the folder', () => {
    const out = path.resolve('/tmp/out');
    expect(resolveOutputPath(out, 'a/b.mp4')).toBe(path.join(out, 'a/b.mp4'));
    expect(resolveOutputPath(out, '..foo.mp4')).toBe(path.join(out, '..foo.mp4'));
    expect(() => resolveOutputPath(out, '../x.mp4')).toThrow(/leave the output folder/);
    expect(() => resolveOutputPath(out, '/etc/passwd')).toThrow(/leave the output folder/);
    expect(() => resolveOutputPath(out, '')).toThrow();
  });
});

describe('prompt ids of plain-text prompts', () => {
  it('are readable slugs that keep CJK', () => {
    expect(promptSlug('A red fox, running!')).toBe('a-red-fox-running');
    expect(promptSlug('一只{animal}在草地上玩耍')).toBe('一只-animal-在草地上玩耍');
    expect(promptSlug('ＡＢＣ')).toBe('abc');
  });

  it('are short, stable and safe for any text', () => {
    const long = promptSlug('word '.repeat(2000));
    expect([...long].length).toBeLessThanOrEqual(47);
    expect(long).toBe(promptSlug('word '.repeat(2000)));
    expect(long).toMatch(/-[0-9a-f]{6}$/);
    expect(promptSlug('../../etc/passwd')).toBe('etc-passwd');
    expect(promptSlug('😺😺')).toMatch(/^p-[0-9a-f]{8}$/);
    expect(promptSlug('\u0000\u0007')).toMatch(/^p-[0-9a-f]{8}$/);
  });
});
