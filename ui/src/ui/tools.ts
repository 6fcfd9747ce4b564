// The data tools above the layer panel: "Import data" opens the import wizard and "Print /
// export" the print and export panel, each in place of the layer panel until closed.
import type { Backend } from '../backend';
import { t } from '../i18n';
import type { MapView } from '../map';
import { TOGGLES } from '../map';
import { h } from './dom';
import { exportPanel } from './exporter';
import { importWizard } from './importer';

/** The print layers the map's visible toggles stand for. */
function visibleLayers(view: MapView): string[] {
  const on = (k: keyof typeof TOGGLES) => view.isVisible(k);
  const layers = ['districts'];
  for (const k of ['context', 'streets', 'communities', 'subgrids', 'roads', 'buildings', 'stations', 'cases', 'cameras'] as const) {
    if (on(k)) layers.push(k);
  }
  if (on('circle.appeal') || on('circle.legal') || on('circle.psych')) layers.push('circles');
  return layers;
}

let open: HTMLElement | null = null;

export function dataTools(backend: Backend, view: MapView, left: HTMLElement, layerPanel: HTMLElement): HTMLElement {
  const show = (panel: HTMLElement) => {
    open?.remove();
    open = panel;
    layerPanel.style.display = 'none';
    left.classList.add('wide');
    document.body.classList.add('tool-open');
    left.append(panel);
  };
  const hide = () => {
    open?.remove();
    open = null;
    layerPanel.style.display = '';
    left.classList.remove('wide');
    document.body.classList.remove('tool-open');
  };
  const importBtn = h('button', { class: 'btn', 'data-testid': 'open-import' }, t('tools.import'));
  importBtn.addEventListener('click', () => show(importWizard(backend, {
    show: (fc) => view.showImportPreview(fc),
    clear: () => view.clearImportPreview(),
    fit: (b) => view.fitBbox(b),
  }, hide, () => undefined)));
  const exportBtn = h('button', { class: 'btn', 'data-testid': 'open-export' }, t('tools.export'));
  exportBtn.addEventListener('click', () => show(exportPanel(backend, {
    bounds: () => view.bounds(),
    visibleLayers: () => visibleLayers(view),
  }, hide)));
  return h('div', { class: 'data-tools' }, importBtn, exportBtn);
}
