// Step 1 (開始 / Start): the list of snapshot cards from the `start` command. A card shows each
// facility's "data as of", the validity in words and colour, and the drill mark (manual step 1);
// an expired card is red and offers only break-glass; a superseded one (an older snapshot of the
// same hub than another card) is amber and its button is not the primary one. Which state a
// snapshot is in, and the cards' order, come from the desk (`validity.state`): the card only picks
// words and a colour for it.

import { techDetail } from './chrome.js';
import { h } from './dom.js';
import { formatDay, formatFacility } from './format.js';

/** A colour for each validity state the desk reports (contract.js VALIDITY_STATES); an unknown one is shown as not openable. */
export const VALIDITY_TONE = {
  valid: 'ok',
  superseded: 'warn',
  expired: 'bad',
  'not-yet-valid': 'warn',
  untrusted: 'bad',
  damaged: 'bad',
};

export function renderStart(screen, v) {
  const snapshots = screen?.snapshots ?? [];
  return h(
    'section',
    { class: 'screen start-screen', 'aria-labelledby': 'start-heading' },
    h('div', { class: 'screen-head' },
      h('h1', { id: 'start-heading' }, v.t('start.heading')),
      h('button', { type: 'button', id: 'refresh-snapshots', class: 'secondary', on: { click: () => v.actions.start() } },
        v.t('start.reload')),
    ),
    h('p', { class: 'help' }, v.t('start.help')),
    screen
      ? h('p', { class: ['device-key-line', screen.deviceKey ? null : 'missing'] },
          v.t(screen.deviceKey ? (screen.deviceKeyPin ? 'start.deviceKeyPin' : 'start.deviceKeyFound') : 'start.deviceKeyMissing'))
      : null,
    renderSync(screen, v),
    snapshots.length === 0 && screen ? h('p', { class: 'empty' }, v.t('start.empty')) : null,
    h('ul', { class: 'snapshot-list' }, snapshots.map((card) => h('li', {}, renderCard(card, v)))),
  );
}

/** Bytes as people read them: 834 KB, 12.3 MB. */
export function formatBytes(bytes) {
  const n = Number(bytes ?? 0);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * "Sync now", when the desk offers it (`screen.sync`): the button and where it syncs from, the
 * running sync's progress (bytes of the current file), then the result with each facility's
 * data-as-of before → after. The card list below is the desk's, listed again after the sync.
 */
export function renderSync(screen, v) {
  const offer = screen?.sync;
  if (!offer) return null;
  const { syncing, syncProgress, sync } = v.state ?? {};
  return h('section', { class: 'sync-panel', 'aria-labelledby': 'sync-heading' },
    h('h2', { id: 'sync-heading' }, v.t('sync.heading')),
    h('p', { class: 'sync-source' }, `${v.t('sync.from')}: `, h('code', {}, offer.source)),
    h('button', {
      type: 'button',
      id: 'sync-now',
      class: 'secondary',
      disabled: syncing ? true : undefined,
      on: { click: () => v.actions.syncNow() },
    }, v.t('sync.button')),
    // A sync opens every file with the device key: a protected one needs its PIN.
    screen.deviceKeyPin
      ? h('div', { class: 'field pin-field' },
          h('label', { for: 'sync-pin' }, v.t('sync.pin')),
          h('input', { id: 'sync-pin', type: 'password', autocomplete: 'off', spellcheck: 'false' }))
      : null,
    syncing ? renderSyncProgress(syncProgress, v) : null,
    sync && !syncing ? renderSyncResult(sync, v) : null,
  );
}

function renderSyncProgress(p, v) {
  let words = v.t('sync.running');
  if (p?.phase === 'fetching') {
    words = v.t('sync.fetching', { file: (p.file ?? '').split('/').pop(), done: formatBytes(p.done), total: formatBytes(p.total) });
  } else if (p?.phase === 'verifying') {
    words = v.t('sync.verifying', { done: formatBytes(p.done), total: formatBytes(p.total) });
  }
  return h('div', { id: 'sync-progress', class: 'sync-progress', role: 'status' },
    h('p', {}, words),
    p?.total ? h('progress', { max: String(p.total), value: String(p.done ?? 0) }) : null,
  );
}

function renderSyncResult(sync, v) {
  return h('div', { id: 'sync-result', class: ['sync-result', 'tone-ok'], dataset: { outcome: sync.outcome }, role: 'status' },
    h('p', { class: 'sync-outcome' }, v.t(`sync.outcome.${sync.outcome}`)),
    h('p', { class: 'sync-fetched' },
      v.t('sync.fetched', { fetched: sync.fetched, files: sync.files, bytes: formatBytes(sync.fetchedBytes) })),
    h('table', { class: 'sync-facilities' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, v.t('card.facilities')),
        h('th', { scope: 'col' }, v.t('sync.before')),
        h('th', { scope: 'col' }, v.t('sync.after')),
      )),
      h('tbody', {}, (sync.facilities ?? []).map((f) =>
        h('tr', { class: 'sync-facility', dataset: { code: f.code } },
          h('th', { scope: 'row' }, formatFacility(f, v.lang)),
          h('td', { class: 'sync-before' }, f.before ? formatDay(f.before, v.lang) : v.t('sync.noData')),
          h('td', { class: 'sync-after' }, `→ ${f.after ? formatDay(f.after, v.lang) : v.t('sync.noData')}`),
        ))),
    ),
  );
}

