// The command center's chrome: header with figures, layer panel, legend, breadcrumb and search.
// Each piece is rebuilt from its state on a language switch; none knows MapLibre or a transport.
import type { Overview, PathItem, SearchHit } from '../backend';
import { t, tk, type MessageKey } from '../i18n';
import { iconDataUrl } from '../map/icons';
import { PALETTES, type ThemeName } from '../map/theme';
import type { Toggle } from '../map/ids';
import { fmt, h } from './dom';

// One clock for the page (Asia/Shanghai), moved into each rebuilt header.
const clock = h('div', { class: 'clock', 'data-testid': 'clock' });
const tick = () => {
  clock.textContent = new Date().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
};
tick();
window.setInterval(tick, 1000);

export function header(o: Overview | null, openCases: number, theme: ThemeName, live: boolean,
  onTheme: () => void, onLang: () => void): HTMLElement {
  const stat = (label: MessageKey, value: string, cls = '') =>
    h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-v' }, value), h('div', { class: 'stat-k' }, t(label)));
  const total = o ? Object.values(o.ratings).reduce((a, b) => a + b, 0) : 0;
  return h('header', { class: 'top' },
    h('div', { class: 'brand' },
      h('div', { class: 'logo' }),
      h('div', {}, h('div', { class: 'title' }, t((o?.counts.districts ?? 1) > 1 ? 'app.title.city' : 'app.title')), h('div', { class: 'subtitle' }, t('app.subtitle')))),
    h('div', { class: 'stats' },
      stat('header.buildings', fmt(total), 'fixed'),
      stat('header.warning', fmt(o?.ratings.warning ?? 0), 'warn'),
      stat('header.stations', fmt(o?.counts.stations ?? 0), 'fixed'),
      stat('header.cases', fmt(openCases), 'cases')),
    h('div', { class: 'tools' },
      h('span', { class: `live ${live ? 'on' : ''}`, title: t('status.live') }, live ? t('status.live') : t('status.offline')),
      clock,
      h('button', { class: 'btn', 'data-testid': 'theme-toggle', onclick: onTheme }, theme === 'dark' ? t('header.theme.light') : t('header.theme.dark')),
      h('button', { class: 'btn', 'data-testid': 'lang-toggle', onclick: onLang }, t('header.lang'))),
  );
}

const PANEL: { group?: MessageKey; toggle: Toggle; label: MessageKey; swatch?: keyof typeof PALETTES.dark }[] = [
  { group: 'panel.admin', toggle: 'context', label: 'layer.context', swatch: 'contextLine' },
  { toggle: 'streets', label: 'layer.streets', swatch: 'streetLine' },
  { toggle: 'communities', label: 'layer.communities', swatch: 'communityLine' },
  { toggle: 'subgrids', label: 'layer.subgrids', swatch: 'subgridLine' },
  { toggle: 'roads', label: 'layer.roads', swatch: 'roadMajor' },
  { group: 'panel.title', toggle: 'buildings', label: 'layer.buildings', swatch: 'warning' },
  { toggle: 'stations', label: 'layer.stations', swatch: 'selected' },
  { toggle: 'circle.appeal', label: 'layer.circle.appeal', swatch: 'appeal' },
  { toggle: 'circle.legal', label: 'layer.circle.legal', swatch: 'legal' },
  { toggle: 'circle.psych', label: 'layer.circle.psych', swatch: 'psych' },
  { toggle: 'cases', label: 'layer.cases', swatch: 'grade1' },
  { toggle: 'cameras', label: 'layer.cameras', swatch: 'camera' },
  { toggle: 'gaps', label: 'layer.gaps', swatch: 'gap' },
];

export function layerPanel(theme: ThemeName, isOn: (t: Toggle) => boolean, onToggle: (t: Toggle, on: boolean) => void,
  gapService: string, onGapService: (s: 'appeal' | 'legal' | 'psych') => void): HTMLElement {
  const p = PALETTES[theme];
  const items: HTMLElement[] = [];
  for (const e of PANEL) {
    if (e.group) items.push(h('div', { class: 'group' }, t(e.group)));
    const box = h('input', { type: 'checkbox', 'data-testid': `toggle-${e.toggle}`, checked: isOn(e.toggle) });
    box.addEventListener('change', () => onToggle(e.toggle, box.checked));
    const sw = h('span', { class: 'swatch' });
    sw.style.background = e.swatch ? p[e.swatch] : 'transparent';
    items.push(h('label', { class: 'toggle' }, box, sw, h('span', {}, t(e.label))));
    if (e.toggle === 'gaps') {
      const sel = h('select', { class: 'gap-service', 'data-testid': 'gap-service' },
        ...(['appeal', 'legal', 'psych'] as const).map((s) =>
          h('option', { value: s, selected: s === gapService }, tk(`service.${s}`, s))));
      sel.addEventListener('change', () => onGapService(sel.value as 'appeal' | 'legal' | 'psych'));
      items.push(h('div', { class: 'gap-row' }, sel));
    }
  }
  return h('section', { class: 'panel layers', 'data-testid': 'layer-panel' }, h('h2', {}, t('panel.title')), ...items);
}

