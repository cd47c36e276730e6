import { createHash } from 'node:crypto';
import { REPORT_SCRIPT_DATA } from './script-data.js';
import { REPORT_SCRIPT_GRID } from './script-grid.js';
import { REPORT_SCRIPT_MARKS } from './script-marks.js';
import { REPORT_SCRIPT_CONTROLS } from './script-controls.js';
import { REPORT_SCRIPT_VIEW } from './script-view.js';
import { REPORT_SCRIPT_COMPARE } from './script-compare.js';
import { REPORT_SCRIPT_START } from './script-start.js';

/**
 * The page's one inline script: its parts share one scope, in this order (each part's top-level statements may
 * use only what the parts before it defined; functions may call any). Constant: built from our source, never from data.
 */
export const REPORT_SCRIPT = `(function () {\n'use strict';\n${[REPORT_SCRIPT_DATA, REPORT_SCRIPT_GRID, REPORT_SCRIPT_MARKS, REPORT_SCRIPT_CONTROLS, REPORT_SCRIPT_VIEW, REPORT_SCRIPT_COMPARE, REPORT_SCRIPT_START].join('\n')}\n})();\n`;

/** The CSP source that allows exactly this script and no other: `'sha256-…'`. */
export const REPORT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(REPORT_SCRIPT, 'utf8').digest('base64')}'`;
