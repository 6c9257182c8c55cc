// Step 3 (閲覧者の申告 / Who is viewing): name, profession (the desk's list, in its order), team and
// event, plus the authorisation code when the chosen profession's `needsAuthCode` says so (manual
// step 3). The list of professions and which need a code come from the DeclareScreen.

import { h } from './dom.js';
import { label } from './format.js';

export function renderDeclare(screen, v) {
  const professions = screen?.professions ?? [];
  const authWrap = h('div', { class: 'field', id: 'auth-code-field', hidden: true },
    h('label', { for: 'viewer-auth-code' }, v.t('declare.authCode')),
    h('input', { id: 'viewer-auth-code', type: 'password', autocomplete: 'off' }),
    h('p', { class: 'help' }, v.t('declare.authCode.help')),
  );
  const select = h('select', {
    id: 'viewer-profession',
    required: true,
    on: { change: () => showAuthCode(select, professions, authWrap) },
  },
    h('option', { value: '' }, v.t('declare.choose')),
    professions.map((p) => h('option', { value: p.key }, label(p, v.lang))),
  );
  return h(
    'section',
    { class: 'screen declare-screen', 'aria-labelledby': 'declare-heading' },
    h('h1', { id: 'declare-heading' }, v.t('declare.heading')),
    h('p', { class: 'help strong' }, v.t('declare.help')),
    h('form', {
      class: 'declare-form',
      on: { submit: (e) => { e.preventDefault(); v.actions.declare(); } },
    },
      field('viewer-name', v.t('declare.name'), h('input', { id: 'viewer-name', type: 'text', autocomplete: 'name', required: true })),
      field('viewer-profession', v.t('declare.profession'), select),
      authWrap,
      field('viewer-team', v.t('declare.team'), h('input', { id: 'viewer-team', type: 'text', required: true })),
      field('viewer-event', v.t('declare.event'),
        h('input', { id: 'viewer-event', type: 'text', value: screen?.defaultEvent ?? '', required: true })),
      h('button', { type: 'submit', id: 'declare', class: 'primary huge' }, v.t('declare.submit')),
    ),
  );
}

function field(id, text, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, text), control);
}

/** Shows the code field only for a profession the desk marked `needsAuthCode`. */
export function showAuthCode(select, professions, authWrap) {
  const chosen = professions.find((p) => p.key === select.value);
  authWrap.hidden = !chosen?.needsAuthCode;
}
