// The map: radios at their model positions (north up, metres), links
// between them coloured by SNR and as wide as their traffic. Elements are
// kept by key and updated in place, so animations run on between states.
import { el, role, snrColor, channelText, pairKey, rate, db } from './format.js';

// Room around the radios for their labels, the legend and the buttons.
const PAD = { left: 90, right: 90, top: 64, bottom: 150 };
const NODE_R = 20;
// Without a model the radios sit on a circle of this radius (no unit).
const CIRCLE = 10;

export class MapView {
  constructor(svg, { onSelect, onMove, canMove }) {
    this.svg = svg;
    this.onSelect = onSelect;
    this.onMove = onMove;
    this.canMove = canMove;
    this.grid = el('g', { class: 'grid' });
    this.scaleBar = el('g', { class: 'scale' });
    this.linkLayer = el('g');
    this.tagLayer = el('g');
    this.radioLayer = el('g');
    svg.append(this.grid, this.scaleBar, this.linkLayer, this.tagLayer, this.radioLayer);
    this.radios = new Map(); // name -> element parts
    this.links = new Map(); // pair key -> element parts
    this.view = null; // {cx, cy, scale, sx, sy}
    this.state = null;
    this.rates = null;
    this.sel = null;
    this.drag = null;
    this.pending = new Map(); // name -> {x, y, until}: moved, not yet in a state
    this.world = new Map(); // name -> {x, y}
    svg.addEventListener('pointermove', (e) => this.pointerMove(e));
    svg.addEventListener('pointerup', (e) => this.pointerUp(e));
    svg.addEventListener('pointercancel', () => { this.drag = null; this.draw(); });
    // A click on the background clears the selection; the click that
    // ends a press on a radio (captured by the map) does not.
    svg.addEventListener('click', (e) => {
      if (this.pressed) { this.pressed = false; return; }
      if (e.target === svg) this.onSelect(null);
    });
    svg.addEventListener('dblclick', (e) => { if (e.target === svg) this.fit(); });
    new ResizeObserver(() => this.fit()).observe(svg);
  }

  // update takes a new state and the rates derived from the last ones.
  update(state, rates, sel) {
    this.state = state;
    this.rates = rates;
    this.sel = sel;
    const now = performance.now();
    for (const [name, p] of this.pending) {
      const r = state.radios.find((x) => x.name === name);
      if (!r || now > p.until || (r.placed && Math.hypot(r.x - p.x, r.y - p.y) < 0.06)) this.pending.delete(name);
    }
    this.positions();
    if (!this.drag && this.needsFit()) this.fit(false);
    this.draw();
  }