export function validityWords(validity, v) {
  const state = validity?.state ?? 'damaged';
  return v.t(`validity.${state}`, { days: validity?.daysLeft ?? '?' });
}

export function validityTone(validity) {
  return VALIDITY_TONE[validity?.state] ?? 'bad';
}

function renderCard(card, v) {
  const tone = validityTone(card.validity);
  const expired = card.validity?.state === 'expired';
  const superseded = card.validity?.state === 'superseded';
  const headingId = `card-${card.snapshotId ?? card.file}`;
  return h(
    'article',
    {
      class: ['snapshot-card', `tone-${tone}`, expired ? 'expired' : null, superseded ? 'superseded' : null, card.drill ? 'drill' : null],
      dataset: { path: card.path, state: card.validity?.state },
      'aria-labelledby': headingId,
    },
    h('header', { class: 'card-head' },
      h('h2', { id: headingId, class: 'card-file' }, card.file),
      card.drill ? h('span', { class: 'drill-mark' }, v.t('drill.banner')) : null,
      h('span', { class: 'card-location' }, v.t(card.location === 'removable' ? 'card.removable' : 'card.local')),
    ),
    renderValidity(card, v),
    h('h3', { class: 'card-sub' }, v.t('card.facilities')),
    h('ul', { class: 'facility-list' },
      (card.facilities ?? []).map((f) =>
        h('li', { class: 'facility', dataset: { code: f.code } },
          h('span', { class: 'facility-name' }, formatFacility(f, v.lang)),
          h('span', { class: 'facility-asof' }, `${v.t('card.dataAsOf')}: ${formatDay(f.dataAsOf, v.lang)}`),
        ),
      ),
    ),
    h('p', { class: 'card-keys' },
      v.t(card.deviceKey ? 'card.keys.device' : 'card.keys.noDevice'),
      card.passphrase ? ` ・ ${v.t('card.keys.passphrase')}` : null,
    ),
    h('button', {
      type: 'button',
      class: ['open-snapshot', superseded ? 'secondary' : 'primary', expired ? 'danger' : null],
      on: { click: () => v.actions.chooseSnapshot(card) },
    }, v.t(expired ? 'card.openBreakGlass' : superseded ? 'card.openSuperseded' : 'card.open')),
  );
}

/** The validity line: words and a colour, the two dates, and the desk's reason (folded away) when not valid. */
export function renderValidity(card, v) {
  const tone = validityTone(card.validity);
  return h('div', { class: ['validity', `tone-${tone}`] },
    h('p', { class: 'validity-words' }, validityWords(card.validity, v)),
    h('p', { class: 'validity-dates' },
      `${v.t('card.created')}: ${formatDay(card.created, v.lang)} ・ ${v.t('card.notAfter')}: ${formatDay(card.notAfter, v.lang)}`),
    card.validity?.message ? techDetail(card.validity.message, v) : null,
  );
}
