import { JOB_STATUSES, type Ledger, type LedgerJob } from './ledger-types.js';
import { axisKey, axisNames, axisValues, layoutReport, promptOf, type PromptText, type ReportSection } from './report-layout.js';
import { REPORT_SCRIPT, REPORT_STYLE } from './report-assets.js';
import { isRehearsal } from './service-identity.js';
import { html, jsonForScript, rawHtml, relativeFileUrl, type SafeHtml } from '../util/escape-html.js';

export interface RenderReportOptions {
  /** Ids of succeeded jobs whose file is not in the output folder (shown as labelled empty cells). */
  readonly missingFiles?: ReadonlySet<string>;
  /** ISO time the page was written. */
  readonly generatedAt?: string;
  /** Past this many videos the page loads metadata only for videos scrolled into view. @default 200 */
  readonly eagerVideoLimit?: number;
}

/** The whole gallery page: one self-contained HTML document (inline CSS and script, videos by relative path). */
export function renderReport(ledger: Ledger, options: RenderReportOptions = {}): string {
  const jobs = ledger.jobs;
  const sections = layoutReport(jobs);
  const filterAxes = axisNames(jobs)
    .map((name) => ({ name, values: axisValues(jobs, name) }))
    .filter((a) => a.values.length > 1);
  const videos = jobs.filter((j) => j.status === 'succeeded').length;
  const ctx: CardContext = {
    missing: options.missingFiles ?? new Set(),
    filterAxes: filterAxes.map((a) => a.name),
    preload: videos > (options.eagerVideoLimit ?? 200) ? 'none' : 'metadata',
  };
  const totals = ledger.totals;
  const bytes = jobs.reduce((sum, j) => sum + (j.status === 'succeeded' ? (j.bytes ?? 0) : 0), 0);
  const rehearsal = isRehearsal(ledger.service);
  const title = `${sections.length === 1 ? `${sections[0]?.name} — ` : ''}paiwo-batch ${rehearsal ? 'rehearsal' : 'report'}`;

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; media-src 'self' file: http: https:; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${title}</title>
<style>${rawHtml(REPORT_STYLE)}</style>
</head>
<body>
<header class="top">
<h1>${title}</h1>
${rehearsal ? html`<p class="meta"><strong>Rehearsal</strong> against the built-in simulator: no credits were spent and the videos are test takes. Run the manifest without <code>--simulator</code> for real videos.</p>
` : ''}<p class="meta">${options.generatedAt ? html`written ${options.generatedAt} · ` : ''}${totals.jobs} job${totals.jobs === 1 ? '' : 's'} in ${sections.length} manifest${sections.length === 1 ? '' : 's'}</p>
<dl class="totals" id="totals">
${JOB_STATUSES.filter((s) => totals.by_status[s] > 0).map((s) => html`<div class="chip s-${s}"><dt>${s}</dt><dd data-total="${s}">${totals.by_status[s]}</dd></div>`)}
<div class="chip"><dt>credits spent</dt><dd data-total="credits_spent">${totals.credits_spent}</dd></div>
<div class="chip"><dt>credits refunded</dt><dd data-total="credits_refunded">${totals.credits_refunded}</dd></div>
${totals.credits_unknown > 0 ? html`<div class="chip"><dt>credits not known</dt><dd data-total="credits_unknown">${totals.credits_unknown}</dd></div>` : ''}
<div class="chip"><dt>video data</dt><dd>${formatBytes(bytes)}</dd></div>
</dl>
${renderFilters(jobs, filterAxes)}
<p class="shown" id="shown" aria-live="polite"></p>
</header>
<main>
${sections.length === 0 ? html`<p class="nothing">The ledger has no jobs yet.</p>` : sections.map((s, i) => renderSection(s, i, ctx))}
</main>
<script type="application/json" id="paiwo-data">${rawHtml(jsonForScript(reportData(ledger)))}</script>
<script>${rawHtml(REPORT_SCRIPT)}</script>
</body>
</html>
`;
  return page.value;
}

interface CardContext {
  readonly missing: ReadonlySet<string>;
  /** Global filter axes; every card carries `data-f<i>` for each. */
  readonly filterAxes: readonly string[];
  readonly preload: 'metadata' | 'none';
}

function renderFilters(jobs: readonly LedgerJob[], axes: readonly { name: string; values: readonly string[] }[]): SafeHtml {
  const statuses = JOB_STATUSES.filter((s) => jobs.some((j) => j.status === s));
  const group = (key: string, label: string, values: readonly string[]): SafeHtml =>
    html`<fieldset class="filter" data-filter="${key}"><legend>${label} <button type="button" data-all="${key}">all</button><button type="button" data-none="${key}">none</button></legend>
${values.map((v) => html`<label><input type="checkbox" checked data-filter="${key}" value="${v}"> ${v}</label>`)}
</fieldset>`;
  return html`<form class="filters" id="filters" onsubmit="return false">
${group('status', 'status', statuses)}
${axes.map((a, i) => group(`f${i}`, a.name, a.values))}
</form>`;
}

function renderSection(section: ReportSection, index: number, ctx: CardContext): SafeHtml {
  const counts = JOB_STATUSES.map((s) => [s, section.jobs.filter((j) => j.status === s).length] as const).filter(([, n]) => n > 0);
  const { rowAxis, columnAxes, columns } = section;
  const headerRows = columnAxes.map((axis, level) => {
    // Consecutive columns sharing the same keys up to this level form one header cell; the script re-spans it.
    const spans: { start: number; end: number; key: string }[] = [];
    columns.forEach((col, c) => {
      const prefix = col.keys.slice(0, level + 1).join('\u0000');
      const last = spans[spans.length - 1];
      if (last && columns[last.start]?.keys.slice(0, level + 1).join('\u0000') === prefix) last.end = c;
      else spans.push({ start: c, end: c, key: col.keys[level] ?? '' });
    });
    const leaf = level === columnAxes.length - 1;
    return html`<tr>${level === 0 ? html`<th class="corner" rowspan="${columnAxes.length}">${rowAxis ? rowAxis.name : ''}${rowAxis ? html` \\ ` : ''}${columnAxes.map((a) => a.name).join(' × ')}</th>` : ''}${spans.map(
      (s) =>
        html`<th scope="col" colspan="${s.end - s.start + 1}" data-c0="${s.start}" data-c1="${s.end}"${leaf ? html` data-col="${s.start}"` : ''}><span class="axis">${axis.name}</span> ${s.key}</th>`,
    )}</tr>`;
  });
  return html`<section class="manifest" id="m${index}" data-cols="${columns.length}">
<h2>${section.name} <small>${section.manifest}</small></h2>
<p class="counts">${section.jobs.length} job${section.jobs.length === 1 ? '' : 's'}: ${counts.map(([s, n], i) => html`${i > 0 ? ', ' : ''}<span class="s-${s}">${n} ${s}</span>`)}</p>
${section.constants.length > 0 ? html`<dl class="constants">${section.constants.map((c) => html`<div><dt>${c.name}</dt><dd>${c.value}</dd></div>`)}</dl>` : ''}
${section.prompt !== null ? renderPrompt(section.prompt, 'section-prompt') : ''}
${section.innerAxes.length > 0 ? html`<p class="hint">Side by side in each cell: ${section.innerAxes.map((a) => a.name).join(', ')}.</p>` : ''}
<div class="scroll"><table class="grid">
${headerRows.length > 0 ? html`<thead>${headerRows}</thead>` : ''}
<tbody>
${section.rows.map(
  (row) => html`<tr data-row="${row.key}">${rowAxis ? html`<th scope="row"><span class="axis">${rowAxis.name}</span> ${row.key}${row.prompt !== null && section.prompt === null ? renderPrompt(row.prompt) : ''}</th>` : ''}${row.cells.map(
    (cell, c) => html`<td data-col="${c}"${cell.length === 0 ? html` class="none"` : ''}><div class="group">${cell.map((job) => renderCard(job, section, row.prompt, ctx))}</div></td>`,
  )}</tr>`,
)}
</tbody>
</table></div>
</section>`;
}

function renderPrompt(prompt: PromptText, extraClass = ''): SafeHtml {
  return html`<p class="prompt${extraClass ? ` ${extraClass}` : ''}">${prompt.input}</p>${prompt.negative !== null ? html`<p class="negative"><span class="axis">negative</span> ${prompt.negative}</p>` : ''}`;
}

function renderCard(job: LedgerJob, section: ReportSection, rowPrompt: PromptText | null, ctx: CardContext): SafeHtml {
  const missing = job.status === 'succeeded' && ctx.missing.has(job.id);
  const src = job.status === 'succeeded' && !missing ? relativeFileUrl(job.file) : null;
  const ratio = /^(\d{1,2}):(\d{1,2})$/.exec(job.request?.aspect_ratio ?? '');
  const style = ratio ? html` style="aspect-ratio:${ratio[1]}/${ratio[2]}"` : '';
  const filters = ctx.filterAxes.map((axis, i) => html` data-f${i}="${axisKey(job, axis)}"`);
  const label = missing ? 'file missing' : job.status === 'succeeded' && !src ? 'unsafe file path' : job.status;
  const showPrompt = section.prompt === null && rowPrompt === null;
  const inner = section.innerAxes.map((a) => html`<span class="axis">${a.name}</span> ${axisKey(job, a.name)} `);
  return html`<figure class="job s-${job.status}" data-status="${job.status}" data-id="${job.id}"${filters}>
${src ? html`<video src="${src}" controls muted loop playsinline preload="${ctx.preload}"${style}></video>` : html`<div class="empty"${style}><strong>${label}</strong>${job.error ? html`<span class="error"><code>${String(job.error.code)}</code> ${job.error.message}</span>` : ''}</div>`}
<figcaption>
${inner.length > 0 ? html`<div class="inner">${inner}</div>` : ''}${showPrompt ? renderPrompt(promptOf(job)) : ''}
<div class="facts"><span class="status s-${job.status}">${job.status}</span> <span title="seed asked → seed used">seed ${job.seed_requested ?? 'any'} → ${job.seed ?? '?'}</span> <span>${job.credits !== null ? `${job.credits} cr` : `~${job.estimated_credits} cr est.`}</span> <span>${job.request?.duration ?? '?'} s</span>${job.width && job.height ? html` <span>${job.width}×${job.height}</span>` : ''}${job.bytes !== null ? html` <span>${formatBytes(job.bytes)}</span>` : ''}${job.has_audio === true ? html` <span>audio</span>` : ''}</div>
<div class="ids">${job.video_id ? html`<span>video <code>${job.video_id}</code></span> ` : ''}<span>job <code>${job.id}</code></span></div>
${src ? html`<a class="file" href="${src}">${job.file}</a>` : html`<span class="file">${job.file}</span>`}
</figcaption>
</figure>`;
}

/** What the page embeds for scripts and people who save it: the facts of each job, no request secrets (there are none). */
function reportData(ledger: Ledger): unknown {
  return {
    version: ledger.version,
    totals: ledger.totals,
    jobs: ledger.jobs.map((j) => ({
      id: j.id,
      manifest: j.manifest,
      status: j.status,
      axes: j.axes,
      prompt: j.request?.input,
      video_id: j.video_id,
      seed_requested: j.seed_requested,
      seed: j.seed,
      credits: j.credits,
      file: j.file,
      bytes: j.bytes,
      error: j.error,
    })),
  };
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
