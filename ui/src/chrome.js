// What stays on screen around every step: the drill band (訓練 / DRILL, striped, on every screen of
// a drill), the red break-glass band with its reason, the step number and title (top left, in the
// manual's words), the data's age with its warning, the viewer, the language toggle, lock and end,
// and the last error as the UI's sentence with the desk's detail folded away under it.

import { h } from './dom.js';
import { formatDay, formatDaysAgo, formatViewer } from './format.js';
import { errorSentence, stepLabel } from './i18n.js';

/** Whether the screen now shown belongs to a drill, from whichever model the screen has. */
export function isDrill(state) {
  switch (state.screen) {
    case 'start':
      return (state.startScreen?.snapshots ?? []).some((s) => s.drill);
    case 'unlock':
      return Boolean(state.card?.drill);
    case 'lock':
      return Boolean(state.lockScreen?.drill ?? state.banner?.drill);
    case 'end':
      return Boolean(state.endScreen?.drill);
    default:
      return Boolean(state.banner?.drill);
  }
}

export function renderChrome(state, step, v) {
  const banner = state.session ? state.banner : null;
  const drill = isDrill(state);
  const someDrillOnly = state.screen === 'start' && drill && !(state.startScreen?.snapshots ?? []).every((s) => s.drill);
  return h('header', { class: 'chrome no-print' },
    drill
      ? h('div', { id: 'drill-banner', class: 'drill-banner', role: 'note' },
          h('strong', {}, v.t('drill.banner')),
          h('span', {}, someDrillOnly ? v.t('drill.some') : v.t('drill.banner.detail')))
      : null,
    banner?.breakGlass
      ? h('div', { id: 'break-glass-banner', class: 'break-glass-banner', role: 'note' },
          h('strong', {}, v.t('breakGlass.banner')),
          h('span', {}, `${v.t('breakGlass.reasonLabel')}: ${banner.breakGlass}`))
      : null,
    h('div', { class: 'bar' },
      stepNumber(step, v),
      h('div', { class: 'bar-middle' },
        banner?.dataAge ? dataAge(banner.dataAge, v) : null,
        banner?.viewer ? h('p', { id: 'viewer', class: 'viewer' }, `${v.t('viewer.label')}: ${formatViewer(banner.viewer, v.lang)}`) : null,
      ),
      h('div', { class: 'bar-buttons' },
        // Both names always, the current one marked: the manual says "日本語/English switches at the top right".
        h('button', {
          type: 'button',
          id: 'lang-toggle',
          class: 'secondary lang-toggle',
          'aria-label': v.t('lang.toggle.label'),
          on: { click: () => v.actions.toggleLanguage() },
        },
          h('span', { lang: 'ja', class: v.lang === 'ja' ? 'lang-on' : 'lang-off' }, '日本語'),
          ' / ',
          h('span', { lang: 'en', class: v.lang === 'en' ? 'lang-on' : 'lang-off' }, 'English')),
        // Lock pauses a viewing, which begins with the declaration (step 3); End works from any step.
        state.session && banner?.viewer && state.screen !== 'lock'
          ? h('button', { type: 'button', id: 'lock-button', class: 'secondary', on: { click: () => v.actions.lock() } }, v.t('lock.button'))
          : null,
        state.session
          ? h('button', { type: 'button', id: 'end-button', class: 'secondary', on: { click: () => v.actions.end() } }, v.t('end.button'))
          : null,
      ),
    ),
    errorBox(state.error, v),
  );
}

function stepNumber(step, v) {
  const text = stepLabel(v.lang, step);
  const dot = text.indexOf('. ');
  return h('div', { id: 'step-number', class: 'step-number', dataset: { step } },
    h('span', { class: 'step-n' }, dot > 0 ? text.slice(0, dot + 1) : text),
    dot > 0 ? ' ' : null,
    dot > 0 ? h('span', { class: 'step-t' }, text.slice(dot + 2)) : null,
  );
}

function dataAge(age, v) {
  return h('p', { id: 'data-age', class: ['data-age', age.stale ? 'stale' : null], role: age.stale ? 'alert' : null },
    h('span', {}, `${v.t('dataAge.label')}: ${formatDay(age.asOf, v.lang)}`),
    typeof age.days === 'number' ? h('span', {}, formatDaysAgo(age.days, v.lang)) : null,
    age.stale ? h('strong', { class: 'stale-warning' }, ` ⚠ ${v.t('dataAge.stale', { limit: age.limitDays })}`) : null,
  );
}

/**
 * The desk's own English sentence (an error's `message`, a snapshot's `validity.message`), kept for
 * IT staff but folded away under 技術的な詳細 / Technical detail: the screen's words are the UI's.
 */
export function techDetail(text, v, cls = 'detail') {
  return h('details', { class: 'tech-detail' },
    h('summary', {}, v.t('techDetail.summary')),
    h('p', { class: cls, lang: 'en' }, text),
  );
}

/** #error: the UI's sentence for the kind, with the desk's message folded away underneath. */
export function errorBox(error, v) {
  if (!error) return h('div', { id: 'error', class: 'error-box empty', role: 'alert' });
  return h('div', { id: 'error', class: 'error-box', role: 'alert', dataset: { kind: error.kind, rule: error.rule ?? undefined } },
    h('p', { class: 'error-sentence' }, errorSentence(v.lang, error)),
    error.message ? techDetail(error.message, v, 'error-detail') : null,
  );
}
