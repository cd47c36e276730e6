/**
 * The marks part of the report's inline script: favourite / reject / note per take, where they persist (the
 * embedded picks.json, the browser's localStorage for a page opened from disk, picks.json through
 * `paiwo-batch review`) and the two exports, picks.json and CSV. DOM calls only; no backticks or `${` inside.
 */
export const REPORT_SCRIPT_MARKS = String.raw`
const REVIEW = DATA.review === true && location.protocol.startsWith('http');
const TOKEN = new URLSearchParams(location.search).get('token') || '';
const STORE_KEY = 'paiwo-picks:' + location.pathname;
// In the order the takes were marked (the order promote --picks re-renders them in).
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
  const ids = Object.keys(doc.takes).filter(function (id) { return doc.takes[id] && typeof doc.takes[id] === 'object'; });
  const when = function (id) { const w = doc.takes[id].marked_at; return typeof w === 'string' ? w : ''; };
  ids.sort(function (a, b) { return when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0; });
  for (const id of ids) {
    const v = doc.takes[id];
    marks.set(id, { mark: v.mark === 'favourite' || v.mark === 'reject' ? v.mark : null, note: typeof v.note === 'string' ? v.note : '', marked_at: when(id) || null });
  }
}
function markOf(id) { return marks.get(id) || { mark: null, note: '', marked_at: null }; }
/** A picks entry names the take as a person finds it again: its file, prompt and seed beside the mark and note. */
function pickEntry(id, m) {
  const t = BY_ID.get(id);
  const e = { mark: m.mark, note: m.note };
  if (m.marked_at) e.marked_at = m.marked_at;
  if (t) { e.file = t.file; e.prompt = t.request.input || ''; e.seed = t.seed !== null ? t.seed : t.seed_requested; }
  return e;
}
function picksDocument() {
  const takes = {};
  for (const [id, m] of marks) if (m.mark !== null || m.note.trim() !== '') takes[id] = pickEntry(id, m);
  return { version: 1, updated_at: picksUpdated, takes: takes };
}
let saving = null;
let saveAgain = false;
function setMark(id, change) {
  const before = markOf(id);
  const m = Object.assign({}, before, change);
  if (change.mark !== undefined && change.mark !== before.mark) {
    // A new mark goes to the end of the marking order.
    m.marked_at = change.mark === null ? null : new Date().toISOString();
    marks.delete(id);
  }
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
function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type: type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
}
function downloadPicks() { download('picks.json', 'application/json', JSON.stringify(picksDocument(), null, 2) + '\n'); }
/** One CSV field (RFC 4180); a leading = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
function csvField(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function marksCsv() {
  const axes = VARYING.map(function (ai) { return 'axis ' + AXES[ai].name; });
  const lines = [['job_id', 'mark', 'note', 'marked_at', 'file', 'prompt', 'seed', 'status'].concat(axes).map(csvField).join(',')];
  const doc = picksDocument();
  for (const id of Object.keys(doc.takes)) {
    const e = doc.takes[id];
    const t = BY_ID.get(id);
    const values = VARYING.map(function (ai) { return t ? valueLabel(ai, t.axes[ai]) : ''; });
    lines.push([id, e.mark || '', e.note, e.marked_at || '', e.file || '', e.prompt || '', e.seed, t ? t.statusName : ''].concat(values).map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
function downloadCsv() { download('picks.csv', 'text/csv', '\ufeff' + marksCsv()); }
`;
