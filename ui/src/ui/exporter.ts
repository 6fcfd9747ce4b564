// "Print / export view": the current map view as a PNG at print resolution (A4/A3, 150–300 dpi,
// with legend, scale bar, north arrow and title block, drawn by the Rust side), and the store's
// data as GeoPackage (every layer and the case table), GeoJSON, CSV or KML. Each runs as a job
// with a progress bar and a Cancel button; the file is then offered for download.
import type { FormatsBackend, JobStatus } from '../backend';
import { BackendError } from '../backend';
import { lang, t } from '../i18n';
import { h } from './dom';
import { trackJob } from './progress';

const LAYERS = ['districts', 'streets', 'communities', 'subgrids', 'stations', 'buildings', 'cameras', 'roads', 'matters', 'cases'];

/** Offers `blob` as a download named `name`. */
export function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, 'data-testid': 'export-download' });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function exportPanel(backend: FormatsBackend, view: { bounds(): [number, number, number, number]; visibleLayers(): string[] },
  onClose: () => void): HTMLElement {
  const progressHost = h('div', { class: 'wiz-progress', 'data-testid': 'export-progress' });
  const message = h('div', { class: 'wiz-message', 'data-testid': 'export-message' });
  const thumb = h('div', { class: 'print-thumb' });
  const say = (s: string, kind = '') => { message.textContent = s; message.className = `wiz-message ${kind}`; };

  async function run(start: Promise<string>, fallbackName: string, showImage: boolean): Promise<void> {
    say('');
    try {
      const id = await start;
      const s: JobStatus = await trackJob(backend, id, progressHost);
      if (s.state !== 'done') {
        say(s.state === 'cancelled' ? t('progress.cancelledNothing') : (s.error?.message ?? t('progress.failed')), s.state === 'cancelled' ? '' : 'error');
        return;
      }
      const blob = await backend.jobFile(id);
      const name = s.file_name ?? fallbackName;
      if (showImage) {
        const img = h('img', { alt: t('print.preview'), 'data-testid': 'print-image' });
        img.src = URL.createObjectURL(blob);
        thumb.replaceChildren(img);
      }
      save(blob, name);
      say(t('export.saved', { name }), 'ok');
    } catch (e) {
      say(e instanceof BackendError ? e.message : String(e), 'error');
    }
  }

  const paper = h('select', { class: 'wiz-select', 'data-testid': 'print-paper' },
    h('option', { value: 'a4' }, 'A4'), h('option', { value: 'a3' }, 'A3'));
  const orient = h('select', { class: 'wiz-select', 'data-testid': 'print-orientation' },
    h('option', { value: 'landscape' }, t('print.landscape')), h('option', { value: 'portrait' }, t('print.portrait')));
  const dpi = h('select', { class: 'wiz-select', 'data-testid': 'print-dpi' },
    h('option', { value: '300' }, '300 dpi'), h('option', { value: '150' }, '150 dpi'));
  const title = h('input', { class: 'wiz-input', 'data-testid': 'print-title', placeholder: t('print.titlePlaceholder') });
  const printBtn = h('button', { class: 'btn primary', 'data-testid': 'print-start' }, t('print.start'));
  printBtn.addEventListener('click', () => void run(backend.printStart({
    bbox: view.bounds(), paper: paper.value as 'a4' | 'a3', landscape: orient.value === 'landscape', dpi: Number(dpi.value),
    title: title.value.trim() || undefined, lang: lang(), layers: view.visibleLayers(),
  }), 'onemap-view.png', true));

  const format = h('select', { class: 'wiz-select', 'data-testid': 'export-format' },
    h('option', { value: 'gpkg' }, t('export.gpkg')), h('option', { value: 'geojson' }, 'GeoJSON'),
    h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'kml' }, 'KML'));
  const layer = h('select', { class: 'wiz-select', 'data-testid': 'export-layer' }, ...LAYERS.map((l) => h('option', { value: l }, l)));
  const layerRow = h('div', { class: 'wiz-row' }, h('span', {}, t('import.layer')), layer);
  const sync = () => { layerRow.style.display = format.value === 'gpkg' ? 'none' : ''; };
  format.addEventListener('change', sync);
  sync();
  const exportBtn = h('button', { class: 'btn primary', 'data-testid': 'export-start' }, t('export.start'));
  exportBtn.addEventListener('click', () => {
    const f = format.value as 'gpkg' | 'geojson' | 'csv' | 'kml';
    void run(backend.exportStart(f === 'gpkg' ? { format: f } : { format: f, layer: layer.value }),
      f === 'gpkg' ? 'onemap.gpkg' : `onemap-${layer.value}.${f}`, false);
  });
  const close = h('button', { class: 'btn small', 'data-testid': 'export-close', onclick: onClose }, t('import.close'));
  return h('section', { class: 'panel wizard', 'data-testid': 'export-panel' },
    h('div', { class: 'wiz-head' }, h('h2', {}, t('print.title')), close),
    h('div', { class: 'wiz-step' }, h('div', { class: 'wiz-label' }, t('print.view')),
      h('div', { class: 'wiz-row' }, h('span', {}, t('print.paper')), paper, orient, dpi),
      h('div', { class: 'wiz-row' }, h('span', {}, t('print.titleLabel')), title),
      h('div', { class: 'wiz-note' }, t('print.hint')),
      h('div', { class: 'wiz-actions' }, printBtn), thumb),
    h('div', { class: 'wiz-step' }, h('div', { class: 'wiz-label' }, t('export.data')),
      h('div', { class: 'wiz-row' }, h('span', {}, t('export.format')), format), layerRow,
      h('div', { class: 'wiz-note' }, t('export.hint')),
      h('div', { class: 'wiz-actions' }, exportBtn)),
    progressHost, message);
}
