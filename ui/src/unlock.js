// Step 2 (解錠 / Unlock) for the chosen snapshot card: this laptop's key first and biggest, then the
// emergency passphrase, then, for an expired snapshot, break-glass with a typed reason (manual
// step 2 and "Break-glass"). Whether the reason is long enough, and whether the snapshot opens at
// all, is the desk's answer, not this screen's.

import { h } from './dom.js';
import { formatDay, formatFacility } from './format.js';
import { renderValidity } from './start.js';

export function renderUnlock(card, v) {
  const expired = card.validity?.state === 'expired';
  const showBreakGlass = expired || v.state.error?.kind === 'expired';
  return h(
    'section',
    { class: 'screen unlock-screen', 'aria-labelledby': 'unlock-heading' },
    h('div', { class: 'screen-head' },
      h('h1', { id: 'unlock-heading' }, `${v.t('unlock.heading')}: ${card.file}`),
      card.drill ? h('span', { class: 'drill-mark' }, v.t('drill.banner')) : null,
    ),
    h('div', { class: 'unlock-grid' },
      h('div', { class: 'unlock-actions' },
        expired ? h('p', { class: 'notice bad' }, v.t('unlock.expiredNotice')) : null,
        pinField(card, v),
        h('button', {
          type: 'button',
          id: 'unlock-device-key',
          class: 'primary huge',
          disabled: !card.deviceKey,
          on: { click: () => v.actions.unlock('device-key') },
        }, v.t('unlock.deviceKey')),
        card.deviceKey ? null : h('p', { class: 'notice warn' }, v.t('unlock.noDeviceKey')),
        h('p', { class: 'or' }, v.t('unlock.or')),
        h('form', {
          class: 'passphrase-form',
          on: { submit: (e) => { e.preventDefault(); v.actions.unlock('passphrase'); } },
        },
          h('label', { for: 'passphrase' }, v.t('unlock.passphrase')),
          h('div', { class: 'inline' },
            h('input', { id: 'passphrase', type: 'password', autocomplete: 'off', spellcheck: 'false' }),
            h('button', { type: 'submit', id: 'unlock-passphrase', class: 'primary' }, v.t('unlock.withPassphrase')),
          ),
          card.passphrase ? null : h('p', { class: 'notice warn' }, v.t('unlock.noPassphrase')),
        ),
        showBreakGlass ? renderBreakGlass(card, v) : null,
        h('button', { type: 'button', id: 'unlock-back', class: 'secondary', on: { click: () => v.actions.backToStart() } },
          v.t('unlock.back')),
      ),
      h('aside', { class: 'unlock-card' },
        renderValidity(card, v),
        h('ul', { class: 'facility-list' },
          (card.facilities ?? []).map((f) =>
            h('li', { class: 'facility' },
              h('span', { class: 'facility-name' }, formatFacility(f, v.lang)),
              h('span', { class: 'facility-asof' }, `${v.t('card.dataAsOf')}: ${formatDay(f.dataAsOf, v.lang)}`),
            ),
          ),
        ),
      ),
    ),
  );
}

// The device key's PIN, when the key is protected by one: Enter in it unlocks with the key.
function pinField(card, v) {
  if (!card.deviceKey || !v.state.startScreen?.deviceKeyPin) return null;
  return h('div', { class: 'field pin-field' },
    h('label', { for: 'device-key-pin' }, v.t('unlock.pin')),
    h('input', {
      id: 'device-key-pin',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      on: { keydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); v.actions.unlock('device-key'); } } },
    }));
}

function renderBreakGlass(card, v) {
  return h('form', {
    class: 'break-glass-box',
    on: { submit: (e) => { e.preventDefault(); v.actions.unlockBreakGlass(); } },
  },
    h('h2', {}, v.t('unlock.breakGlass.heading')),
    h('p', { class: 'help' }, v.t('unlock.breakGlass.help')),
    h('label', { for: 'break-glass-reason' }, v.t('unlock.breakGlass.reason')),
    h('input', { id: 'break-glass-reason', type: 'text', autocomplete: 'off' }),
    h('button', { type: 'submit', id: 'unlock-break-glass', class: 'danger' }, v.t('unlock.breakGlass.button')),
  );
}
