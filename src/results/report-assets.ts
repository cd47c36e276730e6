/** The report's inline stylesheet: constant, written here, never built from data. */
export const REPORT_STYLE = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --line: #d2d2d7; --bg: #fff; --card: #f5f5f7;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --info: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --line: #424245; --bg: #111; --card: #1d1d1f; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--fg); background: var(--bg); }
header.top { padding: 16px 20px 8px; border-bottom: 1px solid var(--line); position: sticky; left: 0; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 4px; }
h2 small, .meta, .hint, .counts { color: var(--muted); font-weight: normal; font-size: 13px; }
dl { margin: 0; }
.totals, .constants { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.chip, .constants div { display: flex; gap: 6px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 999px; }
.chip dt, .constants dt { color: var(--muted); }
.chip dd, .constants dd { margin: 0; font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.filter { border: 1px solid var(--line); border-radius: 8px; padding: 4px 8px; margin: 0; max-height: 8.5em; overflow: auto; }
.filter legend { font-weight: 600; padding: 0 4px; }
.filter legend button { font-size: 11px; margin-left: 4px; }
.filter label { display: inline-block; margin-right: 10px; white-space: nowrap; }
.shown { color: var(--muted); margin: 4px 0 0; }
main { padding: 12px 20px 40px; }
section.manifest { margin-bottom: 32px; }
.prompt { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
.section-prompt { font-size: 15px; }
.negative { margin: 2px 0 4px; color: var(--muted); font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.scroll { overflow: auto; max-width: 100%; }
table.grid { border-collapse: collapse; }
.grid th, .grid td { border: 1px solid var(--line); padding: 6px; vertical-align: top; text-align: left; }
.grid thead th { position: sticky; top: 0; background: var(--bg); white-space: nowrap; }
.grid tbody th { position: sticky; left: 0; background: var(--bg); min-width: 140px; max-width: 260px; font-weight: normal; }
.axis { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
td.none { background: repeating-linear-gradient(45deg, transparent 0 6px, var(--card) 6px 12px); min-width: 60px; }
.group { display: flex; gap: 6px; }
figure.job { margin: 0; width: 220px; background: var(--card); border-radius: 8px; overflow: hidden; border: 2px solid transparent; }
figure.job video, figure.job .empty { display: block; width: 100%; aspect-ratio: 16 / 9; max-height: 300px; background: #000; object-fit: contain; }
figure.job .empty { display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 4px;
  padding: 8px; background: transparent; border-bottom: 1px dashed var(--line); text-align: center; overflow: auto; }
.empty strong { text-transform: uppercase; letter-spacing: .05em; }
.empty .error { font-size: 12px; overflow-wrap: anywhere; }
figcaption { padding: 6px 8px; font-size: 12px; }
.facts span, .ids span { white-space: nowrap; margin-right: 6px; }
.ids, .file { color: var(--muted); overflow-wrap: anywhere; }
.file { display: block; font-size: 11px; }
code { font: 11px ui-monospace, SFMono-Regular, Menlo, monospace; }
.status { font-weight: 600; }
.s-succeeded.status, span.s-succeeded, .chip.s-succeeded dd { color: var(--ok); }
.s-failed.status, .s-moderated.status, span.s-failed, span.s-moderated, .chip.s-failed dd, .chip.s-moderated dd { color: var(--bad); }
.s-unknown.status, span.s-unknown, .chip.s-unknown dd, .s-skipped.status, span.s-skipped, .chip.s-skipped dd { color: var(--warn); }
figure.s-failed, figure.s-moderated { border-color: var(--bad); }
figure.s-unknown, figure.s-skipped { border-color: var(--warn); }
figure.s-submitted, figure.s-submitting, figure.s-pending { border-color: var(--info); }
.nothing { color: var(--muted); }
`;

/**
 * The report's inline script: filters by status and by every axis through `data-*` attributes, hides rows and
 * columns left empty (re-spanning grouped column headers), and defers video metadata on very large pages.
 * Works on the attributes the server rendered; it never reads data into markup.
 */
export const REPORT_SCRIPT = `
(() => {
  const form = document.getElementById('filters');
  const cards = Array.from(document.querySelectorAll('figure.job'));
  const sections = Array.from(document.querySelectorAll('section.manifest'));
  const shown = document.getElementById('shown');
  function apply() {
    const allowed = new Map();
    for (const box of form.querySelectorAll('input[data-filter]')) {
      const key = box.getAttribute('data-filter');
      if (!allowed.has(key)) allowed.set(key, new Set());
      if (box.checked) allowed.get(key).add(box.value);
    }
    let visible = 0;
    for (const card of cards) {
      let ok = true;
      for (const [key, values] of allowed) {
        const value = key === 'status' ? card.getAttribute('data-status') : card.getAttribute('data-' + key);
        if (value !== null && !values.has(value)) { ok = false; break; }
      }
      card.hidden = !ok;
      if (ok) visible++;
    }
    for (const section of sections) {
      const cols = Number(section.getAttribute('data-cols')) || 0;
      const colVisible = new Array(cols).fill(false);
      for (const tr of section.querySelectorAll('tbody tr')) {
        let any = false;
        for (const td of tr.querySelectorAll('td[data-col]')) {
          if (td.querySelector('figure.job:not([hidden])')) { any = true; colVisible[Number(td.getAttribute('data-col'))] = true; }
        }
        tr.hidden = !any;
      }
      for (const td of section.querySelectorAll('tbody td[data-col]')) td.hidden = !colVisible[Number(td.getAttribute('data-col'))];
      for (const th of section.querySelectorAll('thead th[data-c0]')) {
        let span = 0;
        for (let c = Number(th.getAttribute('data-c0')); c <= Number(th.getAttribute('data-c1')); c++) if (colVisible[c]) span++;
        th.hidden = span === 0;
        th.colSpan = Math.max(span, 1);
      }
      section.hidden = !section.querySelector('figure.job:not([hidden])') && cards.length > 0;
    }
    shown.textContent = visible === cards.length ? 'Showing all ' + cards.length + ' jobs.' : 'Showing ' + visible + ' of ' + cards.length + ' jobs.';
  }
  form.addEventListener('change', apply);
  form.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-all], button[data-none]');
    if (!button) return;
    const key = button.getAttribute('data-all') ?? button.getAttribute('data-none');
    const on = button.hasAttribute('data-all');
    for (const box of form.querySelectorAll('input[data-filter]')) if (box.getAttribute('data-filter') === key) box.checked = on;
    apply();
  });
  // Hundreds of videos each fetching metadata at once stall a browser: load them as they scroll into view.
  const lazy = Array.from(document.querySelectorAll('video[preload="none"]'));
  if (lazy.length > 0 && 'IntersectionObserver' in window) {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) if (entry.isIntersecting) { entry.target.preload = 'metadata'; observer.unobserve(entry.target); }
    }, { rootMargin: '400px' });
    for (const video of lazy) observer.observe(video);
  }
  apply();
})();
`;
