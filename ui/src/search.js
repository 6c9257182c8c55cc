// Step 4 (患者を探す / Find the patient): one big search box with optional date of birth, sex and
// address beside it, then the results with what confirms identity. Each result has the two
// confirmations the manual asks for (name and date of birth): its Open button is enabled only when
// both are ticked. The consent prompt (needs-basis) and the break-glass offer (refused) appear under
// the result they concern, only after the desk answered so: the UI never decides them.

import { IDENTIFIERS } from './contract.js';
import { h } from './dom.js';
import { formatBirthDate, formatDay, formatFacility, label } from './format.js';

/** The two identifiers the manual asks to confirm before opening (manual step 4). */
export const REQUIRED_CONFIRMATIONS = ['name', 'dob'];

/** Identifiers the desk also accepts, offered only for a result that lacks a name or a birth date. */
const OTHER_IDENTIFIERS = IDENTIFIERS.filter((id) => !REQUIRED_CONFIRMATIONS.includes(id));

/**
 * The identifiers a result offers to tick: name and date of birth; when the desk says one of them is
 * not there to confirm (`identifiers`), the others it lists, so two can still be confirmed.
 */
export function confirmableIdentifiers(result) {
  const available = result.identifiers ?? REQUIRED_CONFIRMATIONS;
  if (REQUIRED_CONFIRMATIONS.every((id) => available.includes(id))) return REQUIRED_CONFIRMATIONS;
  return [...REQUIRED_CONFIRMATIONS.filter((id) => available.includes(id)), ...OTHER_IDENTIFIERS.filter((id) => available.includes(id))];
}

/** Whether enough identifiers are ticked to open: both, or any two when fallbacks are offered. */
export function enoughConfirmed(result, ticks) {
  const offered = confirmableIdentifiers(result);
  if (offered === REQUIRED_CONFIRMATIONS) return REQUIRED_CONFIRMATIONS.every((id) => ticks[id]);
  return offered.filter((id) => ticks[id]).length >= 2;
}

/** Consent states whose row says, before anyone presses Open, what opening will ask for. */
const CONSENT_NOTES = ['refused', 'unknown'];

export function resultKey(result) {
  return `${result.facility?.code ?? ''}/${result.patientId ?? ''}`;
}

export function renderSearch(results, v) {
  return h(
    'section',
    { class: 'screen search-screen', 'aria-labelledby': 'search-heading' },
    h('h1', { id: 'search-heading', class: 'visually-hidden' }, v.t('search.heading')),
    renderForm(v),
    v.state.prompt && !v.state.prompt.key ? renderPrompt(v.state.prompt, v) : null,
    results ? renderResults(results, v) : null,
  );
}

function renderForm(v) {
  return h('form', {
    class: 'search-form',
    role: 'search',
    on: { submit: (e) => { e.preventDefault(); v.actions.search(); } },
  },
    h('div', { class: 'search-main' },
      h('label', { for: 'search-query' }, v.t('search.query')),
      h('input', {
        id: 'search-query',
        type: 'search',
        class: 'big-input',
        placeholder: v.t('search.placeholder'),
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'search-help',
      }),
      h('p', { id: 'search-help', class: 'help' }, v.t('search.help')),
    ),
    h('div', { class: 'search-side' },
      h('div', { class: 'field' },
        h('label', { for: 'search-dob' }, v.t('search.dob')),
        h('input', { id: 'search-dob', type: 'text', autocomplete: 'off', placeholder: v.t('search.dobPlaceholder') }),
      ),
      h('div', { class: 'field' },
        h('label', { for: 'search-sex' }, v.t('search.sex')),
        h('select', { id: 'search-sex' },
          h('option', { value: '' }, v.t('search.sex.any')),
          h('option', { value: 'male' }, v.t('search.sex.male')),
          h('option', { value: 'female' }, v.t('search.sex.female')),
        ),
      ),
      h('div', { class: 'field' },
        h('label', { for: 'search-address' }, v.t('search.address')),
        h('input', { id: 'search-address', type: 'text', autocomplete: 'off' }),
      ),
    ),
    h('button', { type: 'submit', id: 'search-button', class: 'primary huge' }, v.t('search.button')),
  );
}