export function legend(theme: ThemeName): HTMLElement {
  const p = PALETTES[theme];
  const dot = (colour: string, cls = 'dot') => {
    const d = h('span', { class: cls });
    if (cls === 'ring') d.style.borderColor = colour; else d.style.background = colour;
    return d;
  };
  const item = (mark: HTMLElement, label: string) => h('div', { class: 'li' }, mark, h('span', {}, label));
  const icon = (level: string) => h('img', { class: 'ico', src: iconDataUrl(level), alt: '' });
  const ramp = h('span', { class: 'ramp' });
  ramp.style.background = `linear-gradient(90deg, ${p.safe}, ${p.general}, ${p.warning})`;
  return h('section', { class: 'panel legend', 'data-testid': 'legend' },
    h('h2', {}, t('legend.title')),
    h('div', { class: 'group' }, t('legend.ratings')),
    item(dot(p.safe), t('rating.safe')), item(dot(p.general), t('rating.general')), item(dot(p.warning), t('rating.warning')),
    item(ramp, t('legend.cluster')),
    h('div', { class: 'note' }, t('legend.clusterNote')),
    h('div', { class: 'group' }, t('legend.stations')),
    ...['district_hall', 'street_hall', 'community_hall', 'subgrid_station'].map((l) => item(icon(l), tk(`level.${l}`, l))),
    item(dot(p.appeal, 'ring'), t('service.appeal')), item(dot(p.legal, 'ring'), t('service.legal')), item(dot(p.psych, 'ring'), t('service.psych')),
    h('div', { class: 'group' }, t('legend.grades')),
    item(dot(p.grade1), t('grade.1')), item(dot(p.grade2), t('grade.2')), item(dot(p.grade3), t('grade.3')),
    item(dot(p.gap, 'sq'), t('legend.gaps')),
    item(icon('camera'), t('layer.cameras')),
  );
}

export function breadcrumb(path: PathItem[], onGo: (p: PathItem) => void): HTMLElement {
  const crumbs: (HTMLElement | string)[] = [];
  path.forEach((p, i) => {
    if (i > 0) crumbs.push(h('span', { class: 'sep' }, '›'));
    crumbs.push(h('button', { class: `crumb ${i === path.length - 1 ? 'cur' : ''}`, 'data-testid': `crumb-${p.kind}`, onclick: () => onGo(p) }, p.kind === 'city' ? t('crumb.city') : p.name));
  });
  return h('nav', { class: 'breadcrumb', 'data-testid': 'breadcrumb' }, ...crumbs);
}

export function searchBox(search: (q: string) => Promise<SearchHit[]>, onPick: (hit: SearchHit) => void): HTMLElement {
  const input = h('input', { type: 'search', class: 'search-input', 'data-testid': 'search-input', placeholder: t('search.placeholder'), autocomplete: 'off' });
  const list = h('ul', { class: 'search-results', 'data-testid': 'search-results' });
  let hits: SearchHit[] = [];
  let seq = 0;
  let timer = 0;
  const choose = (hit: SearchHit) => {
    list.replaceChildren();
    input.value = hit.label;
    input.blur();
    onPick(hit);
  };
  const run = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { list.replaceChildren(); hits = []; return; }
    try {
      const r = await search(q);
      if (mine !== seq) return;
      hits = r;
      list.replaceChildren(...(r.length ? r.map((hit) =>
        h('li', { 'data-testid': 'search-hit', 'data-kind': hit.kind, 'data-id': hit.id, onmousedown: (e) => { e.preventDefault(); choose(hit); } },
          h('span', { class: `kind k-${hit.kind}` }, tk(`unit.${hit.kind}`, hit.kind)),
          h('span', { class: 'label' }, hit.label),
          h('span', { class: 'ctx' }, hit.context))) : [h('li', { class: 'none' }, t('search.none'))]));
    } catch {
      list.replaceChildren(h('li', { class: 'none' }, t('search.none')));
    }
  };
  input.addEventListener('input', () => { window.clearTimeout(timer); timer = window.setTimeout(() => void run(), 150); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      window.clearTimeout(timer);
      void run().then(() => { const first = hits[0]; if (first) choose(first); });
    } else if (e.key === 'Escape') { list.replaceChildren(); }
  });
  input.addEventListener('blur', () => window.setTimeout(() => list.replaceChildren(), 150));
  return h('div', { class: 'search', 'data-testid': 'search' }, input, list);
}
