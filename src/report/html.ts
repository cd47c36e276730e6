import { JOB_STATUSES, type Ledger } from '../ledger/types.js';
import { FAVICON_SVG, REPORT_STYLE } from './assets.js';
import { reportDataText, type ReportDataOptions } from './data.js';
import { REPORT_SCRIPT, REPORT_SCRIPT_HASH } from './script.js';
import { html, rawHtml } from '../util/escape-html.js';
import { isRehearsal } from '../ledger/service-identity.js';
import { creditsWord, formatNumber } from '../util/format-number.js';

export type RenderReportOptions = ReportDataOptions;

/**
 * The whole gallery page: one self-contained HTML document that works opened from disk. The server writes only
 * the header (escaped) and the data, once, as compact JSON; the page's one inline script renders the grid the
 * user chooses. The CSP lets exactly that script run (by its hash) and loads nothing from elsewhere: media and
 * posters come from the page's own folder (or the `review` server that serves it), requests only to itself.
 * Yielded in pieces (the markup around the data, the data a thousand takes at a time), so it is never held whole.
 */
export function* reportPageText(ledger: Ledger, options: RenderReportOptions = {}): Generator<string> {
  const jobs = ledger.jobs;
  const manifests = new Map(jobs.map((j) => [j.manifest, j.manifest_name || j.manifest]));
  const totals = ledger.totals;
  const bytes = jobs.reduce((sum, j) => sum + (j.status === 'succeeded' ? (j.bytes ?? 0) : 0), 0);
  const rehearsal = isRehearsal(ledger.service);
  const credits = creditsWord(rehearsal);
  const title = `${manifests.size === 1 ? `${[...manifests.values()][0]} — ` : ''}paiwo-batch ${rehearsal ? 'rehearsal' : 'report'}`;
  const csp = `default-src 'none'; script-src ${REPORT_SCRIPT_HASH}; style-src 'unsafe-inline'; img-src 'self' file: data:; media-src 'self' file:; connect-src 'self'; base-uri 'none'; form-action 'none'`;

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${rawHtml(csp)}">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="${rawHtml(`data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`)}">
<style>${rawHtml(REPORT_STYLE)}</style>
</head>
<body>
<header class="top">
<h1>${title}</h1>
${rehearsal ? html`<p class="meta"><strong>Rehearsal</strong> against the built-in simulator: its credits are simulated (no real credits were spent) and the videos are test takes. Run the manifest without <code>--simulator</code> for real videos.</p>
` : ''}<p class="meta">${options.generatedAt ? html`written ${options.generatedAt} · ` : ''}${formatNumber(totals.jobs)} job${totals.jobs === 1 ? '' : 's'} in ${manifests.size} manifest${manifests.size === 1 ? '' : 's'}</p>
<dl class="totals" id="totals">
${JOB_STATUSES.filter((s) => totals.by_status[s] > 0).map((s) => html`<div class="chip s-${s}"><dt>${s}</dt><dd data-total="${s}">${formatNumber(totals.by_status[s])}</dd></div>`)}
<div class="chip"><dt>${credits} spent</dt><dd data-total="credits_spent">${formatNumber(totals.credits_spent)}</dd></div>
<div class="chip"><dt>${credits} refunded</dt><dd data-total="credits_refunded">${formatNumber(totals.credits_refunded)}</dd></div>
${totals.credits_unknown > 0 ? html`<div class="chip"><dt>${credits} not known</dt><dd data-total="credits_unknown">${formatNumber(totals.credits_unknown)}</dd></div>` : ''}
<div class="chip"><dt>video data</dt><dd>${formatBytes(bytes)}</dd></div>
</dl>
<p class="notice" id="notice" hidden></p>
<noscript><p class="notice">This report is a review tool and needs JavaScript; the facts are in ledger.json beside it.</p></noscript>
<div id="controls"></div>
<div class="bar"><span id="shown" aria-live="polite"></span><button type="button" id="download">Download picks.json</button><button type="button" id="download-csv">Export marks as CSV</button><span id="saved" aria-live="polite"></span></div>
<p class="hint" id="promote" hidden>Re-render the favourites at full quality with the seed the service used: <code>npx paiwo-batch promote &lt;this folder&gt; --picks &lt;this folder&gt;/picks.json --quality 1080p -o promoted.yaml</code></p>
</header>
<main id="grid"></main>
<script type="application/json" id="paiwo-data">`;
  yield page.value;
  yield* reportDataText(ledger, options);
  yield html`</script>
<script>${rawHtml(REPORT_SCRIPT)}</script>
</body>
</html>
`.value;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
