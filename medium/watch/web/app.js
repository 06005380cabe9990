// The live page: one event stream of states from the medium, the map, the
// side panel, and the changes people make, each a control request that
// the medium carries out exactly as it does vwifi-tool's.
import { el, role, pairKey, rate, perSec, count, duration, dbm, db, metres, bytes, channelText } from './format.js';
import { MapView } from './map.js';
import { plot, SPAN } from './plot.js';

const $ = (id) => document.getElementById(id);
const WINDOW = 2.2; // seconds over which rates are taken

let state = null;
let sel = null;
const rates = new Rates();
const history = new Map(); // 'tx>rx' -> [{t, signal, heard, bps}]

const map = new MapView($('map'), {
  onSelect: select,
  onMove: move,
  canMove: () => {
    if (!state) return 'not connected';
    if (state.read_only) return 'This view is read-only (hwsim-medium --http-read-only).';
    if (state.model === '') return 'No link model is loaded: radios cannot be placed. Start hwsim-medium with -c FILE.';
    return true;
  },
});
$('fit').addEventListener('click', () => map.fit());
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') select(null); });

connect();

function connect() {
  const es = new EventSource('api/events');
  es.addEventListener('state', (e) => {
    $('badge-conn').hidden = true;
    $('live-dot').classList.add('live');
    onState(JSON.parse(e.data));
  });
  es.addEventListener('error', () => {
    $('badge-conn').hidden = false;
    $('live-dot').classList.remove('live');
  });
}

function onState(s) {
  if (state && s.uptime < state.uptime) { rates.reset(); history.clear(); }
  state = s;
  rates.push(s);
  for (const l of s.links) {
    const k = `${l.tx}>${l.rx}`;
    const h = history.get(k) || [];
    h.push({ t: s.uptime, signal: l.signal, heard: l.heard && !l.blocked, bps: rates.link(l.tx, l.rx).bps });
    while (h.length && h[0].t < s.uptime - SPAN - 5) h.shift();
    history.set(k, h);
  }
  if (sel && !selectionExists()) sel = null;
  document.body.dataset.radios = String(s.radios.length);
  map.update(s, rates, sel);
  header();
  hint();
  radiosTable();
  detail();
}

function header() {
  const fps = state.radios.reduce((a, r) => a + rates.radio(r.name).txfps, 0);
  $('summary').replaceChildren(
    el('b', { text: String(state.radios.length) }), ' radios · ',
    el('b', { text: count(state.frames) }), ' frames · ',
    el('b', { text: perSec(fps) }), ' frames/s · up ', el('b', { text: duration(state.uptime) }));
  $('badge-model').textContent = state.model ? `model: ${state.model.replaceAll('_', ' ')}` : 'no link model';
  $('badge-ro').hidden = !state.read_only;
}

// hint says, over the map, why the radios cannot be dragged (the card
// explains the rest).
function hint() {
  let text = '';
  if (state.read_only) text = 'Read-only view: the air can be watched, not changed';
  else if (state.model === '') text = 'No link model (-c FILE): radios sit on a circle and cannot move; links can be blocked';
  $('hint').textContent = text;
  $('hint').hidden = text === '';
}

function radiosTable() {
  const body = $('radios').tBodies[0];
  body.replaceChildren(...state.radios.map((r) => {
    const rr = rates.radio(r.name);
    const uni = r.stats.acked + r.stats.not_acked;
    const info = role(r.role);
    const tr = el('tr', { class: sel && sel.kind === 'radio' && sel.name === r.name ? 'sel' : null, onclick: () => select({ kind: 'radio', name: r.name }) },
      el('td', {}, el('i', { class: `role ${r.role || 'unknown'}` }), r.name),
      el('td', { text: r.channel ? String(r.channel) : '–' }),
      el('td', { text: r.role ? info.label : '–' }),
      el('td', { class: 'num', text: perSec(rr.txfps) }),
      el('td', { class: 'num', text: perSec(rr.rxfps) }),
      el('td', { class: 'num', text: uni ? `${Math.round((100 * r.stats.acked) / uni)}%` : '–' }));
    return tr;
  }));
}

function select(s) {
  sel = s;
  detailKey = null;
  if (state) { map.update(state, rates, sel); radiosTable(); detail(); }
}

function selectionExists() {
  if (sel.kind === 'radio') return state.radios.some((r) => r.name === sel.name);
  return state.links.some((l) => pairKey(l.tx, l.rx) === sel.key);
}

// The detail card: built when the selection changes (so a slider being
// dragged survives), its numbers and plot refreshed with every state.
let detailKey = null;
let live = null; // the card's parts that change with every state

