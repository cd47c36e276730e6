import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

/**
 * `engines` says Node ≥ 20.10; these APIs arrived later, so code using them would not even load there (a named
 * import of a missing export is a SyntaxError at link time). The list is the newer APIs one might reach for.
 */
const NEWER_THAN_20_10: readonly { readonly pattern: RegExp; readonly api: string }[] = [
  { pattern: /import\s*\{[^}]*\bhash\b[^}]*\}\s*from\s*'node:crypto'/, api: 'crypto.hash (20.12)' },
  { pattern: /\bcrypto\.hash\(/, api: 'crypto.hash (20.12)' },
  { pattern: /import\.meta\.(dirname|filename)/, api: 'import.meta.dirname/filename (20.11)' },
  { pattern: /Promise\.withResolvers|Array\.fromAsync|Object\.groupBy|Map\.groupBy|URL\.parse\(/, api: 'ES2024 built-ins (Node 21/22)' },
  { pattern: /\bstyleText\b|loadEnvFile|getBuiltinModule|getCallSites/, api: 'util/process APIs of Node 20.12+ / 21+ / 22+' },
  { pattern: /import\s*\{[^}]*\bglob\b[^}]*\}\s*from\s*'node:fs/, api: 'fs.glob (22)' },
];

describe('the engines floor is true', () => {
  it('package.json admits Node 20.10 and no source file uses an API newer than that', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20.10');
    const files = (await readdir(path.join(ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const f of files) {
      const text = await readFile(path.join(ROOT, 'src', f), 'utf8');
      for (const { pattern, api } of NEWER_THAN_20_10) if (pattern.test(text)) found.push(`src/${f}: ${api}`);
    }
    expect(found).toEqual([]);
  });
});
