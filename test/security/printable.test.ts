import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/errors/manifest-error.js';
import { printable, printableJson, printableLine } from '../../src/util/printable.js';

describe('printable text for a terminal', () => {
  it('escapes ESC/CSI/OSC, BEL, CR, DEL, C1 and bidi overrides; keeps the text and (in printable) lines and tabs', () => {
    const hostile = 'a\u001b[31mred\u001b]0;title\u0007\r\u007f\u009b2J\u202eb\n\tc';
    expect(printable(hostile)).toBe('a\\x1b[31mred\\x1b]0;title\\x07\\x0d\\x7f\\x9b2J\\u202eb\n\tc');
    expect(printableLine(hostile)).toBe('a\\x1b[31mred\\x1b]0;title\\x07\\x0d\\x7f\\x9b2J\\u202eb\\x0a\\x09c');
    expect(printable('plain 中文 ✓')).toBe('plain 中文 ✓');
  });

  it('JSON stays valid with the same values, and carries no raw C1 or bidi control', () => {
    const value = { s: 'x\u009by\u202ez\u001b' };
    const text = printableJson(JSON.stringify(value));
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('a manifest diagnostic quoting a hostile value prints it escaped on one line', () => {
    const line = formatDiagnostic({ severity: 'error', file: 'm.yaml', line: 3, column: 5, path: 'matrix.prompt[0]', message: 'bad "\u001b]0;x\u0007"' } as never);
    expect(line).toBe('m.yaml:3:5  matrix.prompt[0]  bad "\\x1b]0;x\\x07"');
  });
});
