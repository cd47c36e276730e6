import { describe, expect, it } from 'vitest';
import { underCI, verdictFor, type Requirement } from './requirements.js';

const present: Requirement = { name: 'tool-a', available: true, missing: 'never shown' };
const absent: Requirement = { name: 'Chromium', available: false, missing: 'no browser at /usr/bin/chromium; install it with "apt-get install -y chromium"' };

describe('what a test does when something it needs is missing', () => {
  it('runs when everything is there, CI or not', () => {
    expect(verdictFor([present], {})).toEqual({ run: true });
    expect(verdictFor([present], { CI: 'true' })).toEqual({ run: true });
  });

  it('is skipped with the reason on a developer machine, and fails under CI', () => {
    const reason = 'Chromium is missing: no browser at /usr/bin/chromium; install it with "apt-get install -y chromium"';
    expect(verdictFor([present, absent], {})).toEqual({ run: false, fail: false, reason });
    expect(verdictFor([present, absent], { CI: 'true' })).toEqual({ run: false, fail: true, reason });
    expect(verdictFor([absent], { CI: '1' })).toMatchObject({ fail: true });
  });

  it('reads CI as GitHub Actions and most CIs set it; "false", "0" or empty mean not CI', () => {
    for (const value of ['true', '1', 'yes', 'TRUE']) expect(underCI({ CI: value }), value).toBe(true);
    for (const value of [undefined, '', '0', 'false', 'False']) expect(underCI(value === undefined ? {} : { CI: value }), String(value)).toBe(false);
  });
});
