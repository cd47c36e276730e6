/**
 * The first half of the report's one inline script (report-script.ts joins them): data decoding, the view state
 * that lives in the URL hash, filters, the grid layout the user chooses and its paged rendering. The page is
 * built with DOM calls only (`textContent`, `setAttribute` on our own attribute names), never from markup, so
 * nothing from a manifest or the service can become code. Plain browser JavaScript in a raw string: no
 * backticks or `${` inside.
 */
export const REPORT_SCRIPT_GRID = String.raw`
const DATA = JSON.parse(document.getElementById('paiwo-data').textContent);
const STATUSES = DATA.statuses;
const AXES = DATA.axes;
const TAKES = DATA.takes.map(function (row, index) {
  const t = { index: index };
  DATA.fields.forEach(function (f, i) { t[f] = row[i]; });
  t.statusName = STATUSES[t.status];
  t.request = Object.assign({}, DATA.requests[t.req]);
  if (t.request_seed !== null) t.request.seed = t.request_seed;
  return t;
});
const BY_ID = new Map(TAKES.map(function (t) { return [t.id, t]; }));
const PROMOTED = new Map();
for (const t of TAKES) if (t.promoted_from !== null) {
  if (!PROMOTED.has(t.promoted_from)) PROMOTED.set(t.promoted_from, []);
  PROMOTED.get(t.promoted_from).push(t.id);
}
const DISTINCT = AXES.map(function (a, i) { return new Set(TAKES.map(function (t) { return t.axes[i]; })).size; });
const VARYING = AXES.map(function (a, i) { return i; }).filter(function (i) { return DISTINCT[i] > 1; });
const PAGE_CARDS = 240;
const CELL_SLICE = 48;

function el(tag, props) {
  const node = document.createElement(tag);
  if (props) for (const key of Object.keys(props)) {
    const v = props[key];
    if (v === null || v === undefined || v === false) continue;
    if (key === 'class') node.className = v;
    else if (key === 'text') node.textContent = String(v);
    else if (key === 'on') for (const ev of Object.keys(v)) node.addEventListener(ev, v[ev]);
    else node.setAttribute(key, v === true ? '' : String(v));
  }
  for (let i = 2; i < arguments.length; i++) {
    const kid = arguments[i];
    if (kid === null || kid === undefined || kid === false) continue;
    if (Array.isArray(kid)) { for (const k of kid) if (k) node.append(k); } else node.append(kid);
  }
  return node;
}
function valueLabel(ai, vi) { return vi < 0 ? '\u2014' : AXES[ai].values[vi]; }
function axisIndex(name) { return AXES.findIndex(function (a) { return a.name === name; }); }
function takeLabel(t) {
  return VARYING.map(function (i) { return AXES[i].name + ' ' + valueLabel(i, t.axes[i]); }).join(' \u00b7 ') || t.id;
}

// ---- view state, kept in the URL hash so a view can be bookmarked or shared ----
const state = { group: -1, rows: -1, cols: -1, size: 160, hide: new Map(), status: new Set(), mark: 'all', take: null };
function defaults() {
  const grid = VARYING.filter(function (i) { return i !== 0 && AXES[i].name !== 'seed'; });
  state.group = DISTINCT[0] > 1 ? 0 : -1;
  state.rows = grid.length > 0 ? grid[0] : -1;
  state.cols = grid.length > 1 && window.innerWidth >= 700 ? grid[1] : -1;
  state.size = window.innerWidth < 700 ? 0 : 160;
  state.hide = new Map(); state.status = new Set(); state.mark = 'all'; state.take = null;
}
function readHash() {
  defaults();
  const p = new URLSearchParams(location.hash.slice(1));
  const pick = function (key) { if (!p.has(key)) return undefined; const i = axisIndex(p.get(key)); return i; };
  for (const key of ['group', 'rows', 'cols']) { const i = pick(key); if (i !== undefined) state[key] = i; }
  if (p.has('size')) state.size = Math.min(400, Math.max(0, Number(p.get('size')) || 0));
  for (const h of p.getAll('hide')) {
    const at = h.indexOf('=');
    const ai = axisIndex(h.slice(0, at));
    if (at < 0 || ai < 0) continue;
    const raw = h.slice(at + 1);
    const vi = raw === '\u2014' ? -1 : AXES[ai].values.indexOf(raw);
    if (vi < -1 || (vi === -1 && raw !== '\u2014')) continue;
    if (!state.hide.has(ai)) state.hide.set(ai, new Set());
    state.hide.get(ai).add(vi);
  }
  for (const s of p.getAll('nostatus')) if (STATUSES.includes(s)) state.status.add(STATUSES.indexOf(s));
  if (p.has('mark')) state.mark = p.get('mark');
  state.take = p.has('take') && BY_ID.has(p.get('take')) ? p.get('take') : null;
}
function writeHash() {
  const p = new URLSearchParams();
  for (const key of ['group', 'rows', 'cols']) p.set(key, state[key] < 0 ? '' : AXES[state[key]].name);
  p.set('size', String(state.size));
  for (const [ai, set] of state.hide) for (const vi of set) p.append('hide', AXES[ai].name + '=' + valueLabel(ai, vi));
  for (const s of state.status) p.append('nostatus', STATUSES[s]);
  if (state.mark !== 'all') p.set('mark', state.mark);
  if (state.take !== null) p.set('take', state.take);
  history.replaceState(null, '', '#' + p.toString());
}

function visible(t) {
  if (state.status.has(t.status)) return false;
  for (const [ai, set] of state.hide) if (set.has(t.axes[ai])) return false;
  const m = markOf(t.id);
  switch (state.mark) {
    case 'favourite': return m.mark === 'favourite';
    case 'reject': return m.mark === 'reject';
    case 'unmarked': return m.mark === null;
    case 'noreject': return m.mark !== 'reject';
    case 'noted': return m.note !== '';
    default: return true;
  }
}

// ---- layout: groups (a grid of grids) × rows × columns, every other varying axis side by side in a cell ----
let LAYOUT = null;
function rank(ai, t) { return ai < 0 ? 0 : t.axes[ai] < 0 ? 1e9 : t.axes[ai]; }
function computeLayout() {
  const inner = VARYING.filter(function (i) { return i !== state.group && i !== state.rows && i !== state.cols; });
  const shown = TAKES.filter(visible).sort(function (a, b) {
    let d = rank(state.group, a) - rank(state.group, b) || rank(state.rows, a) - rank(state.rows, b);
    for (const i of inner) d = d || rank(i, a) - rank(i, b);
    return d || a.index - b.index;
  });
  const groups = [];
  const byGroup = new Map();
  for (const t of shown) {
    const gk = rank(state.group, t);
    if (!byGroup.has(gk)) { const g = { key: state.group < 0 ? null : t.axes[state.group], rows: [], rowMap: new Map(), cols: [] }; byGroup.set(gk, g); groups.push(g); }
    const g = byGroup.get(gk);
    const rk = rank(state.rows, t);
    if (!g.rowMap.has(rk)) { const r = { key: state.rows < 0 ? null : t.axes[state.rows], cells: new Map() }; g.rowMap.set(rk, r); g.rows.push(r); }
    const r = g.rowMap.get(rk);
    const ck = rank(state.cols, t);
    if (!r.cells.has(ck)) r.cells.set(ck, []);
    r.cells.get(ck).push(t);
    if (!g.cols.includes(ck)) g.cols.push(ck);
  }
  const order = [];
  const pos = new Map();
  groups.forEach(function (g, gi) {
    g.cols.sort(function (a, b) { return a - b; });
    g.rows.forEach(function (r, ri) {
      g.cols.forEach(function (ck, ci) {
        (r.cells.get(ck) || []).forEach(function (t, k) { pos.set(t.id, { gi: gi, ri: ri, ci: ci, k: k, n: order.length }); order.push(t.id); });
      });
    });
  });
  LAYOUT = { groups: groups, order: order, pos: pos, inner: inner, units: [], next: 0 };
  groups.forEach(function (g, gi) {
    g.rows.forEach(function (r, ri) {
      let most = 0;
      for (const list of r.cells.values()) most = Math.max(most, list.length);
      for (let s = 0; s * CELL_SLICE < Math.max(most, 1); s++) LAYOUT.units.push({ gi: gi, ri: ri, slice: s });
    });
  });
}
function colKeyLabel(ck) { return state.cols < 0 ? 'all' : valueLabel(state.cols, ck === 1e9 ? -1 : ck); }

// ---- rendering: page by page as the user scrolls, so 10,000 takes never become 10,000 nodes at once ----
const grid = document.getElementById('grid');
const sentinel = el('div', { id: 'more', class: 'more' });
let cardEls = new Map();
let groupEls = [];
function render() {
  computeLayout();
  cardEls = new Map();
  groupEls = [];
  grid.replaceChildren();
  grid.style.setProperty('--thumb', state.size > 0 ? state.size + 'px' : 'calc(50vw - 28px)');
  if (LAYOUT.order.length === 0) grid.append(el('p', { class: 'nothing', text: TAKES.length === 0 ? 'The ledger has no jobs yet.' : 'No take matches the filters.' }));
  grid.append(sentinel);
  renderMore();
  updateSummary();
  fill();
}
function renderMore() {
  let cards = 0;
  while (LAYOUT.next < LAYOUT.units.length && cards < PAGE_CARDS) {
    const u = LAYOUT.units[LAYOUT.next++];
    cards += renderUnit(u);
  }
  sentinel.hidden = LAYOUT.next >= LAYOUT.units.length;
  sentinel.textContent = sentinel.hidden ? '' : 'Loading more takes\u2026';
}
function groupElement(gi) {
  if (groupEls[gi]) return groupEls[gi];
  const g = LAYOUT.groups[gi];
  const count = g.rows.reduce(function (n, r) { let m = 0; for (const l of r.cells.values()) m += l.length; return n + m; }, 0);
  const head = el('tr', null, el('th', { class: 'corner', text: (state.rows < 0 ? '' : AXES[state.rows].name) + (state.cols < 0 ? '' : ' \\ ' + AXES[state.cols].name) }),
    g.cols.map(function (ck) { return el('th', { scope: 'col' }, state.cols < 0 ? '' : el('span', { class: 'axis', text: AXES[state.cols].name + ' ' }), colKeyLabel(ck)); }));
  const body = el('tbody');
  const section = el('section', { class: 'group' },
    state.group < 0 ? null : el('h2', null, el('span', { class: 'axis', text: AXES[state.group].name + ' ' }), valueLabel(state.group, g.key), el('small', { text: ' ' + count + ' take' + (count === 1 ? '' : 's') })),
    groupPrompt(g),
    el('div', { class: 'scroll' }, el('table', { class: 'grid' + (state.cols < 0 ? ' nocols' : '') }, el('thead', null, head), body)));
  grid.insertBefore(section, sentinel);
  groupEls[gi] = { section: section, body: body };
  return groupEls[gi];
}
function takesOf(rows) {
  const takes = [];
  for (const r of rows) for (const l of r.cells.values()) takes.push.apply(takes, l);
  return takes;
}
/** The request every take shares the prompt (and negative prompt) of, or null. */
function sharedPrompt(takes) {
  const first = takes[0];
  if (!first) return null;
  const same = takes.every(function (t) { return t.request.input === first.request.input && (t.request.negative_prompt || '') === (first.request.negative_prompt || ''); });
  return same ? first.request : null;
}
function groupPrompt(g) {
  g.prompt = sharedPrompt(takesOf(g.rows));
  return g.prompt ? promptBlock(g.prompt) : null;
}
function promptBlock(request) {
  return el('div', { class: 'prompts' }, el('p', { class: 'prompt', text: request.input || '' }),
    request.negative_prompt ? el('p', { class: 'negative' }, el('span', { class: 'axis', text: 'negative ' }), request.negative_prompt) : null);
}
function renderUnit(u) {
  const g = LAYOUT.groups[u.gi];
  const r = g.rows[u.ri];
  const target = groupElement(u.gi);
  let n = 0;
  const label = state.rows < 0 ? '' : valueLabel(state.rows, r.key);
  const th = el('th', { scope: 'row' });
  if (u.slice === 0 && state.rows >= 0) {
    th.append(el('span', { class: 'axis', text: AXES[state.rows].name + ' ' }), label);
    const prompt = g.prompt ? null : sharedPrompt(takesOf([r]));
    if (prompt) th.append(promptBlock(prompt));
  } else if (u.slice > 0) th.append(el('span', { class: 'axis', text: label + ' (cont.)' }));
  const tr = el('tr', { 'data-row': label }, th);
  for (const ck of g.cols) {
    const list = (r.cells.get(ck) || []).slice(u.slice * CELL_SLICE, (u.slice + 1) * CELL_SLICE);
    const td = el('td', { 'data-label': state.cols < 0 ? null : AXES[state.cols].name + ' ' + colKeyLabel(ck), class: list.length === 0 ? 'none' : null });
    const box = el('div', { class: 'cell' });
    for (const t of list) { box.append(card(t)); n++; }
    td.append(box);
    tr.append(td);
  }
  target.body.append(tr);
  return n;
}
function placeholderWord(t) {
  if (t.statusName !== 'succeeded') return t.statusName;
  if (t.src === null) return 'file missing';
  return 'no poster';
}
function innerLabel(t) {
  return LAYOUT.inner.filter(function (i) { return t.axes[i] >= 0; }).map(function (i) { return AXES[i].name + ' ' + valueLabel(i, t.axes[i]); }).join(' \u00b7 ');
}
function thumbBox(t, cls) {
  const ratio = /^(\d{1,2}):(\d{1,2})$/.exec(t.request.aspect_ratio || '');
  const box = el('div', { class: cls });
  if (ratio) box.style.aspectRatio = ratio[1] + ' / ' + ratio[2];
  if (t.poster) box.append(el('img', { src: t.poster, alt: takeLabel(t), loading: 'lazy', decoding: 'async' }));
  else box.append(el('div', { class: 'ph' }, el('strong', { text: placeholderWord(t) }), el('span', { text: takeLabel(t) })));
  return box;
}
function card(t) {
  const m = markOf(t.id);
  const fig = el('figure', { class: 'take s-' + t.statusName + (m.mark ? ' m-' + m.mark : ''), 'data-id': t.id, 'data-status': t.statusName, tabindex: '0' },
    thumbBox(t, 'thumb'),
    el('figcaption', null,
      el('span', { class: 'badge', 'aria-label': m.mark || 'unmarked', text: m.mark === 'favourite' ? '\u2605' : m.mark === 'reject' ? '\u2715' : '' }),
      m.note ? el('span', { class: 'noted', title: m.note, text: '\u270e' }) : null,
      t.statusName === 'succeeded' ? null : el('span', { class: 'st s-' + t.statusName, text: t.statusName + ' ' }),
      el('span', { class: 'lbl', text: innerLabel(t) || (t.seed !== null ? 'seed ' + t.seed : '') }), sourceStrip(t, 'srcs')));
  // A portrait take fits the same square as a landscape one instead of standing three times as tall.
  const ratio = /^(\d{1,2}):(\d{1,2})$/.exec(t.request.aspect_ratio || '');
  if (ratio && Number(ratio[1]) < Number(ratio[2])) fig.style.width = 'calc(var(--thumb) * ' + (Number(ratio[1]) / Number(ratio[2])).toFixed(4) + ')';
  cardEls.set(t.id, fig);
  return fig;
}
function refreshCard(id) {
  const old = cardEls.get(id);
  if (old && old.isConnected) old.replaceWith(card(BY_ID.get(id)));
}
function ensureRendered(id) {
  while (!cardEls.has(id) && LAYOUT.next < LAYOUT.units.length) renderMore();
  return cardEls.get(id) || null;
}
// Keeps rendering while the end of what is rendered is within a screen or so of the viewport.
let filling = false;
function fill() {
  if (filling) return;
  filling = true;
  requestAnimationFrame(function () {
    filling = false;
    if (!sentinel.hidden && sentinel.getBoundingClientRect().top < window.innerHeight + 1200) { renderMore(); fill(); }
  });
}
if ('IntersectionObserver' in window) {
  new IntersectionObserver(function (entries) { if (entries.some(function (e) { return e.isIntersecting; })) fill(); }, { rootMargin: '1200px' }).observe(sentinel);
}
window.addEventListener('scroll', fill, { passive: true });
`;
