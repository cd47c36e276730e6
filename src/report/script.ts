import { createHash } from 'node:crypto';
import { REPORT_SCRIPT_GRID } from './script-grid.js';
import { REPORT_SCRIPT_VIEW } from './script-view.js';

/** The page's one inline script (the two halves share one scope). Constant: built from our source, never from data. */
export const REPORT_SCRIPT = `(function () {\n'use strict';\n${REPORT_SCRIPT_GRID}\n${REPORT_SCRIPT_VIEW}\n})();\n`;

/** The CSP source that allows exactly this script and no other: `'sha256-…'`. */
export const REPORT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(REPORT_SCRIPT, 'utf8').digest('base64')}'`;