  // positions places every radio in the world: the model's position, the
  // pending or dragged one, or a circle for radios the model has not placed.
  positions() {
    const radios = this.state.radios;
    const model = this.state.model !== '';
    const placed = radios.filter((r) => model && r.placed);
    const loose = radios.filter((r) => !(model && r.placed));
    this.world = new Map();
    for (const r of placed) this.world.set(r.name, { x: r.x, y: r.y });
    let cx = 0, cy = 0, radius = CIRCLE;
    if (placed.length > 0) {
      const xs = placed.map((r) => r.x), ys = placed.map((r) => r.y);
      cx = (Math.min(...xs) + Math.max(...xs)) / 2;
      cy = (Math.min(...ys) + Math.max(...ys)) / 2;
      radius = Math.max(5, 0.65 * Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)));
    }
    loose.forEach((r, i) => {
      const a = Math.PI / 2 - (2 * Math.PI * i) / Math.max(1, loose.length);
      this.world.set(r.name, { x: cx + radius * Math.cos(a), y: cy + radius * Math.sin(a) });
    });
    for (const [name, p] of this.pending) this.world.set(name, { x: p.x, y: p.y });
    if (this.drag && this.drag.world) this.world.set(this.drag.name, this.drag.world);
  }

  size() {
    const r = this.svg.getBoundingClientRect();
    return { w: Math.max(200, r.width), h: Math.max(200, r.height) };
  }

  target() {
    const { w, h } = this.size();
    const pts = [...this.world.values()];
    if (pts.length === 0) return null;
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    const minx = Math.min(...xs), maxx = Math.max(...xs), miny = Math.min(...ys), maxy = Math.max(...ys);
    const aw = Math.max(50, w - PAD.left - PAD.right), ah = Math.max(50, h - PAD.top - PAD.bottom);
    const bw = maxx - minx, bh = maxy - miny;
    let scale = Math.min(bw > 1e-9 ? aw / bw : Infinity, bh > 1e-9 ? ah / bh : Infinity);
    if (!Number.isFinite(scale)) scale = Math.min(aw, ah) / 20;
    scale = Math.min(scale, 400);
    return { cx: (minx + maxx) / 2, cy: (miny + maxy) / 2, scale, sx: PAD.left + aw / 2, sy: PAD.top + ah / 2 };
  }

  // needsFit: a radio left the view, or the view could zoom in a lot.
  needsFit() {
    if (!this.view) return true;
    const t = this.target();
    if (!t) return false;
    if (t.scale > this.view.scale * 1.6) return true;
    const { w, h } = this.size();
    for (const p of this.world.values()) {
      const s = this.toScreen(p);
      if (s.x < PAD.left * 0.5 || s.x > w - PAD.right * 0.5 || s.y < PAD.top * 0.6 || s.y > h - PAD.bottom * 0.6) return true;
    }
    return false;
  }

  fit(redraw = true) {
    const { w, h } = this.size();
    this.svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    this.view = this.target();
    if (redraw && this.state) this.draw();
  }

  toScreen(p) {
    const v = this.view;
    return { x: v.sx + (p.x - v.cx) * v.scale, y: v.sy - (p.y - v.cy) * v.scale };
  }

  toWorld(e) {
    const v = this.view;
    const box = this.svg.getBoundingClientRect();
    const sx = e.clientX - box.left, sy = e.clientY - box.top;
    return { x: v.cx + (sx - v.sx) / v.scale, y: v.cy - (sy - v.sy) / v.scale };
  }

  draw() {
    if (!this.view || !this.state) return;
    this.drawGrid();
    const screen = new Map();
    for (const [name, p] of this.world) screen.set(name, this.toScreen(p));
    this.drawLinks(screen);
    this.drawRadios(screen);
  }

  drawGrid() {
    this.grid.replaceChildren();
    this.scaleBar.replaceChildren();
    if (this.state.model === '') return; // no metres without a model
    const { w, h } = this.size();
    const v = this.view;
    const step = niceStep(90 / v.scale);
    const tl = { x: v.cx + (0 - v.sx) / v.scale, y: v.cy + v.sy / v.scale };
    const br = { x: v.cx + (w - v.sx) / v.scale, y: v.cy - (h - v.sy) / v.scale };
    for (let x = Math.ceil(tl.x / step) * step; x <= br.x; x += step) {
      const s = this.toScreen({ x, y: 0 }).x;
      this.grid.append(el('line', { x1: s, y1: 0, x2: s, y2: h }));
      if (s > 50) this.grid.append(el('text', { x: s + 4, y: 16, text: `${fmtStep(x)} m` }));
    }
    for (let y = Math.ceil(br.y / step) * step; y <= tl.y; y += step) {
      const s = this.toScreen({ x: 0, y }).y;
      this.grid.append(el('line', { x1: 0, y1: s, x2: w, y2: s }));
      if (s > 34) this.grid.append(el('text', { x: 6, y: s - 4, text: `${fmtStep(y)} m` }));
    }
    const len = step * v.scale, x0 = w - 30 - len, y0 = h - 26;
    this.scaleBar.append(
      el('line', { x1: x0, y1: y0, x2: x0 + len, y2: y0 }),
      el('line', { x1: x0, y1: y0 - 5, x2: x0, y2: y0 + 5 }),
      el('line', { x1: x0 + len, y1: y0 - 5, x2: x0 + len, y2: y0 + 5 }),
      el('text', { x: x0 + len / 2, y: y0 - 9, 'text-anchor': 'middle', text: `${fmtStep(step)} m` }));
  }

  drawLinks(screen) {
    this.freq = new Map(this.state.radios.map((r) => [r.name, r.freq]));
    const pairs = new Map();
    for (const l of this.state.links) {
      const key = pairKey(l.tx, l.rx);
      const [a] = key.split('|');
      const p = pairs.get(key) || { key, a: key.split('|')[0], b: key.split('|')[1] };
      if (l.tx === a) p.ab = l; else p.ba = l;
      pairs.set(key, p);
    }
    for (const [key, parts] of this.links) {
      if (!pairs.has(key)) { parts.g.remove(); parts.tag.remove(); this.links.delete(key); }
    }
    const tags = [];
    for (const p of pairs.values()) {
      const A = screen.get(p.a), B = screen.get(p.b);
      if (!A || !B) continue;
      let parts = this.links.get(p.key);
      if (!parts) {
        parts = {
          g: el('g', { class: 'link', 'data-link': p.key }),
          halo: el('line', { class: 'halo' }), wire: el('line', { class: 'wire' }),
          flow: el('line', { class: 'flow' }), hit: el('line', { class: 'hit' }),
          tag: el('g', { class: 'tag' }), rect: el('rect', { rx: 6, ry: 6, height: 18 }), text: el('text', { y: 4 }),
          title: el('title'),
        };
        parts.tag.append(parts.rect, parts.text);
        parts.g.append(parts.title, parts.halo, parts.wire, parts.flow, parts.hit);
        parts.g.addEventListener('click', (e) => { e.stopPropagation(); this.onSelect({ kind: 'link', key: p.key }); });
        parts.tag.addEventListener('click', (e) => { e.stopPropagation(); this.onSelect({ kind: 'link', key: p.key }); });
        this.linkLayer.append(parts.g);
        this.tagLayer.append(parts.tag);
        this.links.set(p.key, parts);
      }
      const dirs = [p.ab, p.ba].filter(Boolean);
      const heard = dirs.filter((l) => l.heard);
      const blocked = dirs.some((l) => l.blocked);
      const snr = heard.length ? heard.reduce((s, l) => s + l.snr, 0) / heard.length : null;
      const rab = this.rates.link(p.a, p.b), rba = this.rates.link(p.b, p.a);
      const bps = rab.bps + rba.bps;
      const width = 2 + Math.min(8, 2.4 * Math.log10(1 + bps / 300));
      for (const line of [parts.halo, parts.wire, parts.flow, parts.hit]) {
        line.setAttribute('x1', A.x); line.setAttribute('y1', A.y);
        line.setAttribute('x2', B.x); line.setAttribute('y2', B.y);
      }
      const selected = this.sel && this.sel.kind === 'link' && this.sel.key === p.key;
      // Radios on different channels would hear each other, but are not
      // listening there: their link is dimmed.
      const fa = this.freq.get(p.a), fb = this.freq.get(p.b);
      const xchan = fa && fb && fa !== fb;
      parts.g.setAttribute('class', `link${blocked ? ' blocked' : ''}${!heard.length && !blocked ? ' unheard' : ''}${selected ? ' sel' : ''}${xchan ? ' xchan' : ''}`);
      parts.tag.setAttribute('class', `tag${xchan && !selected ? ' xchan' : ''}`);
      if (heard.length && !blocked) {
        parts.wire.setAttribute('stroke', snrColor(snr));
        parts.wire.setAttribute('stroke-width', width.toFixed(1));
      } else {
        parts.wire.removeAttribute('stroke');
        parts.wire.setAttribute('stroke-width', blocked ? '2.5' : '1.5');
      }
      parts.halo.setAttribute('visibility', selected ? 'visible' : 'hidden');
      parts.flow.setAttribute('visibility', bps > 0 && !blocked && !xchan ? 'visible' : 'hidden');
      parts.flow.setAttribute('stroke-width', Math.max(1.5, width / 2.5).toFixed(1));
      parts.flow.setAttribute('class', `flow${rba.bps > rab.bps ? ' back' : ''}`);
      parts.title.textContent = [p.ab, p.ba].filter(Boolean).map((l) =>
        `${l.tx} → ${l.rx}: ${l.blocked ? 'blocked' : l.heard ? `${Math.round(l.signal)} dBm, SNR ${Math.round(l.snr)} dB` : 'not heard'}, ${rate(this.rates.link(l.tx, l.rx).bps)}`).join('\n')
        + (xchan ? '\n(on different channels: they do not hear each other now)' : '');
      let label = null;
      if (blocked) label = heard.length && dirs.some((l) => !l.blocked) ? `⊘ one way · ${db(snr)}` : '⊘ blocked';
      else if (heard.length) label = db(snr);
      const loss = dirs.map((l) => l.loss).filter((x) => x !== undefined && x !== null);
      if (label && loss.length) label += ` · loss ${Math.round(Math.max(...loss) * 100)}%`;
      if (!label && selected) label = 'not heard';
      parts.tag.setAttribute('visibility', label ? 'visible' : 'hidden');
      if (label) {
        parts.text.textContent = label;
        const wpx = 12 + label.length * 6.4;
        parts.rect.setAttribute('width', wpx.toFixed(0));
        parts.rect.setAttribute('x', (-wpx / 2).toFixed(0));
        parts.rect.setAttribute('y', '-9');
        parts.text.setAttribute('text-anchor', 'middle');
        tags.push({ parts, A, B, w: wpx });
      }
    }
    placeTags(tags);
  }

  drawRadios(screen) {
    const names = new Set(this.state.radios.map((r) => r.name));
    for (const [name, parts] of this.radios) {
      if (!names.has(name)) { parts.g.remove(); this.radios.delete(name); }
    }
    const { h } = this.size();
    for (const r of this.state.radios) {
      const s = screen.get(r.name);
      if (!s) continue;
      let parts = this.radios.get(r.name);
      if (!parts) {
        parts = {
          g: el('g', { class: 'radio', 'data-radio': r.name }),
          pulse: el('circle', { class: 'pulse', r: NODE_R + 1 }),
          ring: el('circle', { class: 'ring', r: NODE_R + 6 }),
          node: el('circle', { class: 'node', r: NODE_R }),
          glyph: el('text', { class: 'glyph' }),
          label: el('g', { class: 'label' }),
          name: el('text', { class: 'name halo-text' }),
          sub: el('text', { class: 'sub halo-text' }),
          bss: el('text', { class: 'bss halo-text' }),
          title: el('title'),
        };
        parts.label.append(parts.name, parts.sub, parts.bss);
        parts.g.append(parts.title, parts.pulse, parts.ring, parts.node, parts.glyph, parts.label);
        parts.g.addEventListener('pointerdown', (e) => this.pointerDown(e, r.name));
        this.radioLayer.append(parts.g);
        this.radios.set(r.name, parts);
      }
      const info = role(r.role);
      const rr = this.rates.radio(r.name);
      const selected = this.sel && this.sel.kind === 'radio' && this.sel.name === r.name;
      const dragging = this.drag && this.drag.name === r.name && this.drag.world;
      parts.g.setAttribute('class', `radio${selected ? ' sel' : ''}${rr.txfps > 0 ? ' active' : ''}${dragging ? ' dragging' : ''}`);
      parts.g.setAttribute('transform', `translate(${s.x.toFixed(1)},${s.y.toFixed(1)})`);
      parts.node.setAttribute('fill', info.color);
      parts.pulse.setAttribute('stroke', info.color);
      parts.ring.setAttribute('visibility', selected ? 'visible' : 'hidden');
      parts.glyph.textContent = info.glyph;
      parts.glyph.setAttribute('font-size', info.glyph.length > 3 ? '9.5' : '11');
      parts.name.textContent = r.name;
      parts.sub.textContent = [channelText(r), r.role ? info.label : null].filter(Boolean).join(' · ');
      parts.bss.textContent = r.bssid ? `bss ${r.bssid}` : '';
      const w = this.world.get(r.name);
      parts.title.textContent = `${r.name} (${r.wiphy}, ${r.hwaddr})` + (this.state.model !== '' && w ? `\nat ${w.x.toFixed(1)}, ${w.y.toFixed(1)} m` : '');
      // Labels go below the radio, or above when another radio sits
      // where they would be, or the map ends.
      const lines = r.bssid ? 3 : 2;
      const crowded = [...screen.entries()].some(([n, o]) => n !== r.name && Math.abs(o.x - s.x) < 95 && o.y - s.y > 0 && o.y - s.y < 40 + lines * 16);
      const above = crowded || s.y + 40 + lines * 15 > h - 10;
      const y0 = above ? -(NODE_R + 12 + (lines - 1) * 15) : NODE_R + 19;
      parts.name.setAttribute('y', y0);
      parts.sub.setAttribute('y', y0 + 16);
      parts.bss.setAttribute('y', y0 + 30);
    }
  }

  pointerDown(e, name) {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    this.svg.setPointerCapture(e.pointerId);
    this.drag = { name, x: e.clientX, y: e.clientY, moved: false, world: null };
  }

  pointerMove(e) {
    const d = this.drag;
    if (!d) return;
    if (!d.moved && Math.hypot(e.clientX - d.x, e.clientY - d.y) < 4) return;
    d.moved = true;
    const why = this.canMove();
    if (why !== true) { this.onMove(d.name, null, why); return; }
    d.world = this.toWorld(e);
    this.positions();
    this.draw();
  }

  pointerUp(e) {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    this.pressed = true;
    if (!d.moved) { this.onSelect({ kind: 'radio', name: d.name }); return; }
    if (!d.world) return;
    const p = { x: Math.round(d.world.x * 10) / 10, y: Math.round(d.world.y * 10) / 10 };
    this.pending.set(d.name, { ...p, until: performance.now() + 5000 });
    this.positions();
    this.draw();
    Promise.resolve(this.onMove(d.name, p)).then((ok) => {
      if (!ok) { this.pending.delete(d.name); if (this.state) { this.positions(); this.draw(); } }
    });
  }
}

// placeTags moves link labels apart along their links when they overlap.
function placeTags(tags) {
  const boxes = [];
  for (const t of tags) {
    let pos = 0.5;
    for (const dt of [0, 0.14, -0.14, 0.26, -0.26]) {
      pos = 0.5 + dt;
      const x = t.A.x + (t.B.x - t.A.x) * pos, y = t.A.y + (t.B.y - t.A.y) * pos;
      const box = { x0: x - t.w / 2, x1: x + t.w / 2, y0: y - 10, y1: y + 10 };
      if (!boxes.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1) || dt === -0.26) {
        boxes.push(box);
        t.parts.tag.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)})`);
        break;
      }
    }
  }
}

// niceStep is the grid step: 1, 2 or 5 times a power of ten, at least min.
function niceStep(min) {
  const p = Math.pow(10, Math.floor(Math.log10(min)));
  for (const m of [1, 2, 5, 10]) if (m * p >= min) return m * p;
  return 10 * p;
}

function fmtStep(v) {
  const r = Math.round(v * 1000) / 1000;
  return Math.abs(r) < 1e-9 ? '0' : String(r);
}
