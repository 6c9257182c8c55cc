// Step 8 (ロック・終了 / Lock or end): the lock screen, from which resuming is one button (plus the
// passphrase when the snapshot was opened with one), and the end screen with the drill report: the
// seconds each manual step took, as the desk measured them. Neither shows anything about a patient.

import { h } from './dom.js';
import { formatViewer, label } from './format.js';
import { stepLabel } from './i18n.js';

export function renderLock(lock, v) {
  const needsPassphrase = lock?.method === 'passphrase';
  const needsPin = lock?.method === 'device-key' && lock?.pin === true;
  return h('section', { id: 'lock-screen', class: 'screen lock-screen' },
    h('h1', {}, v.t('lock.heading')),
    lock?.viewer ? h('p', { class: 'lock-viewer' }, `${v.t('viewer.label')}: ${formatViewer(lock.viewer, v.lang)}`) : null,
    h('p', { class: 'help' }, v.t('lock.help')),
    h('form', { class: 'resume-form', on: { submit: (e) => { e.preventDefault(); v.actions.resume(); } } },
      needsPassphrase
        ? h('div', { class: 'field' },
            h('label', { for: 'resume-passphrase' }, v.t('lock.passphrase')),
            h('input', { id: 'resume-passphrase', type: 'password', autocomplete: 'off' }))
        : null,
      needsPin
        ? h('div', { class: 'field' },
            h('label', { for: 'resume-pin' }, v.t('lock.pin')),
            h('input', { id: 'resume-pin', type: 'password', autocomplete: 'off' }))
        : null,
      h('button', { type: 'submit', id: 'resume', class: 'primary huge' }, v.t('lock.resume')),
    ),
  );
}

export function renderEnd(end, v) {
  const report = end?.report ?? null;
  return h('section', { id: 'end-screen', class: 'screen end-screen' },
    h('h1', {}, v.t('end.heading')),
    h('p', { class: 'help strong' }, v.t('end.help')),
    report ? drillReport(report, v) : null,
    h('button', { type: 'button', id: 'restart', class: 'primary huge', on: { click: () => v.actions.start() } }, v.t('end.restart')),
  );
}

function drillReport(report, v) {
  return h('section', { id: 'drill-report', class: 'panel' },
    h('h2', {}, v.t('end.report')),
    h('table', { class: 'drill-steps' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, v.t('end.step')), h('th', { scope: 'col', class: 'num' }, v.t('end.seconds')))),
      h('tbody', {}, (report.steps ?? []).map((s) =>
        h('tr', { dataset: { step: s.step } },
          h('th', { scope: 'row' }, s.step >= 1 && s.step <= 8 ? stepLabel(v.lang, s.step) : `${s.step}. ${label(s, v.lang)}`),
          h('td', { class: 'num' }, seconds(s.seconds))))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, v.t('end.total')), h('td', { class: 'num' }, seconds(report.total)))),
    ),
    report.savedTo ? h('p', { class: 'saved-to' }, `${v.t('end.savedTo')}: `, h('code', {}, report.savedTo)) : null,
  );
}

function seconds(value) {
  return typeof value === 'number' ? value.toFixed(1) : '';
}