function renderResults(results, v) {
  const list = results.results ?? [];
  // More matched than the policy lets one search list: the desk listed nobody; ask to narrow it.
  if (results.tooBroad) {
    return h('div', { class: 'results', 'aria-live': 'polite' },
      results.query ? h('p', { class: 'results-head' }, v.t('search.for', { query: results.query })) : null,
      h('p', { id: 'search-too-broad', class: 'too-broad strong', role: 'status' },
        v.t('search.tooBroad', { max: results.tooBroad.moreThan })),
    );
  }
  return h('div', { class: 'results', 'aria-live': 'polite' },
    h('p', { class: 'results-head' },
      h('strong', {}, v.t('search.count', { count: list.length })),
      results.query ? ` ・ ${v.t('search.for', { query: results.query })}` : null,
    ),
    list.length === 0
      ? h('p', { class: 'empty' }, v.t('search.none'))
      : h('p', { class: 'help strong' }, v.t('search.confirmHelp')),
    h('ol', { class: 'result-list' }, list.map((r, i) => h('li', {}, renderResult(r, i, v)))),
  );
}

function renderResult(r, index, v) {
  const key = resultKey(r);
  const ticks = v.state.confirmations[key] ?? {};
  const matched = new Set(r.matched ?? []);
  const mark = (id) => (matched.has(id) ? h('span', { class: 'matched' }, v.t('result.matched')) : null);
  const openButton = h('button', {
    type: 'button',
    class: 'open-record primary',
    disabled: !enoughConfirmed(r, ticks),
    on: { click: () => v.actions.openRecord(r) },
  }, v.t('result.open'));
  const check = (id, cls, text) => {
    const box = h('input', {
      type: 'checkbox',
      id: `${cls}-${index}`,
      class: cls,
      checked: Boolean(ticks[id]),
      on: {
        change: (e) => {
          v.actions.confirm(r, id, e.target.checked);
          openButton.disabled = !enoughConfirmed(r, v.state.confirmations[key] ?? {});
        },
      },
    });
    return h('label', { class: 'confirm', for: `${cls}-${index}` }, box, h('span', {}, text));
  };
  const consent = r.consent ?? 'unknown';
  return h(
    'article',
    {
      class: ['result', `consent-${consent}`],
      dataset: { facility: r.facility?.code, patient: r.patientId },
      'aria-labelledby': `result-name-${index}`,
    },
    h('div', { class: 'result-who' },
      h('div', { class: 'result-title' },
        h('h2', { id: `result-name-${index}`, class: 'result-name' },
          h('span', { class: 'name-kanji' }, r.nameKanji), ' ',
          h('span', { class: 'name-kana' }, r.nameKana), mark('name')),
        h('p', { class: 'result-consent' }, `${v.t('result.consent')}: `,
          h('span', { class: ['consent', `consent-${consent}`] }, v.t(`consent.${consent}`))),
      ),
      CONSENT_NOTES.includes(consent)
        ? h('p', { class: ['consent-note', `consent-note-${consent}`] }, v.t(`result.consentNote.${consent}`))
        : null,
      h('dl', { class: 'facts' },
        fact(v.t('result.dob'), [
          h('span', { class: 'dob' }, formatBirthDate(r.dob, v.lang)),
          r.age !== null && r.age !== undefined ? ` ${v.t('result.age', { age: r.age })}` : null,
          mark('dob'),
        ]),
        fact(v.t('result.sex'), [label(r.sex, v.lang), mark('sex')]),
        fact(v.t('result.address'), [r.address, mark('address')], 'wraps'),
        fact(v.t('result.facility'), [formatFacility(r.facility, v.lang)]),
        fact(v.t('result.patientId'), [r.patientId, mark('patientId')]),
        fact(v.t('result.lastContact'), [formatDay(r.lastContact, v.lang)]),
      ),
      renderLinked(r, v),
    ),
    h('div', { class: ['result-confirm', `confirm-${confirmableIdentifiers(r).length}`] },
      confirmableIdentifiers(r).map((id) => check(id, `confirm-${CLASS_OF[id]}`, v.t(`result.confirm.${id}`))),
      openButton,
    ),
    v.state.prompt?.key === key ? renderPrompt(v.state.prompt, v) : null,
  );
}

