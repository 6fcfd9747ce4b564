// The command center's report views: the dashboard (KPI tiles and the Rust-drawn charts, each
// exportable as SVG and PNG) and the risk view (choropleth on the one map, ranked list with
// drill-down district → street → community → sub-grid, inputs on hover). Mounted once on the
// operator map and shown by the workspaces' tabs (驾驶舱, 风险研判); a language switch redraws
// them (the charts come back in the new language).
import type { Backend } from '../backend';
import { lang, onLangChange, t } from '../i18n';
import type { MapView } from '../map';
import { RiskLayer, type RiskHover } from '../map/overlays';
import { fmt, h } from '../ui/dom';
import { RISK_STOPS, download, reports, type DashboardData, type RiskData, type RiskRow } from './api';
import './reports.css';

export type ReportMode = 'map' | 'dashboard' | 'risk';

/** What the workspaces drive: which report view is shown over the map, if any. */
export interface ReportViews { show(m: ReportMode): Promise<void> }

function pct(x: number): string { return `${(100 * x).toFixed(0)}%`; }

/** The inputs of a risk row as labelled lines. */
export function inputLines(r: RiskRow): string[] {
  const i = r.inputs;
  return [
    `${t('risk.inputs.warning')}: ${fmt(i.warning_buildings)} / ${fmt(i.buildings)}`,
    `${t('risk.inputs.open')}: ${fmt(i.open_by_grade[0] + i.open_by_grade[1] + i.open_by_grade[2])} (${i.open_by_grade.join(' / ')})`,
    `${t('risk.inputs.breaches')}: ${fmt(i.recent_breaches)}`,
    `${t('risk.inputs.gap')}: ${pct(i.gap_share)}`,
  ];
}

