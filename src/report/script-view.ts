/**
 * The second half of the report's inline script: marks (favourite / reject / note) and where they persist,
 * the controls, the full-screen view with the arrow keys, and the one hover preview. A `<video>` exists only
 * in the full-screen view (the take, and its source or promoted take beside it) and in the hover preview:
 * at most three in the page, whatever the number of takes. DOM calls only, as in report-script-grid.ts.
 */
export const REPORT_SCRIPT_VIEW = String.raw`
// ---- marks: embedded picks.json, the browser's localStorage (static file), the review server (picks.json) ----
const REVIEW = DATA.review === true && location.protocol.startsWith('http');
const TOKEN = new URLSearchParams(location.search).get('token') || '';
const STORE_KEY = 'paiwo-picks:' + location.pathname;
const marks = new Map();
let picksUpdated = '1970-01-01T00:00:00.000Z';
function loadPicks() {
  let doc = DATA.picks;
  try {
    const local = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
    if (!REVIEW && local && local.version === 1 && (!doc || local.updated_at > doc.updated_at)) doc = local;
  } catch (e) { /* no storage (private mode, file:// policy): marks live until the page closes */ }
  if (!doc || typeof doc.takes !== 'object' || doc.takes === null) return;
  picksUpdated = doc.updated_at || picksUpdated;
  for (const id of Object.keys(doc.takes)) {
    const v = doc.takes[id];
    if (!v || typeof v !== 'object') continue;
    marks.set(id, { mark: v.mark === 'favourite' || v.mark === 'reject' ? v.mark : null, note: typeof v.note === 'string' ? v.note : '' });
  }
}
function markOf(id) { return marks.get(id) || { mark: null, note: '' }; }
function picksDocument() {
  const takes = {};
  for (const [id, m] of marks) if (m.mark !== null || m.note.trim() !== '') takes[id] = { mark: m.mark, note: m.note };
  return { version: 1, updated_at: picksUpdated, takes: takes };
}
let saving = null;
let saveAgain = false;
function setMark(id, change) {
  const m = Object.assign({}, markOf(id), change);
  marks.set(id, m);
  picksUpdated = new Date().toISOString();
  refreshCard(id);
  updateSummary();
  persist();
}
function persist() {
  const doc = picksDocument();
  try { localStorage.setItem(STORE_KEY, JSON.stringify(doc)); } catch (e) { /* see loadPicks */ }
  if (!REVIEW) { saveStatus('kept in this browser: use \u201cDownload picks.json\u201d to keep them', 'local'); return; }
  if (saving) { saveAgain = true; return; }
  saveStatus('saving\u2026', 'saving');
  saving = fetch('/picks', { method: 'POST', headers: { 'content-type': 'application/json', 'x-paiwo-token': TOKEN }, body: JSON.stringify(doc) })
    .then(function (res) { return res.ok ? res.json().then(function (b) { saveStatus('saved to ' + b.path, 'saved'); }) : res.text().then(function (t) { saveStatus('NOT saved: ' + t, 'error'); }); })
    .catch(function (e) { saveStatus('NOT saved: the review server is gone (' + e.message + ')', 'error'); })
    .finally(function () { saving = null; if (saveAgain) { saveAgain = false; persist(); } });
}
function saveStatus(text, kind) {
  const out = document.getElementById('saved');
  out.textContent = text;
  out.className = kind === 'error' ? 'bad' : '';
  out.setAttribute('data-state', kind);
}
function downloadPicks() {
  const url = URL.createObjectURL(new Blob([JSON.stringify(picksDocument(), null, 2) + '\n'], { type: 'application/json' }));
  const a = el('a', { href: url, download: 'picks.json' });
  document.body.append(a); a.click(); a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
}

// ---- controls ----
function axisSelect(key, label) {
  const select = el('select', { id: 'axis-' + key, 'aria-label': label, on: { change: function () { state[key] = Number(select.value); changed(); } } },
    el('option', { value: '-1', text: '(none)' }), VARYING.map(function (i) { return el('option', { value: String(i), text: AXES[i].name }); }));
  select.value = String(state[key]);
  return el('label', null, label + ' ', select);
}
function checkGroup(title, key, items) {
  const boxes = items.map(function (it) {
    return el('label', null, el('input', { type: 'checkbox', 'data-filter': key, value: String(it.value), checked: !it.hidden, on: { change: function (e) { it.set(!e.target.checked); changed(); } } }), ' ' + it.label);
  });
  const all = function (on) { return function () { for (const it of items) it.set(!on); changed(); buildControls(); }; };
  return el('fieldset', { class: 'filter', 'data-filter': key }, el('legend', null, title + ' ', el('button', { type: 'button', text: 'all', on: { click: all(true) } }), el('button', { type: 'button', text: 'none', on: { click: all(false) } })), boxes);
}
function toggleIn(set, v) { return function (hide) { if (hide) set.add(v); else set.delete(v); }; }
function buildControls() {
  const present = STATUSES.map(function (s, i) { return i; }).filter(function (i) { return TAKES.some(function (t) { return t.status === i; }); });
  const filters = [checkGroup('status', 'status', present.map(function (i) { return { value: STATUSES[i], label: STATUSES[i], hidden: state.status.has(i), set: toggleIn(state.status, i) }; }))];
  for (const ai of VARYING) {
    if (!state.hide.has(ai)) state.hide.set(ai, new Set());
    const set = state.hide.get(ai);
    const values = AXES[ai].values.map(function (v, vi) { return vi; }).concat(TAKES.some(function (t) { return t.axes[ai] < 0; }) ? [-1] : []);
    filters.push(checkGroup(AXES[ai].name, 'a' + ai, values.map(function (vi) { return { value: valueLabel(ai, vi), label: valueLabel(ai, vi), hidden: set.has(vi), set: toggleIn(set, vi) }; })));
  }
  const markSel = el('select', { id: 'mark-filter', 'aria-label': 'marks', on: { change: function () { state.mark = markSel.value; changed(); } } },
    [['all', 'all takes'], ['favourite', '\u2605 favourites'], ['reject', '\u2715 rejects'], ['noreject', 'hide rejects'], ['unmarked', 'unmarked'], ['noted', 'with a note']].map(function (o) { return el('option', { value: o[0], text: o[1] }); }));
  markSel.value = state.mark;
  const size = el('input', { id: 'size', type: 'range', min: '0', max: '400', step: '20', value: String(state.size), on: { change: function () { state.size = Number(size.value); changed(); } } });
  const previous = document.getElementById('filter-box');
  const open = previous ? previous.open : window.innerWidth >= 700;
  document.getElementById('controls').replaceChildren(
    el('div', { class: 'axes' }, axisSelect('group', 'Group by'), axisSelect('rows', 'Rows'), axisSelect('cols', 'Columns'), el('label', null, 'Marks ', markSel), el('label', null, 'Size ', size)),
    el('details', { id: 'filter-box', open: open }, el('summary', { text: 'Show / hide values' }), el('div', { class: 'filters' }, filters)));
}
function changed() { for (const [ai, set] of state.hide) if (set.size === 0) state.hide.delete(ai); writeHash(); render(); }
function updateSummary() {
  let fav = 0; let rej = 0;
  for (const m of marks.values()) { if (m.mark === 'favourite') fav++; if (m.mark === 'reject') rej++; }
  const shown = LAYOUT ? LAYOUT.order.length : 0;
  document.getElementById('shown').textContent = (shown === TAKES.length ? 'Showing all ' + TAKES.length + ' takes' : 'Showing ' + shown + ' of ' + TAKES.length + ' takes') + ' \u00b7 \u2605 ' + fav + ' favourite' + (fav === 1 ? '' : 's') + ' \u00b7 \u2715 ' + rej + ' rejected';
  document.getElementById('promote').hidden = fav === 0;
}

// ---- full-screen view: the take, its record, its marks; arrows step through the grid ----
const viewer = el('div', { id: 'viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'take', hidden: true });
document.body.append(viewer);
function openTake(id) {
  const t = BY_ID.get(id);
  if (!t) return;
  stopHover();
  state.take = id;
  writeHash();
  const link = t.promoted_from !== null && BY_ID.has(t.promoted_from) ? { id: t.promoted_from, label: 'source' } : PROMOTED.has(id) ? { id: PROMOTED.get(id)[0], label: 'promoted' } : null;
  const media = el('div', { class: 'v-media' + (link ? ' pair' : '') }, pane(t, 'this take'), link ? pane(BY_ID.get(link.id), link.label) : null);
  const p = LAYOUT.pos.get(id);
  const where = p ? 'take ' + (p.n + 1) + ' of ' + LAYOUT.order.length : 'hidden by the filters';
  const m = markOf(id);
  const note = el('textarea', { id: 'note', rows: '3', maxlength: '4000', placeholder: 'note', 'aria-label': 'note' });
  note.value = m.note;
  let timer = null;
  note.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { setMark(id, { note: note.value }); }, 400); });
  note.addEventListener('blur', function () { clearTimeout(timer); if (note.value !== markOf(id).note) setMark(id, { note: note.value }); });
  const button = function (mark, text, key) {
    return el('button', { type: 'button', class: 'mark' + (m.mark === mark ? ' on' : ''), 'data-mark': mark, 'aria-pressed': String(m.mark === mark), title: 'key ' + key,
      on: { click: function () { toggleMark(id, mark); } } }, text);
  };
  const side = el('aside', { class: 'v-side' },
    el('div', { class: 'v-nav' }, el('span', { id: 'v-where', text: where }), el('button', { type: 'button', id: 'v-close', text: 'close (Esc)', on: { click: closeTake } })),
    el('h2', { id: 'v-title', text: takeLabel(t) }),
    el('div', { class: 'v-marks' }, button('favourite', '\u2605 favourite', 'f'), button('reject', '\u2715 reject', 'x')), note,
    el('p', { class: 'hint', text: '\u2190 \u2192 along the row \u00b7 \u2191 \u2193 along the column \u00b7 f favourite \u00b7 x reject \u00b7 Esc close' }),
    record(t));
  viewer.replaceChildren(media, side);
  viewer.hidden = false;
  document.body.classList.add('viewing');
}
function toggleMark(id, mark) {
  setMark(id, { mark: markOf(id).mark === mark ? null : mark });
  if (state.take === id) openTake(id);
}
function pane(t, label) {
  const box = el('figure', { class: 'v-pane', 'data-id': t.id }, el('figcaption', null, el('strong', { text: label + ' ' }), takeLabel(t),
    t.id !== state.take ? el('button', { type: 'button', class: 'linkish', text: ' open', on: { click: function () { openTake(t.id); } } }) : null));
  if (t.src) box.prepend(el('video', { src: t.src, poster: t.poster, controls: true, autoplay: true, muted: true, loop: true, playsinline: true, preload: 'metadata' }));
  else box.prepend(thumbBox(t, 'v-ph'));
  return box;
}
function record(t) {
  const rows = [
    ['status', t.statusName], ['job id', t.id], ['video id', t.video_id], ['seed asked', t.seed_requested === null ? 'any' : t.seed_requested], ['seed used', t.seed],
    ['credits', t.credits !== null ? t.credits + ' charged' : '~' + t.estimated_credits + ' estimated'], ['refunded', t.credits_refunded || null], ['submit attempts', t.attempts],
    ['file', t.file], ['size', t.width && t.height ? t.width + '\u00d7' + t.height : null], ['bytes', t.bytes], ['audio', t.has_audio === null ? null : t.has_audio ? 'yes' : 'no'],
    ['submitted', t.submitted_at], ['finished', t.finished_at], ['error', t.error ? t.error.code + ': ' + t.error.message : null],
  ];
  for (const key of Object.keys(t.request)) rows.push(['request.' + key, typeof t.request[key] === 'object' ? JSON.stringify(t.request[key]) : t.request[key]]);
  for (const ai of VARYING) rows.push(['axis ' + AXES[ai].name, valueLabel(ai, t.axes[ai])]);
  const dl = el('dl', { class: 'record' });
  for (const r of rows) if (r[1] !== null && r[1] !== undefined && r[1] !== '') dl.append(el('dt', { text: r[0] }), el('dd', { text: String(r[1]) }));
  const links = el('div', { class: 'links' });
  if (t.promoted_from !== null) links.append(el('span', { text: 'promoted from ' }), takeLink(t.promoted_from));
  for (const p of PROMOTED.get(t.id) || []) links.append(el('span', { text: ' promoted to ' }), takeLink(p));
  return el('div', null, links, sourceStrip(t, 'sources'), dl, t.src ? el('a', { class: 'file', href: t.src, text: 'open the video file' }) : null);
}
// A take's source image (or first and last frame), each with its name in the manifest; null for a text take.
function sourceStrip(t, cls) {
  if (!t.sources || t.sources.length === 0) return null;
  const box = el('span', { class: cls });
  for (const s of t.sources) {
    const name = (s[0] === 'image' ? '' : s[0].replace('_', ' ') + ': ') + s[1];
    box.append(s[2] ? el('img', { src: s[2], alt: name, title: name, loading: 'lazy', decoding: 'async' }) : el('span', { class: 'srcname', text: name }));
  }
  return box;
}
function takeLink(id) {
  if (!BY_ID.has(id)) return el('code', { text: id + ' (not in this ledger)' });
  return el('button', { type: 'button', class: 'linkish', 'data-goto': id, text: id, on: { click: function () { openTake(id); } } });
}
function closeTake() {
  viewer.hidden = true;
  viewer.replaceChildren();
  document.body.classList.remove('viewing');
  const id = state.take;
  state.take = null;
  writeHash();
  const c = id && ensureRendered(id);
  if (c) { c.scrollIntoView({ block: 'nearest' }); c.focus({ preventScroll: true }); }
}
function step(dx, dy) {
  const p = LAYOUT.pos.get(state.take);
  if (!p) { if (LAYOUT.order.length > 0) openTake(LAYOUT.order[0]); return; }
  if (dx !== 0) { const n = p.n + dx; if (n >= 0 && n < LAYOUT.order.length) openTake(LAYOUT.order[n]); return; }
  const g = LAYOUT.groups[p.gi];
  const ck = g.cols[p.ci];
  for (let ri = p.ri + dy; ri >= 0 && ri < g.rows.length; ri += dy) {
    const list = g.rows[ri].cells.get(ck);
    if (list && list.length > 0) { openTake(list[Math.min(p.k, list.length - 1)].id); return; }
  }
}
document.addEventListener('keydown', function (e) {
  if (viewer.hidden) {
    if (e.key === 'Enter' && e.target.closest && e.target.closest('figure.take')) openTake(e.target.closest('figure.take').getAttribute('data-id'));
    return;
  }
  if (e.target.tagName === 'TEXTAREA' || e.target.tagName === 'INPUT') { if (e.key === 'Escape') e.target.blur(); return; }
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (moves[e.key]) { e.preventDefault(); step(moves[e.key][0], moves[e.key][1]); }
  else if (e.key === 'Escape') closeTake();
  else if (e.key === 'f') toggleMark(state.take, 'favourite');
  else if (e.key === 'x') toggleMark(state.take, 'reject');
});
grid.addEventListener('click', function (e) { const f = e.target.closest('figure.take'); if (f) openTake(f.getAttribute('data-id')); });

// ---- one hover preview for the whole page (pointer devices only) ----
const hoverVideo = el('video', { class: 'hover', muted: true, loop: true, playsinline: true, preload: 'none' });
let hoverTimer = null;
grid.addEventListener('pointerover', function (e) {
  const f = e.target.closest('figure.take');
  if (!f || e.pointerType === 'touch' || hoverVideo.parentNode === f.firstChild) return;
  clearTimeout(hoverTimer);
  const t = BY_ID.get(f.getAttribute('data-id'));
  if (!t || !t.src) return;
  hoverTimer = setTimeout(function () { hoverVideo.src = t.src; hoverVideo.muted = true; f.firstChild.append(hoverVideo); hoverVideo.play().catch(function () {}); }, 250);
});
grid.addEventListener('pointerout', function (e) {
  const f = e.target.closest('figure.take');
  if (!f || (e.relatedTarget && f.contains(e.relatedTarget))) return;
  stopHover();
});
function stopHover() {
  clearTimeout(hoverTimer);
  if (hoverVideo.parentNode) { hoverVideo.pause(); hoverVideo.removeAttribute('src'); hoverVideo.load(); hoverVideo.remove(); }
}

// ---- start ----
loadPicks();
readHash();
buildControls();
document.getElementById('download').addEventListener('click', downloadPicks);
if (!REVIEW) saveStatus(marks.size > 0 ? 'marks from picks.json and this browser' : 'marks stay in this browser; \u201cDownload picks.json\u201d saves them', 'local');
else saveStatus('marks are saved to picks.json by paiwo-batch review', 'saved');
if (!DATA.ffmpeg && TAKES.some(function (t) { return t.src && !t.poster; })) {
  const n = document.getElementById('notice');
  n.textContent = 'Posters need ffmpeg: install it and run npx paiwo-batch report on this folder again. Until then each take shows a labelled placeholder.';
  n.hidden = false;
} else if (DATA.posters_deferred > 0) {
  const n = document.getElementById('notice');
  n.textContent = DATA.posters_deferred + ' takes have no poster yet (a run makes the first ones only, to finish fast): run npx paiwo-batch report on this folder (or review it) to make them.';
  n.hidden = false;
}
render();
if (state.take !== null) openTake(state.take);
window.addEventListener('hashchange', function () { readHash(); buildControls(); render(); if (state.take !== null) openTake(state.take); else if (!viewer.hidden) closeTake(); });
`;