// The same person at other facilities, as the hub's cross-references link them (never a guess of
// this app's): each facility's ID and last contact, and what differs from this row. A date of
// birth or sex that differs is a data-quality warning.
function renderLinked(r, v) {
  const linked = r.linked ?? [];
  if (linked.length === 0) return null;
  return h('section', { class: 'linked', 'aria-label': v.t('result.linked') },
    h('p', { class: 'linked-heading' }, v.t('result.linked')),
    (r.warnings ?? []).map((w) => h('p', { class: ['notice', 'warn', 'linked-warning'], dataset: { warning: w } }, v.t(`result.warning.${w}`))),
    h('ul', { class: 'linked-list' },
      linked.map((l) => h('li', {
        class: ['linked-id', l.held ? null : 'not-held'],
        dataset: { facility: l.facility?.code, patient: l.patientId, via: l.via },
      },
        h('span', { class: 'linked-facility' }, formatFacility(l.facility, v.lang)), ' ',
        h('span', { class: 'linked-patient-id' }, `${v.t('result.patientId')} ${l.patientId}`),
        l.via === 'merge' ? h('span', { class: 'linked-via' }, ` ${v.t('result.linkedMerge')}`) : null,
        l.lastContact ? ` ・${v.t('result.lastContact')} ${formatDay(l.lastContact, v.lang)}` : null,
        l.held ? null : ` ・${v.t('result.linkedNotHeld')}`,
        differs(l, v),
      )),
    ),
  );
}

/** A linked identifier's identity fields that differ from the row's or the header's, or null. */
export function differs(l, v, words = 'result.linkedDiffers') {
  const parts = [];
  if (l.nameKanji || l.nameKana) parts.push(`${v.t('result.name')}: ${[l.nameKanji, l.nameKana].filter(Boolean).join(' ')}`);
  if (l.dob) parts.push(`${v.t('result.dob')}: ${formatBirthDate(l.dob, v.lang)}`);
  if (l.sex) parts.push(`${v.t('result.sex')}: ${label(l.sex, v.lang)}`);
  if (l.address) parts.push(`${v.t('result.address')}: ${l.address}`);
  if (parts.length === 0) return null;
  return h('span', { class: 'linked-differs' }, ` （${v.t(words)} ${parts.join('、')}）`);
}

function fact(term, value, cls = null) {
  return h('div', { class: ['fact', cls] }, h('dt', {}, term), h('dd', {}, value));
}

// Checkbox classes: .confirm-name and .confirm-dob are in docs/app.md's list of element ids.
export const CLASS_OF = { name: 'name', dob: 'dob', address: 'address', patientId: 'patient-id', phone: 'phone' };

export function renderPrompt(prompt, v) {
  if (prompt.kind === 'basis') {
    return h('div', { class: 'prompt basis-prompt', role: 'group', 'aria-labelledby': 'basis-heading' },
      h('h3', { id: 'basis-heading' }, v.t('basis.heading')),
      h('div', { class: 'prompt-buttons' },
        basisButton('vital-interest', v),
        basisButton('verbal-consent', v),
        h('button', { type: 'button', class: 'secondary', on: { click: () => v.actions.cancelPrompt() } }, v.t('cancel')),
      ),
    );
  }
  return renderBreakGlassOffer(prompt, v);
}

function basisButton(basis, v) {
  return h('button', {
    type: 'button',
    id: `basis-${basis}`,
    class: 'primary tall',
    on: { click: () => v.actions.chooseBasis(basis) },
  }, h('strong', {}, v.t(`basis.${basis}`)), h('span', { class: 'sub' }, v.t(`basis.${basis}.help`)));
}

function renderBreakGlassOffer(prompt, v) {
  const box = h('div', { class: 'prompt break-glass-box', role: 'group', 'aria-labelledby': 'break-glass-heading' },
    h('h3', { id: 'break-glass-heading' }, v.t('breakGlass.heading')),
    h('p', { class: 'help' }, v.t('breakGlass.help')),
  );
  if (!prompt.reasonOpen) {
    box.append(h('div', { class: 'prompt-buttons' },
      h('button', { type: 'button', id: 'break-glass-open', class: 'danger', on: { click: () => v.actions.openBreakGlassReason() } },
        v.t('breakGlass.open')),
      h('button', { type: 'button', class: 'secondary', on: { click: () => v.actions.cancelPrompt() } }, v.t('cancel')),
    ));
    return box;
  }
  box.append(h('form', {
    class: 'break-glass-form',
    on: { submit: (e) => { e.preventDefault(); v.actions.confirmBreakGlass(); } },
  },
    h('label', { for: 'break-glass-input' }, v.t('breakGlass.input')),
    h('input', { id: 'break-glass-input', type: 'text', autocomplete: 'off' }),
    h('div', { class: 'prompt-buttons' },
      h('button', { type: 'submit', id: 'break-glass-confirm', class: 'danger' }, v.t('breakGlass.confirm')),
      h('button', { type: 'button', class: 'secondary', on: { click: () => v.actions.cancelPrompt() } }, v.t('cancel')),
    ),
  ));
  return box;
}