function detail() {
  const card = $('detail');
  const key = sel ? (sel.kind === 'radio' ? `r:${sel.name}` : `l:${sel.key}`) : '';
  if (key !== detailKey) {
    detailKey = key;
    live = null;
    if (!sel) {
      card.replaceChildren(el('h2', { text: 'The air' }),
        el('p', { text: 'Radios sit at their positions in the link model; links are coloured by SNR and grow with their traffic.' }),
        el('p', { text: 'Click a link for its signal and traffic over time, and to set its loss or block it. Click a radio for its counters. Drag a radio to move it: the same radio.move as vwifi-tool move.' }));
      return;
    }
    if (sel.kind === 'radio') buildRadio(card);
    else buildLink(card);
  }
  if (live) live();
}

function buildRadio(card) {
  const kv = el('dl', { class: 'kv' });
  const title = el('div', { class: 'title' });
  card.replaceChildren(el('h2', { text: 'Radio' }), title, kv);
  live = () => {
    const r = state.radios.find((x) => x.name === sel.name);
    if (!r) return;
    const info = role(r.role);
    title.replaceChildren(el('i', { class: `role ${r.role || 'unknown'}` }), r.name);
    const rr = rates.radio(r.name);
    const rows = [
      ['wiphy', r.wiphy], ['served by', r.member ? `member ${r.member}` : 'this medium'],
      ['address', r.hwaddr], ['role', r.role ? info.label : 'not seen yet'],
      ['BSS', r.bssid || '–'], ['channel', r.freq ? `${channelText(r).replace('ch ', '')} (${r.freq} MHz)` : '–'],
      ['position', state.model && r.placed ? `${metres(r.x)}, ${metres(r.y)}, ${metres(r.z)}${r.moving ? ' (moving)' : ''}` : state.model ? 'not placed' : '–'],
      ['tx power', r.tx_power ? `${r.tx_power} dBm` : '–'],
      ['sent', `${count(r.stats.tx_frames)} frames, ${bytes(r.stats.tx_bytes)} · ${perSec(rr.txfps)}/s`],
      ['received', `${count(r.stats.rx_frames)} frames, ${bytes(r.stats.rx_bytes)} · ${perSec(rr.rxfps)}/s`],
      ['unicast', `${count(r.stats.acked)} acked, ${count(r.stats.not_acked)} not`],
    ];
    kv.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { class: k === 'address' || k === 'BSS' ? 'mono' : null, text: v })]));
  };
}

function buildLink(card) {
  const [a, b] = sel.key.split('|');
  const table = el('div', { class: 'dirs' });
  const plotBox = el('div');
  const controls = el('div', { class: 'controls' });
  card.replaceChildren(el('h2', { text: 'Link' }), el('div', { class: 'title', text: `${a} ⇄ ${b}` }), table, plotBox, controls);
  const links = () => [find(a, b), find(b, a)];
  if (state.read_only) {
    controls.append(el('p', { text: 'Read-only view: loss and blocks cannot be changed here.' }));
  } else {
    const cur = links().map((l) => l && l.loss).find((x) => x !== undefined && x !== null) || 0;
    const slider = el('input', { type: 'range', min: 0, max: 100, step: 1, value: Math.round(cur * 100), 'aria-label': 'loss per try, percent' });
    const val = el('span', { class: 'val', text: `${Math.round(cur * 100)}%` });
    slider.addEventListener('input', () => { val.textContent = `${slider.value}%`; });
    const setLoss = el('button', { type: 'button', 'data-action': 'set-loss', text: 'set loss', onclick: () => command('link.set', { tx: a, rx: b, both: true, loss: Number(slider.value) / 100 }, `loss of ${a} ⇄ ${b} set to ${slider.value}% per try`) });
    const block = el('button', { type: 'button', 'data-action': 'block', class: 'danger', title: 'block or unblock both directions (link.block, link.unblock)' });
    const clear = el('button', { type: 'button', 'data-action': 'clear', text: 'clear', title: 'remove the link model overrides (link.clear)', onclick: () => command('link.clear', { tx: a, rx: b, both: true }, `overrides of ${a} ⇄ ${b} cleared`) });
    if (state.model === '') { slider.disabled = true; setLoss.disabled = true; clear.disabled = true; }
    controls.append(
      el('div', { class: 'row' }, el('span', { class: 'nowrap', text: 'loss per try' }), slider, val),
      el('div', { class: 'row' }, setLoss, block, clear));
    if (state.model === '') controls.append(el('p', { text: 'Loss needs a link model (-c FILE); blocking works without one.' }));
    // link.block is vwifi-tool block; a block from the model's
    // configuration goes with its other overrides (link.clear).
    block.addEventListener('click', () => {
      const ls = links();
      if (ls.some((l) => l && l.link_blocked)) command('link.unblock', { tx: a, rx: b, both: true }, `${a} ⇄ ${b} unblocked`);
      else if (ls.some((l) => l && l.model_blocked)) command('link.clear', { tx: a, rx: b, both: true }, `overrides of ${a} ⇄ ${b} cleared`);
      else command('link.block', { tx: a, rx: b, both: true }, `${a} ⇄ ${b} blocked`);
    });
    live = () => { block.textContent = links().some((l) => l && l.blocked) ? 'unblock' : 'block'; };
  }
  const refreshControls = live || (() => {});
  live = () => {
    refreshControls();
    table.replaceChildren(...links().map((l, i) => {
      const [tx, rx] = i === 0 ? [a, b] : [b, a];
      const r = rates.link(tx, rx);
      let level = 'not heard';
      if (!l) level = '–';
      else if (l.blocked) level = 'blocked';
      else if (l.heard) level = `${dbm(l.signal)} · SNR ${db(l.snr)}${l.fixed_snr ? ' (fixed)' : ''}`;
      const extra = [`${rate(r.bps)}`, `${perSec(r.fps)} frames/s`];
      if (l && l.loss !== undefined && l.loss !== null) extra.push(`loss ${Math.round(l.loss * 100)}%`);
      if (l && (l.lost || l.withheld)) extra.push(`lost ${count(l.lost)}, withheld ${count(l.withheld)}`);
      return el('div', { class: 'dirline' },
        el('div', { class: 'dirhead' }, el('i', { class: `dir${i ? ' back' : ''}` }), el('b', { text: `${tx} → ${rx}` }), el('span', { class: 'level', text: level })),
        el('div', { class: 'dirsub', text: extra.join(' · ') }));
    }));
    plotBox.replaceChildren(plot(history.get(`${a}>${b}`) || [], history.get(`${b}>${a}`) || [], state.uptime, [a, b]));
  };
}

