// Step 6 (詳細 / Details): the record's details in tabs — medicine history, labs as a table and as a
// plot (one test at a time, chosen with the `.trend-select` buttons), problems, encounters, reports,
// documents (manual step 6). Tabs follow the WAI-ARIA tabs pattern so arrow keys, Home and End move
// between them without a mouse.

import { h } from './dom.js';
import { renderDocuments } from './documents.js';
import { areaSection, labTable, medicineTable, rowList } from './rows.js';
import { criticalBanner, patientHeader } from './summary.js';
import { plotTrend } from './trends.js';

/** Tab key → the policy area it shows (for withheld notices). */
export const TABS = [
  ['medicines', 'medications'],
  ['labs', 'labs'],
  ['problems', 'problems'],
  ['encounters', 'encounters'],
  ['reports', 'reports'],
  ['documents', 'documents'],
];

export function renderDetails(record, v) {
  const current = TABS.some(([key]) => key === v.state.tab) ? v.state.tab : 'medicines';
  const buttons = TABS.map(([key]) =>
    h('button', {
      type: 'button',
      role: 'tab',
      id: `tab-${key}`,
      class: 'tab',
      'aria-selected': String(key === current),
      'aria-controls': `panel-${key}`,
      tabindex: key === current ? '0' : '-1',
      on: { click: () => v.actions.showTab(key), keydown: (e) => tabKeys(e, key, v) },
    }, v.t(`tab.${key}`)),
  );
  return h('section', { class: 'screen details-screen' },
    patientHeader(record, v),
    criticalBanner(record, v, { id: 'details-critical' }),
    h('div', { class: 'tablist', role: 'tablist', 'aria-label': v.t('tabs.label') }, buttons),
    h('div', { id: `panel-${current}`, role: 'tabpanel', class: 'tabpanel', 'aria-labelledby': `tab-${current}`, tabindex: '0' },
      renderPanel(current, record, v)),
    h('nav', { class: 'record-nav' },
      h('button', { type: 'button', id: 'back-summary', class: 'secondary', on: { click: () => v.actions.showSummary() } }, v.t('record.toSummary')),
      h('button', { type: 'button', id: 'go-print', class: 'primary', on: { click: () => v.actions.showPrint() } }, v.t('record.toPrint')),
    ),
  );
}

function tabKeys(e, key, v) {
  const keys = TABS.map(([k]) => k);
  const at = keys.indexOf(key);
  let next = null;
  if (e.key === 'ArrowRight') next = keys[(at + 1) % keys.length];
  else if (e.key === 'ArrowLeft') next = keys[(at - 1 + keys.length) % keys.length];
  else if (e.key === 'Home') next = keys[0];
  else if (e.key === 'End') next = keys[keys.length - 1];
  if (next) {
    e.preventDefault();
    v.actions.showTab(next, { focus: true });
  }
}

function renderPanel(tab, record, v) {
  const d = record.details ?? {};
  const access = record.access;
  const area = Object.fromEntries(TABS)[tab];
  const common = { id: `details-${tab}`, title: v.t(`tab.${tab}`), area, access, v };
  switch (tab) {
    case 'medicines':
      return areaSection({ ...common, items: [...(d.medicines ?? []), ...(d.given ?? [])], content: () => h('div', {},
        d.medicines?.length ? medicineTable(d.medicines, v, { history: true }) : h('p', { class: 'none' }, v.t('none')),
        subList('details-given', v.t('details.given'), d.given, v)) });
    case 'labs':
      return areaSection({ ...common, items: [...(d.labs ?? []), ...(d.labTrends ?? []), ...(d.labOrders ?? [])], content: () => h('div', {},
        labsPanel(d, v),
        subList('details-lab-orders', v.t('details.labOrders'), d.labOrders, v)) });
    case 'encounters':
      return areaSection({ ...common, items: [...(d.encounters ?? []), ...(d.diet ?? [])], content: () => h('div', {},
        d.encounters?.length ? rowList(d.encounters, v, 'rows encounters') : h('p', { class: 'none' }, v.t('none')),
        subList('details-diet', v.t('details.diet'), d.diet, v)) });
    case 'documents':
      return areaSection({ ...common, items: d.documents, content: () => renderDocuments(d.documents, v) });
    default:
      return areaSection({ ...common, items: d[tab], content: () => rowList(d[tab], v, `rows ${tab}`) });
  }
}

/** A titled list inside a tab (what was given, lab orders, diet): "none" when empty. */
function subList(id, title, rows, v) {
  return h('section', { id, class: 'sub-list' },
    h('h3', {}, title),
    rows?.length ? rowList(rows, v) : h('p', { class: 'none' }, v.t('none')));
}

function labsPanel(d, v) {
  const trends = d.labTrends ?? [];
  const chosen = trends.find((t) => t.code === v.state.trend) ?? trends[0] ?? null;
  const chart = h('div', { class: 'lab-chart-box' });
  if (chosen) {
    v.after(() => {
      const width = Math.max(480, Math.min(1100, chart.clientWidth || 900));
      plotTrend(chart, chosen, { width, height: 300, canvasId: 'lab-chart', lang: v.lang, failedText: v.t('labs.chartFailed') });
    });
  }
  return h('div', { class: 'labs-panel' },
    h('section', { class: 'lab-plot' },
      h('h3', {}, v.t('labs.chart')),
      trends.length
        ? h('div', { class: 'trend-buttons', role: 'group', 'aria-label': v.t('labs.chooseTrend') },
            trends.map((t) => h('button', {
              type: 'button',
              class: 'trend-select secondary',
              dataset: { code: t.code },
              'aria-pressed': String(t === chosen),
              on: { click: () => v.actions.showTrend(t.code) },
            }, t.name)))
        : h('p', { class: 'none' }, v.t('labs.noTrends')),
      chosen ? h('p', { class: 'trend-caption' }, chosen.name, chosen.unit ? ` [${chosen.unit}]` : null,
        chosen.range ? ` ・ ${v.t('col.range')}: ${chosen.range}` : null) : null,
      chart,
    ),
    h('section', { class: 'lab-table' },
      h('h3', {}, v.t('labs.table')),
      d.labs?.length ? labTable(d.labs, v) : h('p', { class: 'none' }, v.t('none')),
    ),
  );
}
