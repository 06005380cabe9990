// Formatting and colours shared by the map, the plot and the panels.

// snrColor maps an SNR in dB to the link colour: red at 5 dB and below
// (barely decodable at the lowest rates), through orange (~12 dB) and
// yellow (~18 dB), to green at 30 dB and above (every rate works).
export function snrColor(snr) {
  const t = Math.max(0, Math.min(1, (snr - 5) / 25));
  const hue = Math.round(t * 130);
  const light = 56 - Math.round(t * 8);
  return `hsl(${hue} 78% ${light}%)`;
}

// Roles as the medium reports them, with their short glyph and colour.
const ROLES = {
  ap: { glyph: 'AP', label: 'AP', color: '#f5b942' },
  station: { glyph: 'STA', label: 'station', color: '#58a6ff' },
  ibss: { glyph: 'IBSS', label: 'IBSS', color: '#c08cff' },
  mesh: { glyph: 'MESH', label: 'mesh', color: '#3fd0b6' },
  '': { glyph: '·', label: 'silent', color: '#7d8aa3' },
};

export function role(r) { return ROLES[r || ''] || ROLES['']; }

export function rate(bps) {
  if (!(bps > 0)) return '0 B/s';
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let i = 0;
  while (bps >= 1000 && i < units.length - 1) { bps /= 1000; i++; }
  return `${bps >= 100 || i === 0 ? Math.round(bps) : bps.toFixed(1)} ${units[i]}`;
}

export function perSec(n) {
  if (!(n > 0)) return '0';
  if (n < 10) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

export function count(n) {
  if (n < 10000) return String(n);
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e5 ? 1 : 0)} k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M`;
}

export function bytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function duration(s) {
  s = Math.floor(s);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

export function dbm(v) { return `${Math.round(v)} dBm`; }
export function db(v) { return `${Math.round(v)} dB`; }
export function metres(v) { return `${(Math.round(v * 10) / 10).toFixed(1)} m`; }

// channelText is "ch 6" or "ch 6 (5 GHz)"-like for the label under a radio.
export function channelText(r) {
  if (!r.freq) return 'no channel yet';
  return `ch ${r.channel || '?'}`;
}

// el creates an element (HTML or SVG by ns) with attributes and children.
export function el(tag, attrs = {}, ...kids) {
  const svg = ['svg', 'g', 'line', 'circle', 'text', 'tspan', 'rect', 'path', 'polyline', 'title'].includes(tag);
  const e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.setAttribute('class', v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid !== null && kid !== undefined && kid !== false) e.append(kid);
  }
  return e;
}

// pairKey names the unordered pair of two radios.
export function pairKey(a, b) { return a < b ? `${a}|${b}` : `${b}|${a}`; }
