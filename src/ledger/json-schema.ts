import * as z from 'zod';
import { ledgerSchema } from './schema.js';

/**
 * The JSON Schema of `ledger.json`, for tools that read ledgers, generated from the zod schema so the two never
 * disagree. Draft-07, like the manifest's. It describes the file as it may be found (`io: input`): a field with a
 * default may be missing (an older ledger), and fields it does not name are allowed (they are kept).
 */
export function ledgerJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ledgerSchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
}

/** The committed file's exact text. */
export function renderLedgerJsonSchema(): string {
  return `${JSON.stringify(ledgerJsonSchema(), null, 2)}\n`;
}