export function mountReports(app: HTMLElement, view: MapView, backend: Backend): ReportViews {
  let mode: ReportMode = 'map';
  let dash: DashboardData | null = null;
  let risk: RiskData | null = null;
  let path: string[] = [];
  let subgrids: GeoJSON.Feature[] = [];
  const chartUrls = new Map<string, string>();
  const dashEl = h('section', { class: 'dash', 'data-testid': 'dashboard', hidden: true });
  const riskEl = h('section', { class: 'panel risk', 'data-testid': 'risk-panel', hidden: true });
  const tip = h('div', { class: 'risk-tip', 'data-testid': 'risk-tip', hidden: true });
  app.append(dashEl, riskEl, tip);

  const layer = new RiskLayer(view.map, RISK_STOPS, showTip, (code) => { void drillTo(code); });
  layer.setVisible(false);

  function showTip(hv: RiskHover | null): void {
    if (!hv || !risk) { tip.hidden = true; return; }
    const row = risk.rows.find((r) => r.code === hv.props.code);
    if (!row) { tip.hidden = true; return; }
    tip.replaceChildren(h('div', { class: 'tip-title' }, `${row.name} · ${row.score.toFixed(1)}`),
      h('div', { class: 'tip-rank' }, `${t('risk.rank')} ${row.rank}`), ...inputLines(row).map((l) => h('div', {}, l)));
    tip.style.left = `${hv.point.x + 16}px`;
    tip.style.top = `${hv.point.y + 80}px`;
    tip.hidden = false;
  }

  async function show(m: ReportMode): Promise<void> {
    if (m === mode) return;
    mode = m;
    document.body.classList.toggle('risk-on', m === 'risk');
    dashEl.hidden = m !== 'dashboard';
    riskEl.hidden = m !== 'risk';
    layer.setVisible(m === 'risk');
    if (m !== 'risk') tip.hidden = true;
    if (m === 'dashboard') await loadDashboard();
    if (m === 'risk') await loadRisk();
  }

  async function loadDashboard(): Promise<void> {
    dashEl.replaceChildren(h('div', { class: 'dash-loading' }, t('dash.loading')));
    try {
      dash = await reports.dashboard({ lang: lang() });
      renderDashboard();
      await Promise.all(dash.charts.map(async (c) => {
        const blob = await reports.chart(c.id, 'svg', { lang: lang(), day: dash?.as_of.date });
        const old = chartUrls.get(c.id);
        if (old) URL.revokeObjectURL(old);
        const url = URL.createObjectURL(blob);
        chartUrls.set(c.id, url);
        const img = dashEl.querySelector<HTMLImageElement>(`img[data-chart="${c.id}"]`);
        if (img) img.src = url;
      }));
      dashEl.dataset.ready = 'true';
    } catch (e) {
      dashEl.replaceChildren(h('div', { class: 'dash-error', 'data-testid': 'dash-error' }, String(e)));
    }
  }

  function asOfLine(d: { as_of: { date: string; basis: string } }, synthetic: boolean): string {
    const s = d.as_of.basis === 'latest_case' ? t('dash.asOfLatest', { date: d.as_of.date }) : t('dash.asOf', { date: d.as_of.date });
    return synthetic ? `${s} · ${t('dash.synthetic')}` : s;
  }

  function renderDashboard(): void {
    if (!dash) return;
    const d = dash;
    const tiles = d.tiles.map((x) => h('div', { class: `tile ${x.tone}`, 'data-testid': `tile-${x.key}` },
      h('div', { class: 'tile-k' }, x.label), h('div', { class: 'tile-v' }, x.value), h('div', { class: 'tile-d' }, x.detail)));
    const charts = d.charts.map((c) => {
      const exp = (ext: 'svg' | 'png') => h('button', { class: 'btn small', 'data-testid': `export-${c.id}-${ext}`, onclick: () => {
        void reports.chart(c.id, ext, { lang: lang(), day: d.as_of.date }).then((b) => download(b, `${c.id}-${d.as_of.date}-${lang()}.${ext}`));
      } }, ext === 'svg' ? t('dash.exportSvg') : t('dash.exportPng'));
      const img = h('img', { class: 'chart-img', alt: c.title, 'data-chart': c.id });
      const cached = chartUrls.get(c.id);
      if (cached) img.src = cached;
      return h('figure', { class: `chart c-${c.id}`, 'data-testid': `chart-${c.id}` }, img, h('figcaption', {}, exp('svg'), exp('png')));
    });
    dashEl.replaceChildren(
      h('div', { class: 'dash-head' }, h('h2', {}, t('dash.title')), h('span', { class: 'dash-asof' }, asOfLine(d, d.kpis.synthetic_layers.length > 0))),
      h('div', { class: 'tiles' }, ...tiles),
      h('div', { class: 'charts' }, ...charts));
  }

  async function loadRisk(): Promise<void> {
    try {
      const [r, sub] = await Promise.all([reports.risk({ lang: lang() }), backend.layer('subgrids')]);
      risk = r;
      subgrids = sub.features;
      const score = new Map(r.rows.filter((x) => x.level === 'subgrid').map((x) => [x.code, x]));
      layer.setData({ type: 'FeatureCollection', features: sub.features.map((f) => {
        const code = String(f.properties?.code ?? '');
        const row = score.get(code);
        return { ...f, properties: { code, name: f.properties?.name, score: row?.score ?? 0 } };
      }) });
      renderRisk();
    } catch (e) {
      riskEl.replaceChildren(h('div', { class: 'dash-error' }, String(e)));
    }
  }

  function bboxOf(code: string): [number, number, number, number] | null {
    let b: [number, number, number, number] | null = null;
    const walk = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') {
        const [x, y] = c as [number, number];
        b = b ? [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)] : [x, y, x, y];
      } else if (Array.isArray(c)) c.forEach(walk);
    };
    for (const f of subgrids) {
      if (String(f.properties?.code ?? '').startsWith(code) && f.geometry && 'coordinates' in f.geometry) walk(f.geometry.coordinates);
    }
    return b;
  }

  async function drillTo(code: string): Promise<void> {
    if (!risk) return;
    const chain: string[] = [];
    for (const n of [9, 12, 15]) if (code.length >= n) chain.push(code.slice(0, n));
    path = chain;
    renderRisk();
    layer.focus(code);
    const b = bboxOf(code);
    if (b) view.fitBbox(b);
  }

  function renderRisk(): void {
    if (!risk) return;
    const r = risk;
    const district = r.rows.find((x) => x.level === 'district');
    const current = path.length ? r.rows.find((x) => x.code === path[path.length - 1]) : district;
    const parent = current?.level === 'subgrid' ? current.parent : current?.code ?? '';
    const list = r.rows.filter((x) => x.parent === parent).sort((a, b) => b.score - a.score);
    const crumbs = [district, ...path.map((c) => r.rows.find((x) => x.code === c))].filter((x): x is RiskRow => !!x);
    const row = (x: RiskRow, i: number) => {
      const bar = h('span', { class: 'bar' });
      bar.style.width = `${Math.max(2, x.score)}%`;
      bar.style.background = colourOf(x.score);
      return h('li', { class: `risk-row ${current?.code === x.code ? 'cur' : ''}`, 'data-testid': 'risk-row', 'data-code': x.code, 'data-level': x.level,
        title: inputLines(x).join('\n'), onclick: () => { void drillTo(x.code); } },
      h('span', { class: 'rk' }, String(i + 1)), h('span', { class: 'nm' }, x.name),
      h('span', { class: 'sc' }, x.score.toFixed(1)), h('span', { class: 'track' }, bar),
      h('span', { class: 'inputs', 'data-testid': 'risk-inputs' }, inputLines(x).join(' · ')));
    };
    riskEl.replaceChildren(
      h('h2', {}, t('risk.title')),
      h('nav', { class: 'risk-crumbs', 'data-testid': 'risk-crumbs' }, ...crumbs.flatMap((c, i) => [
        i ? h('span', { class: 'sep' }, '›') : null,
        h('button', { class: 'crumb', 'data-testid': `risk-crumb-${c.level}`, onclick: () => {
          path = path.slice(0, i);
          if (i === 0) { layer.focus(''); const b = bboxOf(c.code); if (b) view.fitBbox(b); renderRisk(); } else void drillTo(c.code);
        } }, c.name)])),
      ...(current ? [h('div', { class: 'risk-cur', 'data-testid': 'risk-current' },
        h('div', { class: 'risk-score' }, current.score.toFixed(1)), h('div', { class: 'risk-lines' }, ...inputLines(current).map((l) => h('div', {}, l))))] : []),
      h('ol', { class: 'risk-list' }, ...list.map(row)),
      h('div', { class: 'note' }, t('risk.formula', { days: r.window_days })));
  }

  function colourOf(score: number): string {
    let c = RISK_STOPS[0][1];
    for (const [at, col] of RISK_STOPS) if (score >= at) c = col;
    return c;
  }

  onLangChange(() => {
    if (mode === 'dashboard') void loadDashboard();
    if (mode === 'risk') renderRisk();
  });
  return { show };
}