function find(tx, rx) { return state.links.find((l) => l.tx === tx && l.rx === rx); }

// command sends one control request, as vwifi-tool would, and says how
// it went. It returns the result, or null on failure.
async function command(cmd, args, done) {
  let body;
  try {
    const res = await fetch('api/control', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ v: 1, cmd, args }),
    });
    body = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  } catch (err) {
    body = { ok: false, error: `the medium did not answer: ${err.message}` };
  }
  if (!body.ok) { toast(body.error || 'failed', true); return null; }
  if (done) toast(done, false);
  return body.result || {};
}

async function move(name, p, refused) {
  if (refused) { toast(refused, true); return false; }
  const r = state && state.radios.find((x) => x.name === name);
  const z = r && r.placed ? r.z : 0;
  const res = await command('radio.move', { radio: name, x: p.x, y: p.y, z }, `${name} moved to ${p.x}, ${p.y} m`);
  return res !== null;
}

let toastTimer = null;
let lastToast = '';
function toast(text, error) {
  const t = $('toast');
  if (text === lastToast && t.classList.contains('show')) return;
  lastToast = text;
  t.textContent = text;
  t.className = `toast show${error ? ' error' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.className = 'toast'; lastToast = ''; }, error ? 6000 : 2500);
}

// Rates are taken over the states of the last few seconds, so that a ping
// a second reads as steady traffic rather than blinking.
function Rates() {
  let samples = [];
  this.reset = () => { samples = []; };
  this.push = (s) => {
    const radios = new Map(s.radios.map((r) => [r.name, r.stats]));
    const links = new Map(s.links.map((l) => [`${l.tx}>${l.rx}`, l]));
    samples.push({ t: s.uptime, radios, links });
    while (samples.length > 2 && samples[0].t < s.uptime - WINDOW) samples.shift();
  };
  const span = () => {
    if (samples.length < 2) return null;
    const a = samples[0], b = samples[samples.length - 1];
    return b.t > a.t ? [a, b, b.t - a.t] : null;
  };
  this.radio = (name) => {
    const s = span();
    if (!s) return { txfps: 0, rxfps: 0 };
    const [a, b, dt] = s;
    const x = a.radios.get(name), y = b.radios.get(name);
    if (!x || !y) return { txfps: 0, rxfps: 0 };
    return { txfps: Math.max(0, y.tx_frames - x.tx_frames) / dt, rxfps: Math.max(0, y.rx_frames - x.rx_frames) / dt };
  };
  this.link = (tx, rx) => {
    const s = span();
    if (!s) return { fps: 0, bps: 0 };
    const [a, b, dt] = s;
    const x = a.links.get(`${tx}>${rx}`), y = b.links.get(`${tx}>${rx}`);
    if (!y) return { fps: 0, bps: 0 };
    const fx = x ? x.frames : 0, bx = x ? x.bytes : 0;
    return { fps: Math.max(0, y.frames - fx) / dt, bps: Math.max(0, y.bytes - bx) / dt };
  };
}
