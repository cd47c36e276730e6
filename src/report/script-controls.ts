/**
 * The controls part of the report's inline script: the axes of the grid, the search box, the marks filter, the
 * Size steps, the value filters, and the count line `#shown`. Every control writes the view state and redraws
 * from it (`changed`), so what the boxes show is the set the page shows. DOM calls only; no backticks or `${`.
 */
export const REPORT_SCRIPT_CONTROLS = String.raw`
function axisSelect(key, label) {
  const select = el('select', { id: 'axis-' + key, 'aria-label': label, on: { change: function () {
    const before = state[key];
    state[key] = Number(select.value);
    // The axis leaves the control that had it, which takes this control's old axis: never one axis twice.
    for (const other of ['group', 'rows', 'cols']) if (other !== key && state[other] === state[key] && state[key] >= 0) state[other] = before;
    changed(true);
  } } }, el('option', { value: '-1', text: '(none)' }), VARYING.map(function (i) { return el('option', { value: String(i), text: AXES[i].name }); }));
  select.value = String(state[key]);
  return el('label', null, label + ' ', select);
}
function checkGroup(title, key, items) {
  const boxes = items.map(function (it) {
    return el('label', null, el('input', { type: 'checkbox', 'data-filter': key, value: String(it.value), checked: !it.hidden(), on: { change: function (e) { it.set(!e.target.checked); changed(); } } }), ' ' + it.label);
  });
  const all = function (on) { return function () { for (const it of items) it.set(!on); changed(true); }; };
  return el('fieldset', { class: 'filter', 'data-filter': key }, el('legend', null, title + ' ', el('button', { type: 'button', text: 'all', on: { click: all(true) } }), el('button', { type: 'button', text: 'none', on: { click: all(false) } })), boxes);
}
function statusItem(i) {
  return { value: STATUSES[i], label: STATUSES[i], hidden: function () { return state.status.has(i); }, set: function (hide) { if (hide) state.status.add(i); else state.status.delete(i); } };
}
function valueItem(ai, vi) {
  return { value: valueLabel(ai, vi), label: valueLabel(ai, vi), hidden: function () { return state.hide.has(ai) && state.hide.get(ai).has(vi); },
    set: function (hide) { if (hide) hideSet(ai).add(vi); else hideSet(ai).delete(vi); } };
}
function sizeControl() {
  const size = el('select', { id: 'size', 'aria-label': 'size', on: { change: function () { state.size = size.value === 'fit' ? 'fit' : Number(size.value); changed(); } } },
    el('option', { value: 'fit', text: 'fit to width' }), SIZES.map(function (s) { return el('option', { value: String(s), text: s + ' px' }); }));
  size.value = String(state.size);
  const step = function (d) {
    return function () {
      const now = state.size === 'fit' ? parseInt(thumbSize(), 10) : state.size;
      let i = SIZES.findIndex(function (s) { return s >= now; });
      if (i < 0) i = SIZES.length - 1;
      if (state.size === 'fit' || SIZES[i] === now) i += d; else if (d < 0) i -= 1;
      state.size = SIZES[Math.max(0, Math.min(SIZES.length - 1, i))];
      changed(true);
    };
  };
  return el('span', { class: 'size' }, 'Size ', el('button', { type: 'button', id: 'size-down', 'aria-label': 'smaller', text: '\u2212', on: { click: step(-1) } }), size,
    el('button', { type: 'button', id: 'size-up', 'aria-label': 'larger', text: '+', on: { click: step(1) } }));
}
function searchBox() {
  const box = el('input', { id: 'search', type: 'search', placeholder: 'search prompts, files, notes', 'aria-label': 'search', value: state.q });
  let timer = null;
  box.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { state.q = box.value.trim(); changed(); }, 150); });
  return box;
}
function buildControls() {
  const present = STATUSES.map(function (s, i) { return i; }).filter(function (i) { return TAKES.some(function (t) { return t.status === i; }); });
  const filters = [checkGroup('status', 'status', present.map(statusItem))];
  for (const ai of VARYING) {
    const values = AXES[ai].values.map(function (v, vi) { return vi; }).filter(function (vi) { return TAKES.some(function (t) { return t.axes[ai] === vi; }); })
      .concat(TAKES.some(function (t) { return t.axes[ai] < 0; }) ? [-1] : []);
    filters.push(checkGroup(AXES[ai].name, 'a' + ai, values.map(function (vi) { return valueItem(ai, vi); })));
  }
  const markSel = el('select', { id: 'mark-filter', 'aria-label': 'marks', on: { change: function () { state.mark = markSel.value; changed(); } } },
    [['all', 'all takes'], ['favourite', '\u2605 favourites'], ['reject', '\u2715 rejects'], ['noreject', 'hide rejects'], ['unmarked', 'unmarked'], ['noted', 'with a note']].map(function (o) { return el('option', { value: o[0], text: o[1] }); }));
  markSel.value = state.mark;
  const previous = document.getElementById('filter-box');
  const open = previous ? previous.open : window.innerWidth >= 700 && !COMPACT;
  const hidden = countHidden();
  document.getElementById('controls').replaceChildren(
    el('div', { class: 'axes' }, searchBox(), axisSelect('group', 'Group by'), axisSelect('rows', 'Rows'), axisSelect('cols', 'Columns'), el('label', null, 'Marks ', markSel), sizeControl()),
    el('details', { id: 'filter-box', open: open }, el('summary', { text: 'Show / hide values' + (hidden > 0 ? ' (' + hidden + ' hidden)' : '') }), el('div', { class: 'filters' }, filters)));
}
function countHidden() {
  let n = state.status.size;
  for (const set of state.hide.values()) n += set.size;
  return n;
}
/** A control changed the view: the hash and the grid follow (and the controls, when more than one box moved). */
function changed(rebuild) {
  writeHash();
  if (rebuild) buildControls();
  else { const s = document.querySelector('#filter-box summary'); if (s) s.textContent = 'Show / hide values' + (countHidden() > 0 ? ' (' + countHidden() + ' hidden)' : ''); }
  render();
}
function updateSummary() {
  let fav = 0; let rej = 0;
  for (const m of marks.values()) { if (m.mark === 'favourite') fav++; if (m.mark === 'reject') rej++; }
  const shown = LAYOUT ? LAYOUT.order.length : 0;
  document.getElementById('shown').textContent = (shown === TAKES.length ? 'Showing all ' + num(TAKES.length) + ' takes' : 'Showing ' + num(shown) + ' of ' + num(TAKES.length) + ' takes') + ' \u00b7 \u2605 ' + num(fav) + ' favourite' + (fav === 1 ? '' : 's') + ' \u00b7 \u2715 ' + num(rej) + ' rejected';
  document.getElementById('promote').hidden = fav === 0;
  document.getElementById('download-csv').disabled = marks.size === 0;
  updateCompareBar();
}
`;
