/**
 * The first part of the report's one inline script (script.ts joins the parts, which share one scope): the
 * embedded data decoded into one object per take, DOM and label helpers, and the view state that lives in the URL
 * hash (a public contract: docs/review-and-promote.md). Plain browser JavaScript in a raw string: no backticks or `${`.
 */
export const REPORT_SCRIPT_DATA = String.raw`
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
// Above this many takes the page opens in the compact view (seeds as columns, fit to width, filters folded).
const COMPACT_AT = 300;
// The Size control's steps: each 1.25 times the last, so every step changes the grid by the same proportion.
const SIZES = [40, 50, 64, 80, 100, 125, 160, 200, 250, 320, 400];
const MAX_COMPARE = 4;
// "Fit to width" never draws a take narrower than this: below it the table scrolls sideways.
const FIT_MIN = 48;
// A touch screen without a mouse: no keyboard hints, no hover preview.
const TOUCH = window.matchMedia('(hover: none)').matches || window.matchMedia('(pointer: coarse)').matches;

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
/** Numbers one way everywhere: 70,000. */
function num(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : String(n); }
function valueLabel(ai, vi) { return vi < 0 ? '\u2014' : AXES[ai].values[vi]; }
function axisIndex(name) { return AXES.findIndex(function (a) { return a.name === name; }); }
function takeLabel(t) {
  return VARYING.map(function (i) { return AXES[i].name + ' ' + valueLabel(i, t.axes[i]); }).join(' \u00b7 ') || t.id;
}

// ---- view state, kept in the URL hash so a view can be bookmarked or shared ----
const state = { group: -1, rows: -1, cols: -1, size: 160, hide: new Map(), status: new Set(), mark: 'all', take: null, q: '', compare: [] };
const COMPACT = TAKES.length > COMPACT_AT;
function defaults() {
  const seed = VARYING.find(function (i) { return AXES[i].name === 'seed'; });
  const grid = VARYING.filter(function (i) { return i !== 0 && i !== seed; });
  const wide = window.innerWidth >= 700;
  if (COMPACT && wide) {
    // Big sweeps: one take per cell where the axes allow it, the seeds of a row side by side across the screen.
    const cols = seed !== undefined ? seed : grid.length > 0 ? grid.pop() : -1;
    const rest = (DISTINCT[0] > 1 ? [0] : []).concat(grid);
    state.group = rest.length > 1 ? rest[0] : -1;
    state.rows = rest.length > 1 ? rest[1] : rest.length > 0 ? rest[0] : -1;
    state.cols = cols;
    state.size = 'fit';
  } else {
    state.group = DISTINCT[0] > 1 ? 0 : -1;
    state.rows = grid.length > 0 ? grid[0] : -1;
    state.cols = grid.length > 1 && wide ? grid[1] : -1;
    state.size = wide ? 160 : 'fit';
  }
  state.hide = new Map(); state.status = new Set(); state.mark = 'all'; state.take = null; state.q = ''; state.compare = [];
}
/**
 * Group, rows and columns are three different axes (or none): an axis the hash names twice stays with the first
 * key that names it, and a default that held it gives it up.
 */
function readAxes(p) {
  const named = [];
  for (const key of ['group', 'rows', 'cols']) {
    if (!p.has(key)) continue;
    const i = axisIndex(p.get(key));
    const taken = named.some(function (k) { return state[k] === i; });
    state[key] = i >= 0 && taken ? -1 : i;
    named.push(key);
  }
  for (const key of ['group', 'rows', 'cols']) if (!named.includes(key) && named.some(function (k) { return state[k] >= 0 && state[k] === state[key]; })) state[key] = -1;
}
function readSize(raw) {
  if (raw === 'fit' || raw === '0') return 'fit';
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return SIZES.reduce(function (a, b) { return Math.abs(b - n) < Math.abs(a - n) ? b : a; });
}
function readHash() {
  defaults();
  const p = new URLSearchParams(location.hash.slice(1));
  readAxes(p);
  if (p.has('size') && readSize(p.get('size')) !== undefined) state.size = readSize(p.get('size'));
  for (const h of p.getAll('hide')) {
    const at = h.indexOf('=');
    const ai = axisIndex(h.slice(0, at));
    if (at < 0 || ai < 0) continue;
    const raw = h.slice(at + 1);
    const vi = raw === '\u2014' ? -1 : AXES[ai].values.indexOf(raw);
    if (vi < -1 || (vi === -1 && raw !== '\u2014')) continue;
    hideSet(ai).add(vi);
  }
  for (const s of p.getAll('nostatus')) if (STATUSES.includes(s)) state.status.add(STATUSES.indexOf(s));
  if (p.has('mark')) state.mark = p.get('mark');
  if (p.has('q')) state.q = p.get('q');
  state.take = p.has('take') && BY_ID.has(p.get('take')) ? p.get('take') : null;
  if (p.has('compare')) state.compare = p.get('compare').split(',').filter(function (id, i, all) { return BY_ID.has(id) && all.indexOf(id) === i; }).slice(0, MAX_COMPARE);
}
function writeHash() {
  for (const [ai, set] of state.hide) if (set.size === 0) state.hide.delete(ai);
  const p = new URLSearchParams();
  for (const key of ['group', 'rows', 'cols']) p.set(key, state[key] < 0 ? '' : AXES[state[key]].name);
  p.set('size', String(state.size));
  for (const [ai, set] of state.hide) for (const vi of set) p.append('hide', AXES[ai].name + '=' + valueLabel(ai, vi));
  for (const s of state.status) p.append('nostatus', STATUSES[s]);
  if (state.mark !== 'all') p.set('mark', state.mark);
  if (state.q !== '') p.set('q', state.q);
  if (state.take !== null) p.set('take', state.take);
  if (state.compare.length > 1) p.set('compare', state.compare.join(','));
  history.replaceState(null, '', '#' + p.toString());
}
/** The values of an axis the filters hide, looked up when used (never a set held from before a change). */
function hideSet(ai) {
  if (!state.hide.has(ai)) state.hide.set(ai, new Set());
  return state.hide.get(ai);
}
`;
