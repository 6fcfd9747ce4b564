// The import wizard (its own panel): pick a file, see its format and coordinate system, map its
// fields onto a OneMap layer, preview the first rows and the features on the map with every
// problem by row, then write atomically. Knows the backend interface and a few map callbacks,
// never MapLibre or a transport.
import type { FeatureCollection } from 'geojson';
import type { FormatsBackend, ImportPreview, ImportReport, LayerSchema, Mapping, SourceSummary } from '../backend';
import { BackendError } from '../backend';
import { lang, t } from '../i18n';
import { fmt, h } from './dom';
import { trackJob } from './progress';

export interface PreviewMap {
  show(fc: FeatureCollection): void;
  clear(): void;
  fit(bbox: [number, number, number, number]): void;
}

const CRS_CHOICES = ['', 'EPSG:4326', 'EPSG:4490', 'EPSG:4547', 'EPSG:4526'];
const DATUMS = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'];
const ENCODINGS = ['', 'GBK', 'GB18030', 'UTF-8'];

function errText(e: unknown): string {
  return e instanceof BackendError ? e.message : String(e);
}

function select(testid: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLSelectElement {
  const s = h('select', { class: 'wiz-select', 'data-testid': testid },
    ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

/** Builds the wizard panel; `onDone` is told what was imported. */
export function importWizard(backend: FormatsBackend, map: PreviewMap, onClose: () => void,
  onDone: (r: ImportReport) => void): HTMLElement {
  let session: string | null = null;
  let summary: SourceSummary | null = null;
  let schemas: LayerSchema[] = [];
  let layer = '';
  let mapping: Mapping | null = null;
  let preview: ImportPreview | null = null;
  let busy = false;

  const body = h('div', { class: 'wiz-body' });
  const progressHost = h('div', { class: 'wiz-progress' });
  const message = h('div', { class: 'wiz-message', 'data-testid': 'import-message' });
  const close = h('button', { class: 'btn small', 'data-testid': 'import-close' }, t('import.close'));
  const panel = h('section', { class: 'panel wizard', 'data-testid': 'import-wizard' },
    h('div', { class: 'wiz-head' }, h('h2', {}, t('import.title')), close), body, progressHost, message);
  close.addEventListener('click', () => {
    map.clear();
    if (session) void backend.importDelete(session).catch(() => undefined);
    onClose();
  });
  void backend.schema().then((s) => { schemas = s; render(); }).catch((e: unknown) => { message.textContent = errText(e); });

  const say = (text: string, kind: 'ok' | 'error' | '' = '') => {
    message.textContent = text;
    message.className = `wiz-message ${kind}`;
  };

  async function run<T>(job: Promise<string>): Promise<T | null> {
    busy = true;
    render();
    try {
      const id = await job;
      const s = await trackJob(backend, id, progressHost);
      if (s.state === 'done') return s.result as T;
      if (s.state === 'cancelled') say(t('progress.cancelledNothing'));
      else say(s.error?.message ?? t('progress.failed'), 'error');
      return null;
    } catch (e) {
      say(errText(e), 'error');
      return null;
    } finally {
      busy = false;
    }
  }

  async function upload(files: FileList, encoding: string): Promise<void> {
    say('');
    map.clear();
    preview = null;
    mapping = null;
    try {
      if (session) void backend.importDelete(session).catch(() => undefined);
      session = await backend.importCreate();
      for (const f of Array.from(files)) await backend.importPutFile(session, f.name, await f.arrayBuffer());
    } catch (e) {
      say(errText(e), 'error');
      return;
    }
    await open(encoding, undefined);
  }

  async function open(encoding: string, sourceLayer: string | undefined): Promise<void> {
    if (!session) return;
    const s = await run<SourceSummary>(backend.importOpen(session, { encoding: encoding || undefined, source_layer: sourceLayer }));
    if (!s) { render(); return; }
    summary = s;
    layer = s.suggested_layer ?? layer ?? '';
    progressHost.replaceChildren();
    if (layer) await runPreview(undefined);
    else render();
  }

  async function runPreview(m: Mapping | undefined): Promise<void> {
    if (!session || !layer) return;
    const p = await run<ImportPreview>(backend.importPreview(session, layer, m));
    if (p) {
      preview = p;
      mapping = p.mapping;
      map.show(p.features);
      if (p.bbox) map.fit(p.bbox);
      say(p.problems.length ? t('import.hasProblems', { n: fmt(p.problems.length) }) : t('import.ready', { n: fmt(p.valid) }),
        p.problems.length ? 'error' : 'ok');
    }
    render();
  }

  async function commit(): Promise<void> {
    if (!session || !mapping) return;
    const r = await run<ImportReport>(backend.importCommit(session, mapping));
    if (r) {
      say(t('import.done', { n: fmt(r.count), layer: r.layer }), 'ok');
      onDone(r);
    }
    render();
  }

  function update(change: (m: Mapping) => void): void {
    if (!mapping) return;
    const m: Mapping = structuredClone(mapping);
    change(m);
    void runPreview(m);
  }

  function stepFile(): HTMLElement {
    const input = h('input', { type: 'file', multiple: true, 'data-testid': 'import-file', class: 'wiz-file',
      accept: '.shp,.shx,.dbf,.prj,.cpg,.zip,.gpkg,.geojson,.json,.kml,.csv,.xlsx,.xls,.ods' });
    let encoding = '';
    const enc = select('import-encoding', ENCODINGS.map((e) => [e, e || t('import.encodingAuto')]), encoding, (v) => { encoding = v; });
    input.addEventListener('change', () => { if (input.files?.length) void upload(input.files, encoding); });
    return h('div', { class: 'wiz-step' },
      h('div', { class: 'wiz-label' }, t('import.step.file')),
      input,
      h('div', { class: 'wiz-row' }, h('span', {}, t('import.encoding')), enc),
      h('div', { class: 'wiz-note' }, t('import.fileHint')));
  }

  function stepSource(s: SourceSummary): HTMLElement {
    const rows: HTMLElement[] = [
      h('div', { class: 'wiz-kv' }, h('span', {}, t('import.file')), h('b', { 'data-testid': 'import-file-name' }, s.file)),
      h('div', { class: 'wiz-kv' }, h('span', {}, t('import.format')), h('b', { 'data-testid': 'import-format' }, s.format)),
      h('div', { class: 'wiz-kv' }, h('span', {}, t('import.crs')),
        h('b', { 'data-testid': 'import-crs' }, preview?.crs ?? s.crs ?? t('import.crsColumns'))),
      h('div', { class: 'wiz-kv sub' }, h('span', {}, t('import.crsFrom')), h('span', { 'data-testid': 'import-crs-source' }, preview?.crs_source ?? s.crs_source)),
      h('div', { class: 'wiz-kv' }, h('span', {}, t('import.records')), h('b', { 'data-testid': 'import-count' }, fmt(s.count))),
    ];
    if (s.encoding) rows.push(h('div', { class: 'wiz-kv' }, h('span', {}, t('import.encoding')), h('b', {}, s.encoding)));
    if (s.source_layers.length > 1) {
      rows.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.sourceLayer')),
        select('import-source-layer', s.source_layers.map((l) => [l, l]), s.source_layer ?? '', (v) => void open('', v))));
    }
    return h('div', { class: 'wiz-step', 'data-testid': 'import-source' }, h('div', { class: 'wiz-label' }, t('import.step.source')), ...rows);
  }

  function stepTarget(): HTMLElement {
    const layerSel = select('import-layer', [['', t('import.chooseLayer')], ...schemas.map((l) =>
      [l.name, lang() === 'zh-CN' ? `${l.name_zh} (${l.name})` : l.name] as [string, string])], layer, (v) => {
      layer = v;
      mapping = null;
      void runPreview(undefined);
    });
    const parts: HTMLElement[] = [h('div', { class: 'wiz-row' }, h('span', {}, t('import.layer')), layerSel)];
    if (mapping) {
      const m = mapping;
      parts.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.crsOverride')),
        select('import-crs-override', CRS_CHOICES.map((c) => [c, c || t('import.crsDetected')]), m.crs ?? '', (v) =>
          update((x) => { x.crs = v || null; }))));
      parts.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.datum')),
        select('import-datum', DATUMS.map((d) => [d, t(`datum.${d}` as 'datum.wgs84')]), m.datum ?? 'wgs84', (v) =>
          update((x) => { x.datum = v === 'wgs84' ? null : v; }))));
      if (summary?.table) {
        const names: [string, string][] = [['', '—'], ...summary.fields.map((f) => [f.name, f.name] as [string, string])];
        const g = m.geometry;
        const mode = g && 'address' in g ? 'address' : 'xy';
        parts.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.geometryFrom')),
          select('import-geometry-mode', [['xy', t('import.geometry.xy')], ['address', t('import.geometry.address')]], mode, (v) =>
            update((x) => { x.geometry = v === 'address' ? { address: '' } : { x: '', y: '' }; }))));
        if (mode === 'address') {
          parts.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.addressColumn')),
            select('import-address', names, g && 'address' in g ? g.address : '', (v) => update((x) => { x.geometry = { address: v }; }))));
          parts.push(h('div', { class: 'wiz-note' }, t('import.addressHint')));
        } else {
          const xy = g && 'x' in g ? g : { x: '', y: '' };
          parts.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.xColumn')),
            select('import-x', names, xy.x, (v) => update((x) => { x.geometry = { x: v, y: xy.y }; }))));
          parts.push(h('div', { class: 'wiz-row' }, h('span', {}, t('import.yColumn')),
            select('import-y', names, xy.y, (v) => update((x) => { x.geometry = { x: xy.x, y: v }; }))));
        }
      }
    }
    return h('div', { class: 'wiz-step' }, h('div', { class: 'wiz-label' }, t('import.step.target')), ...parts);
  }

  function stepMapping(p: ImportPreview, m: Mapping): HTMLElement {
    const names: [string, string][] = [['', t('import.unmapped')], ...p.fields.map((f) =>
      [f.name, f.samples.length ? `${f.name} (${f.samples.slice(0, 2).join(', ')})` : f.name] as [string, string])];
    const rows = p.targets.fields.map((f) => {
      const current = m.fields[f.name] ?? (p.fields.some((s) => s.name === f.name) ? f.name : '');
      const sel = select(`map-${f.name}`, names, current, (v) => update((x) => {
        if (v === f.name || v === '') delete x.fields[f.name]; else x.fields[f.name] = v;
        // Unmapping a same-named field: keep_unmapped would still bring it in; a blank mapping means drop.
        if (v === '' && p.fields.some((s) => s.name === f.name)) x.fields[f.name] = '';
      }));
      return h('tr', {}, h('td', {}, f.name, f.required ? h('span', { class: 'req', title: t('import.required') }, ' *') : null),
        h('td', { class: 'ty' }, f.type), h('td', {}, sel));
    });
    return h('div', { class: 'wiz-step' }, h('div', { class: 'wiz-label' }, t('import.step.mapping')),
      h('table', { class: 'wiz-table', 'data-testid': 'import-mapping' },
        h('thead', {}, h('tr', {}, h('th', {}, t('import.target')), h('th', {}, t('import.type')), h('th', {}, t('import.sourceField')))),
        h('tbody', {}, ...rows)));
  }

  function stepPreview(p: ImportPreview): HTMLElement {
    const keys = p.targets.fields.map((f) => f.name).filter((k) => p.rows.some((r) => r.properties[k] !== undefined)).slice(0, 6);
    const cell = (v: unknown) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : String(v));
    const table = h('table', { class: 'wiz-table rows', 'data-testid': 'import-rows' },
      h('thead', {}, h('tr', {}, h('th', {}, t('import.row')), ...keys.map((k) => h('th', {}, k)))),
      h('tbody', {}, ...p.rows.slice(0, 8).map((r) => h('tr', {}, h('td', {}, String(r.row + 1)), ...keys.map((k) => h('td', {}, cell(r.properties[k])))))));
    const problems = h('ul', { class: 'wiz-problems', 'data-testid': 'import-problems' },
      ...p.problems.slice(0, 200).map((q) => h('li', { 'data-row': String(q.index + 1) },
        h('b', {}, t('import.rowN', { n: q.index + 1 })), q.id ? ` (${q.id})` : '', `: ${q.reason}`)));
    const summaryLine = h('div', { class: 'wiz-kv', 'data-testid': 'import-summary' },
      h('span', {}, t('import.willImport')), h('b', {}, `${fmt(p.valid)} / ${fmt(p.count)}`));
    const go = h('button', { class: 'btn primary', 'data-testid': 'import-commit', disabled: busy || p.problems.length > 0 || p.valid === 0 },
      t('import.commit', { n: fmt(p.valid) }));
    go.addEventListener('click', () => void commit());
    return h('div', { class: 'wiz-step' }, h('div', { class: 'wiz-label' }, t('import.step.preview')), summaryLine, table,
      p.problems.length ? h('div', { class: 'wiz-label warn' }, t('import.problems', { n: fmt(p.problems.length) })) : null,
      p.problems.length ? problems : null,
      p.problems.length > 200 ? h('div', { class: 'wiz-note' }, t('import.moreProblems', { n: fmt(p.problems.length - 200) })) : null,
      h('div', { class: 'wiz-actions' }, go));
  }

  function render(): void {
    const steps: (HTMLElement | null)[] = [stepFile()];
    if (summary) steps.push(stepSource(summary), stepTarget());
    if (preview && mapping) steps.push(stepMapping(preview, mapping), stepPreview(preview));
    body.replaceChildren(...steps.filter((s): s is HTMLElement => s !== null));
    panel.dataset.busy = busy ? 'true' : 'false';
  }

  render();
  return panel;
}
