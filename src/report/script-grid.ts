/**
 * The grid part of the report's inline script: which takes the filters and the search let through, the layout
 * the user chooses (groups × rows × columns, a promoted take beside its source) and its paged rendering. The page
 * is built with DOM calls only (`textContent`, `setAttribute` on our own attribute names), never from markup, so
 * nothing from a manifest or the service can become code. Plain browser JavaScript: no backticks or `${` inside.
 */
export const REPORT_SCRIPT_GRID = String.raw`
function searchText(t) {
  if (t.searchText === undefined) t.searchText = [t.request.input || '', t.request.negative_prompt || '', t.file || ''].join('\n').toLowerCase();
  return t.searchText;
}
function matchesSearch(t, words) {
  if (words.length === 0) return true;
  const text = searchText(t) + '\n' + markOf(t.id).note.toLowerCase();
  return words.every(function (w) { return text.includes(w); });
}
function visible(t, words) {
  if (state.status.has(t.status)) return false;
  for (const [ai, set] of state.hide) if (set.has(t.axes[ai])) return false;
  if (!matchesSearch(t, words)) return false;
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
/** The take a shown take is placed by: a promoted take sits in its shown source's cell, right after it. */
function anchorsOf(shown) {
  const ids = new Set(shown.map(function (t) { return t.id; }));
  const anchors = new Map();
  for (const t of shown) {
    let a = t; let depth = 0;
    while (a.promoted_from !== null && ids.has(a.promoted_from) && depth < 16) { a = BY_ID.get(a.promoted_from); depth++; }
    anchors.set(t.id, { take: a, depth: depth });
  }
  return anchors;
}
function computeLayout() {
  const inner = VARYING.filter(function (i) { return i !== state.group && i !== state.rows && i !== state.cols; });
  const words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = TAKES.filter(function (t) { return visible(t, words); });
  const anchors = anchorsOf(shown);
  const at = function (t) { return anchors.get(t.id).take; };
  shown.sort(function (a, b) {
    const x = at(a); const y = at(b);
    let d = rank(state.group, x) - rank(state.group, y) || rank(state.rows, x) - rank(state.rows, y);
    for (const i of inner) d = d || rank(i, x) - rank(i, y);
    return d || x.index - y.index || anchors.get(a.id).depth - anchors.get(b.id).depth || a.index - b.index;
  });
  const groups = [];
  const byGroup = new Map();
  for (const t of shown) {
    const p = at(t);
    const gk = rank(state.group, p);
    if (!byGroup.has(gk)) { const g = { key: state.group < 0 ? null : p.axes[state.group], rows: [], rowMap: new Map(), cols: [] }; byGroup.set(gk, g); groups.push(g); }
    const g = byGroup.get(gk);
    const rk = rank(state.rows, p);
    if (!g.rowMap.has(rk)) { const r = { key: state.rows < 0 ? null : p.axes[state.rows], cells: new Map() }; g.rowMap.set(rk, r); g.rows.push(r); }
    const r = g.rowMap.get(rk);
    const ck = rank(state.cols, p);
    if (!r.cells.has(ck)) r.cells.set(ck, []);
    r.cells.get(ck).push(t);
    if (!g.cols.includes(ck)) g.cols.push(ck);
  }
  LAYOUT = { groups: groups, order: [], pos: new Map(), inner: inner, units: [], next: 0, columns: 1, perCell: 1 };
  placeTakes(groups);
}
function placeTakes(groups) {
  const sizes = new Map();
  groups.forEach(function (g, gi) {
    g.cols.sort(function (a, b) { return a - b; });
    LAYOUT.columns = Math.max(LAYOUT.columns, g.cols.length);
    g.rows.forEach(function (r, ri) {
      let most = 0;
      g.cols.forEach(function (ck, ci) {
        const list = r.cells.get(ck) || [];
        most = Math.max(most, list.length);
        if (list.length > 0) sizes.set(list.length, (sizes.get(list.length) || 0) + 1);
        list.forEach(function (t, k) { LAYOUT.pos.set(t.id, { gi: gi, ri: ri, ci: ci, k: k, n: LAYOUT.order.length }); LAYOUT.order.push(t.id); });
      });
      for (let s = 0; s * CELL_SLICE < Math.max(most, 1); s++) LAYOUT.units.push({ gi: gi, ri: ri, slice: s });
    });
  });
  // The takes side by side in a typical cell (a cell holds at most four a line).
  let best = 0;
  for (const [n, count] of sizes) if (count > best) { best = count; LAYOUT.perCell = Math.min(4, n); }
}
function colKeyLabel(ck) { return state.cols < 0 ? 'all' : valueLabel(state.cols, ck === 1e9 ? -1 : ck); }

// ---- rendering: page by page as the user scrolls, so 10,000 takes never become 10,000 nodes at once ----
const grid = document.getElementById('grid');
const sentinel = el('div', { id: 'more', class: 'more' });
let cardEls = new Map();
let groupEls = [];
/**
 * The thumbnail width: a Size step, or "fit": the columns of the widest group, each as wide as its typical cell,
 * share the width beside the row headers (measured on the first table drawn), down to FIT_MIN px, below which
 * the table scrolls sideways; two takes a line without columns.
 */
function thumbSize() {
  if (state.size !== 'fit') return state.size + 'px';
  if (state.cols < 0) return window.innerWidth < 700 ? 'calc(50vw - 28px)' : '160px';
  const box = grid.querySelector('.scroll');
  const th = grid.querySelector('table.grid tbody th');
  const room = (box ? box.clientWidth : document.documentElement.clientWidth - 40) - (th ? th.offsetWidth : 120) - 2;
  // A column is its takes (with 4 px between) plus the cell's padding and border (9 px).
  return Math.max(FIT_MIN, Math.min(400, Math.floor((room / LAYOUT.columns - 10) / LAYOUT.perCell) - 4 * (LAYOUT.perCell - 1))) + 'px';
}
// Thumbnails this small (CSS px) show the small poster: 160 px wide, sharp up to twice this on a dense screen.
const SMALL_POSTER_MAX = 80;
let smallPosters = false;
function setThumb() {
  const size = thumbSize();
  grid.style.setProperty('--thumb', size);
  grid.classList.toggle('small', size.endsWith('px') && parseInt(size, 10) < 100);
  smallPosters = size.endsWith('px') && parseInt(size, 10) <= SMALL_POSTER_MAX;
}
function render() {
  computeLayout();
  cardEls = new Map();
  groupEls = [];
  grid.replaceChildren();
  setThumb();
  if (LAYOUT.order.length === 0) grid.append(el('p', { class: 'nothing', text: TAKES.length === 0 ? 'The ledger has no jobs yet.' : 'No take matches the filters.' }));
  grid.append(sentinel);
  renderMore();
  if (state.size === 'fit' && state.cols >= 0) setThumb();
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
    state.group < 0 ? null : el('h2', null, el('span', { class: 'axis', text: AXES[state.group].name + ' ' }), valueLabel(state.group, g.key), el('small', { text: ' ' + num(count) + ' take' + (count === 1 ? '' : 's') })),
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
/** The inner axes on which a cell's takes differ: the only values a caption names (the rest the headers say). */
function cellAxes(list) {
  return LAYOUT.inner.filter(function (i) { return list.some(function (t) { return t.axes[i] !== list[0].axes[i]; }); });
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
    const all = r.cells.get(ck) || [];
    const list = all.slice(u.slice * CELL_SLICE, (u.slice + 1) * CELL_SLICE);
    const td = el('td', { 'data-label': state.cols < 0 ? null : AXES[state.cols].name + ' ' + colKeyLabel(ck), class: list.length === 0 ? 'none' : null });
    const box = el('div', { class: 'cell' });
    const axes = cellAxes(all);
    for (const t of list) { box.append(card(t, axes)); n++; }
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
function thumbBox(t, cls) {
  const ratio = /^(\d{1,2}):(\d{1,2})$/.exec(t.request.aspect_ratio || '');
  const box = el('div', { class: cls });
  if (ratio) box.style.aspectRatio = ratio[1] + ' / ' + ratio[2];
  const src = cls === 'thumb' && smallPosters && t.small_poster === 1 ? t.poster.replace(/\.jpg$/, '.small.jpg') : t.poster;
  if (t.poster) box.append(el('img', { src: src, alt: takeLabel(t), loading: 'lazy', decoding: 'async' }));
  else box.append(el('div', { class: 'ph' }, el('strong', { text: placeholderWord(t) }), el('span', { text: takeLabel(t) })));
  return box;
}
function card(t, axes) {
  const m = markOf(t.id);
  const chosen = picked.includes(t.id);
  const label = (axes || []).map(function (i) { return AXES[i].name + ' ' + valueLabel(i, t.axes[i]); }).join(' \u00b7 ');
  const fig = el('figure', { class: 'take s-' + t.statusName + (m.mark ? ' m-' + m.mark : '') + (t.promoted_from !== null ? ' promoted' : '') + (chosen ? ' picked' : ''), 'data-id': t.id, 'data-status': t.statusName, tabindex: '0', title: takeLabel(t) },
    thumbBox(t, 'thumb'),
    el('button', { type: 'button', class: 'cmp', 'aria-pressed': String(chosen), 'aria-label': 'compare', title: 'add to compare', text: chosen ? String(picked.indexOf(t.id) + 1) : '+' }),
    el('figcaption', null,
      el('span', { class: 'badge', 'aria-label': m.mark || 'unmarked', text: m.mark === 'favourite' ? '\u2605' : m.mark === 'reject' ? '\u2715' : '' }),
      m.note ? el('span', { class: 'noted', title: m.note, text: '\u270e' }) : null,
      t.statusName === 'succeeded' ? null : el('span', { class: 'st s-' + t.statusName, text: t.statusName + ' ' }),
      t.promoted_from !== null ? el('span', { class: 'tag', text: 'promoted ' }) : null,
      el('span', { class: 'lbl', text: label }),
      m.note ? el('span', { class: 'note', text: m.note }) : null, sourceStrip(t, 'srcs')));
  // A portrait take fits the same square as a landscape one instead of standing three times as tall.
  const ratio = /^(\d{1,2}):(\d{1,2})$/.exec(t.request.aspect_ratio || '');
  if (ratio && Number(ratio[1]) < Number(ratio[2])) fig.style.width = 'calc(var(--thumb) * ' + (Number(ratio[1]) / Number(ratio[2])).toFixed(4) + ')';
  fig.cellAxes = axes;
  cardEls.set(t.id, fig);
  return fig;
}
function refreshCard(id) {
  const old = cardEls.get(id);
  if (old && old.isConnected) old.replaceWith(card(BY_ID.get(id), old.cellAxes));
}
function ensureRendered(id) {
  while (!cardEls.has(id) && LAYOUT.next < LAYOUT.units.length) renderMore();
  return cardEls.get(id) || null;
}
// Keeps rendering while the end of what is rendered is within AHEAD px of the viewport's bottom (half a screen:
// small cards put hundreds of takes in it, and rendering 240 more takes is quicker than a scroll).
const AHEAD = 500;
let filling = false;
function fill() {
  if (filling) return;
  filling = true;
  requestAnimationFrame(function () {
    filling = false;
    // Until the page has loaded, only the first page of takes: small cards put hundreds on one screen, and the first
    // paint should not wait for all their posters. The rest of the screen follows as soon as the page has loaded.
    if (document.readyState !== 'complete') return;
    if (!sentinel.hidden && sentinel.getBoundingClientRect().top < window.innerHeight + AHEAD) { renderMore(); fill(); }
  });
}
window.addEventListener('load', function () { if ('requestIdleCallback' in window) requestIdleCallback(fill, { timeout: 500 }); else fill(); });
if ('IntersectionObserver' in window) {
  new IntersectionObserver(function (entries) { if (entries.some(function (e) { return e.isIntersecting; })) fill(); }, { rootMargin: '1200px' }).observe(sentinel);
}
window.addEventListener('scroll', fill, { passive: true });
window.addEventListener('resize', function () { if (state.size === 'fit' && LAYOUT) setThumb(); });
`;
