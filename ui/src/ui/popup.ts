// Popup contents from the backend's detail answers. Knows neither MapLibre nor a transport.
import type { BuildingDetail, CaseDetail, StationDetail, UnitDetail } from '../backend';
import { t, tk } from '../i18n';
import { fmt, h } from './dom';

const str = (v: unknown): string => (v === null || v === undefined ? '—' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

function row(label: string, value: Node | string): HTMLElement {
  return h('div', { class: 'kv' }, h('span', { class: 'k' }, label), h('span', { class: 'v' }, value));
}

function head(kind: string, title: string, badge?: HTMLElement): HTMLElement {
  return h('div', { class: 'pop-head' }, h('div', { class: 'pop-kind' }, kind), h('div', { class: 'pop-title' }, title), badge ?? null);
}

function where(d: { location: { street: { name: string }; community: { name: string }; subgrid: { name: string } } | null }): string {
  const l = d.location;
  return l ? `${l.street.name} · ${l.community.name} · ${l.subgrid.name}` : '—';
}

export function buildingPopup(d: BuildingDetail): HTMLElement {
  const p = d.properties;
  const rating = str(p.rating);
  const reasons = Array.isArray(p.reasons) ? (p.reasons as string[]) : [];
  const nearest = Object.entries(d.nearest).map(([s, n]) =>
    h('li', {}, `${tk(`service.${s}`, s)}：${n.name}（${fmt(n.distance_m)} m）`));
  return h('div', { class: 'pop', 'data-testid': 'popup-building', 'data-id': str(p.id) },
    head(t('popup.building'), str(p.address), h('span', { class: `badge rating-${rating}`, 'data-testid': 'popup-rating' }, tk(`rating.${rating}`, rating))),
    row(t('popup.reasons'), reasons.length ? reasons.map((r) => tk(`reason.${r}`, r)).join('、') : t('popup.noReasons')),
    row(t('popup.lastInspection'), str(p.last_inspection)),
    row(t('popup.kind'), tk(`kind.${str(p.kind)}`, str(p.kind))),
    row(`${t('popup.floors')} / ${t('popup.households')} / ${t('popup.residents')}`, `${str(p.floors)} / ${str(p.households)} / ${str(p.residents)}`),
    row(t('popup.location'), where(d)),
    h('div', { class: 'sub' }, t('popup.nearest')), h('ul', {}, ...nearest),
    d.cases.length ? h('div', { class: 'sub' }, `${t('popup.cases')}（${d.cases.length}）`) : null,
    d.cases.length ? h('ul', {}, ...d.cases.slice(0, 4).map((c) => h('li', {}, `${c.id} · ${tk(`outcome.${str(c.outcome)}`, str(c.outcome))} · ${str(c.description)}`))) : null,
    h('div', { class: 'pop-id' }, str(p.id)),
  );
}

export function stationPopup(d: StationDetail): HTMLElement {
  const p = d.properties;
  const services = Array.isArray(p.services) ? (p.services as string[]) : [];
  return h('div', { class: 'pop', 'data-testid': 'popup-station', 'data-id': str(p.id) },
    head(tk(`level.${str(p.level)}`, t('popup.station')), str(p.name)),
    row(t('popup.services'), services.map((s) => tk(`service.${s}`, s)).join('、')),
    row(t('popup.hours'), str(p.hours)),
    row(t('popup.covers'), t('popup.coversText', { b: fmt(d.covers.buildings), r: fmt(d.covers.residents), w: fmt(d.covers.warning) })),
    row(t('popup.location'), where(d)),
    h('div', { class: 'pop-id' }, str(p.id)),
  );
}

function bar(share: number): HTMLElement {
  const pct = Math.round(share * 1000) / 10;
  const b = h('div', { class: 'bar' }, h('div', { class: 'fill' }), h('span', {}, `${pct}%`));
  (b.firstChild as HTMLElement).style.width = `${pct}%`;
  return b;
}

export function unitPopup(d: UnitDetail): HTMLElement {
  const p = d.properties;
  const rows: (HTMLElement | null)[] = [
    p.population !== undefined ? row(t('popup.population'), fmt(num(p.population))) : null,
    p.staff !== undefined ? row(t('popup.staff'), fmt(num(p.staff))) : null,
    p.area_km2 !== undefined ? row(t('popup.area'), `${num(p.area_km2).toFixed(2)} km²`) : null,
    row(t('popup.openCases'), fmt(d.open_cases)),
  ];
  const cov = d.coverage
    ? [h('div', { class: 'sub' }, t('popup.coverage')),
      ...(['appeal', 'legal', 'psych'] as const).map((s) => {
        const c = d.coverage?.[s];
        return c ? row(tk(`service.${s}`, s), bar(c.building_share)) : null;
      })]
    : [];
  return h('div', { class: 'pop', 'data-testid': `popup-${d.kind}`, 'data-id': str(p.code) },
    head(tk(`unit.${d.kind}`, d.kind), str(p.name)),
    ...rows, ...cov,
    h('div', { class: 'pop-id' }, d.path.map((x) => x.name).join(' › ')),
  );
}

export function casePopup(d: CaseDetail): HTMLElement {
  const p = d.properties;
  const g = num(p.grade);
  return h('div', { class: 'pop', 'data-testid': 'popup-case', 'data-id': str(p.id) },
    head(t('popup.case'), str(p.id), h('span', { class: `badge grade-${g}` }, tk(`grade.${g}`, str(p.grade)))),
    row(t('popup.matter'), str(p.matter)),
    h('div', { class: 'desc' }, str(p.description)),
    row(t('popup.channel'), tk(`channel.${str(p.channel)}`, str(p.channel))),
    row(t('popup.reportedAt'), str(p.reported_at).replace('T', ' ').slice(0, 16)),
    row(t('popup.outcome'), tk(`outcome.${str(p.outcome)}`, str(p.outcome))),
    row(t('popup.location'), where(d)),
  );
}

export function gapPopup(p: Record<string, unknown>): HTMLElement {
  const s = str(p.service);
  return h('div', { class: 'pop', 'data-testid': 'popup-gap' },
    head(t('popup.gap'), tk(`service.${s}`, s)),
    h('div', { class: 'desc' }, t('popup.gapText', { b: fmt(num(p.buildings)), r: fmt(num(p.residents)), w: fmt(num(p.warning)), s: tk(`service.${s}`, s) })),
  );
}

export function errorPopup(message: string): HTMLElement {
  return h('div', { class: 'pop error' }, message);
}
