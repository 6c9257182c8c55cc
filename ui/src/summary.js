// Step 5 (まず要約 / Summary first): the RecordScreen's summary in the manual's order — the red
// critical banner first, then problems (suspected apart), current medicines, recent labs with small
// trend plots, last encounters; allergies and infections beside them. What is critical, current or
// withheld is the desk's answer (docs/app.md "RecordScreen"); this module lays it out.

import { h } from './dom.js';
import { formatBirthDate, formatDay, formatDaysAgo, formatFacility, label } from './format.js';
import { areaSection, labTable, medicineTable, rowList, source, undisclosedMark } from './rows.js';
import { confirmableIdentifiers, differs, enoughConfirmed, renderPrompt, resultKey } from './search.js';
import { plotTrend } from './trends.js';

/** Who this is and on what basis they are being viewed: shown above every record screen. */
export function patientHeader(record, v) {
  const p = record.patient ?? {};
  const access = record.access ?? {};
  const warnings = p.idWarnings ?? [];
  return h('section', { class: 'patient-header', 'aria-label': v.t('record.identity') },
    h('div', { class: 'patient-name' },
      h('span', { class: 'name-kanji' }, p.nameKanji), ' ',
      h('span', { class: 'name-kana' }, p.nameKana),
      p.deceased ? h('span', { class: 'deceased' }, v.t('record.deceased')) : null,
    ),
    h('dl', { class: 'facts patient-facts' },
      fact(v.t('result.dob'), [h('span', { class: 'dob' }, formatBirthDate(p.dob, v.lang)),
        p.age !== null && p.age !== undefined ? ` ${v.t('result.age', { age: p.age })}` : null]),
      fact(v.t('result.sex'), label(p.sex, v.lang)),
      fact(v.t('result.facility'), formatFacility(p.facility, v.lang)),
      fact(v.t('result.patientId'), p.patientId),
      fact(v.t('result.address'), p.address, 'wraps'),
      p.phone ? fact(v.t('record.phone'), p.phone) : null,
      (p.contacts ?? []).length ? fact(v.t('record.contacts'), contactList(p.contacts, v), 'wraps') : null,
      fact(v.t('record.access'), accessWords(access, v), 'wraps'),
      record.dataAsOf ? recordAge(record.dataAsOf, v) : null,
    ),
    warnings.length
      ? h('div', { class: 'id-warnings notice warn', role: 'note' },
          h('strong', {}, v.t('record.idWarnings')),
          h('ul', {}, warnings.map((w) => h('li', {}, label(w, v.lang)))))
      : null,
    (access.withheld ?? []).length
      ? h('p', { class: 'withheld-list' },
          h('strong', {}, `${v.t('withheld.list')}: `),
          access.withheld.map((w) => label(w, v.lang)).join(v.lang === 'ja' ? '、' : ', '))
      : null,
    linkedMembers(record, v),
    possiblySame(record, v),
    codeMasters(record, v),
  );
}

/**
 * Technical detail: the standard code masters the hub built this record's data with
 * (RecordScreen.masters), or that it had none and codes are as the facilities wrote them.
 */
export function codeMasters(record, v) {
  const masters = record.masters ?? [];
  return h('details', { id: 'code-masters', class: 'tech-detail' },
    h('summary', {}, `${v.t('techDetail.summary')}: ${v.t('masters.heading')}`),
    masters.length === 0
      ? h('p', { class: 'masters-none' }, v.t('masters.none'))
      : h('ul', { class: 'masters-list' }, masters.map((m) => h('li', { class: 'master' },
          `${m.master} ・ ${m.file}`,
          m.version ? ` （${v.t('masters.version')} ${m.version}）` : null,
          h('span', { class: 'master-digest', lang: 'en' }, ` SHA-256 ${m.sha256.slice(0, 16)}…`)))),
  );
}

const CONFIRM_CLASS = { name: 'name', dob: 'dob', address: 'address', patientId: 'patient-id' };

/**
 * "Possibly the same person (not confirmed by the hub)" (RecordScreen.possibly): patients at other
 * facilities the hub has not linked, whose identity agrees with this record's, each with the
 * fields that agree and differ. Nothing of theirs is on this record; each opens as its own record
 * from here, after its own two-identifier confirmation, like a search row.
 */
export function possiblySame(record, v) {
  const list = record.possibly ?? [];
  if (list.length === 0) return null;
  const fields = (keys) => keys.map((k) => v.t(`match.${k}`)).join(v.lang === 'ja' ? '・' : ', ');
  return h('section', { id: 'possibly-same', class: 'possibly notice', 'aria-label': v.t('possibly.heading') },
    h('p', { class: 'possibly-heading' }, h('strong', {}, v.t('possibly.heading'))),
    h('ul', { class: 'possibly-list' }, list.map((m, i) => {
      const key = resultKey(m);
      const ticks = v.state.confirmations?.[key] ?? {};
      const open = h('button', {
        type: 'button',
        class: 'open-possible secondary',
        disabled: !enoughConfirmed(m, ticks),
        on: { click: () => v.actions.openRecord(m) },
      }, v.t('possibly.open'));
      const check = (id) => {
        const box = h('input', {
          type: 'checkbox',
          id: `possible-${CONFIRM_CLASS[id]}-${i}`,
          class: `confirm-${CONFIRM_CLASS[id]}`,
          checked: Boolean(ticks[id]),
          on: {
            change: (e) => {
              v.actions.confirm(m, id, e.target.checked);
              open.disabled = !enoughConfirmed(m, v.state.confirmations?.[key] ?? {});
            },
          },
        });
        return h('label', { class: 'confirm', for: `possible-${CONFIRM_CLASS[id]}-${i}` }, box, h('span', {}, v.t(`result.confirm.${id}`)));
      };
      return h('li', { class: ['possible', `strength-${m.strength}`], dataset: { facility: m.facility?.code, patient: m.patientId, strength: m.strength } },
        h('p', { class: 'possible-who' },
          h('span', { class: 'possible-strength' }, v.t(`possibly.${m.strength}`)), ' ',
          h('span', { class: 'linked-facility' }, formatFacility(m.facility, v.lang)), ' ',
          h('span', { class: 'linked-patient-id' }, `${v.t('result.patientId')} ${m.patientId}`), ' ・',
          [m.nameKanji, m.nameKana].filter(Boolean).join(' '), ' ・',
          formatBirthDate(m.dob, v.lang), ' ・', label(m.sex, v.lang)),
        h('p', { class: 'possible-why' },
          `${v.t('possibly.agree')}: ${fields(m.agree ?? [])}`,
          (m.differ ?? []).length ? ` ／ ${v.t('possibly.differ')}: ${fields(m.differ)}` : null),
        h('div', { class: 'possible-confirm' }, confirmableIdentifiers(m).map(check), open),
        v.state.prompt?.key === key ? renderPrompt(v.state.prompt, v) : null,
      );
    })),
  );
}

/**
 * The person's other identifiers the hub linked with this one (RecordScreen.linked): each
 * facility's ID and whether its data is on this screen, with that facility's own data-as-of, or
 * why not (its patient refused sharing there; or the snapshot does not hold it). Every item below
 * carries its own facility, so nothing from another facility reads as this one's.
 */
export function linkedMembers(record, v) {
  const linked = record.linked ?? [];
  if (linked.length === 0) return null;
  return h('section', { class: 'record-linked', 'aria-label': v.t('record.linked') },
    h('p', { class: 'record-linked-heading' }, h('strong', {}, v.t('record.linked'))),
    h('ul', { class: 'record-linked-list' }, linked.map((m) => h('li', {
      class: ['record-member', `member-${m.state}`],
      dataset: { facility: m.facility?.code, patient: m.patientId, state: m.state },
    },
      h('span', { class: 'linked-facility' }, formatFacility(m.facility, v.lang)), ' ',
      h('span', { class: 'linked-patient-id' }, `${v.t('result.patientId')} ${m.patientId}`),
      m.opened ? ` ${v.t('record.linkedOpened')}` : null,
      m.state === 'shown' && m.dataAsOf
        ? h('span', { class: ['member-age', m.dataAsOf.stale ? 'stale' : null] },
            ` ・${v.t('record.dataAsOf')}: ${formatDay(m.dataAsOf.asOf, v.lang)}${formatDaysAgo(m.dataAsOf.days, v.lang)}`,
            m.dataAsOf.stale ? h('strong', { class: 'stale-warning' }, ` ⚠ ${v.t('record.stale')}`) : null)
        : null,
      m.state === 'shown' && m.consent && m.consent !== 'consented'
        ? ` ・${accessWords({ consent: m.consent, basis: m.basis }, v)}`
        : null,
      m.state === 'withheld' ? h('strong', { class: 'member-withheld' }, ` ・${v.t('record.linkedWithheld')}`) : null,
      m.state === 'not-held' ? ` ・${v.t('result.linkedNotHeld')}` : null,
      differs(m, v, 'record.linkedDiffers'),
    ))),
  );
}

/** Next of kin (NK1): name (relationship) and numbers, one per line, as written. */
export function contactWords(c, v) {
  const who = [c.name, c.relationship ? `（${c.relationship}）` : null].filter(Boolean).join(' ');
  return [who || v.t('record.contactUnnamed'), ...(c.phones ?? [])].join(' ・ ');
}

function contactList(contacts, v) {
  return h('ul', { class: 'contacts' }, contacts.map((c) => h('li', { class: 'contact' }, contactWords(c, v))));
}

function fact(term, value, cls = null) {
  return h('div', { class: ['fact', cls] }, h('dt', {}, term), h('dd', {}, value));
}

/** How fresh this patient's facility's data is (RecordScreen.dataAsOf), warned when stale. */
function recordAge(age, v) {
  const days = formatDaysAgo(age.days, v.lang);
  return h('div', { class: ['fact', 'record-age', age.stale ? 'stale' : null] },
    h('dt', {}, v.t('record.dataAsOf')),
    h('dd', {}, `${formatDay(age.asOf, v.lang)}${days}`, age.stale ? h('strong', { class: 'stale-warning' }, ` ⚠ ${v.t('record.stale')}`) : null),
  );
}

/**
 * 閲覧の根拠: the consent state, then the legal basis, then since when. A consented patient viewed on
 * the basis of that consent reads 同意あり / Consented alone, not 同意: 同意あり・同意.
 */
export function accessWords(access, v) {
  const parts = [];
  const byConsent = access.consent === 'consented' && access.basis === 'consent';
  if (byConsent) parts.push(v.t('consent.consented'));
  else if (access.consent) parts.push(`${v.t('result.consent')}: ${v.t(`consent.${access.consent}`)}`);
  if (access.basis && !byConsent) {
    const key = `basis.${access.basis}`;
    const words = v.t(key);
    parts.push(words === key ? access.basis : words);
  }
  if (access.since) parts.push(v.t('record.since', { date: formatDay(access.since, v.lang) }));
  return parts.join(v.lang === 'ja' ? '・' : ', ');
}

/** The red band (manual step 5): each flag with its class, what, facility and date, 未告知 marked. */
export function criticalBanner(record, v, { id = 'critical-banner' } = {}) {
  const flags = record.critical ?? [];
  const withheld = (record.access?.withheld ?? []).length > 0;
  return h('section', { id, class: ['critical', flags.length ? 'has-flags' : 'no-flags'], tabindex: '-1', 'aria-labelledby': `${id}-heading` },
    h('h2', { id: `${id}-heading` }, v.t('critical.heading')),
    flags.length
      ? h('ul', { class: 'critical-list' }, flags.map((f) =>
          h('li', { class: 'critical-flag', dataset: { class: f.class } },
            h('span', { class: 'critical-class' }, label(f, v.lang)),
            h('span', { class: 'critical-what' }, f.what),
            f.undisclosed ? undisclosedMark(v) : null,
            source(f.facility, f.date, v),
          )))
      : h('p', { class: 'critical-none' }, v.t('critical.none')),
    withheld ? h('p', { class: 'critical-withheld' }, v.t('critical.someWithheld')) : null,
  );
}

export function renderSummary(record, v) {
  const s = record.summary ?? {};
  const access = record.access;
  return h('section', { class: 'screen summary-screen' },
    patientHeader(record, v),
    criticalBanner(record, v),
    h('div', { class: 'summary-grid' },
      h('div', { class: 'summary-col' },
        areaSection({ id: 'summary-allergies', title: v.t('summary.allergies'), area: 'allergies', items: s.allergies, access, v,
          content: () => rowList(s.allergies, v) }),
        areaSection({ id: 'summary-infections', title: v.t('summary.infections'), area: 'infections', items: s.infections, access, v,
          content: () => rowList(s.infections, v) }),
        areaSection({ id: 'summary-problems', title: v.t('summary.problems'), area: 'problems', items: s.problems, access, v,
          content: () => rowList(s.problems, v) }),
        areaSection({ id: 'summary-suspected', title: v.t('summary.suspected'), area: 'problems', items: s.suspected, access, v,
          content: () => rowList(s.suspected, v, 'rows suspected') }),
      ),
      h('div', { class: 'summary-col wide' },
        areaSection({ id: 'summary-medicines', title: v.t('summary.medicines'), area: 'medications', items: s.medicines, access, v,
          content: () => medicineTable(s.medicines, v) }),
        areaSection({ id: 'summary-labs', title: v.t('summary.labs'), area: 'labs', items: [...(s.labs ?? []), ...(s.trends ?? [])], access, v,
          content: () => h('div', {},
            s.labs?.length ? labTable(s.labs, v) : null,
            s.trends?.length ? trendStrip(s.trends, v) : null) }),
        areaSection({ id: 'summary-encounters', title: v.t('summary.encounters'), area: 'encounters', items: s.encounters, access, v,
          content: () => rowList(s.encounters, v) }),
        areaSection({ id: 'summary-diet', title: v.t('summary.diet'), area: 'encounters', items: s.diet, access, v,
          content: () => rowList(s.diet, v, 'rows diet') }),
      ),
    ),
    h('nav', { class: 'record-nav', 'aria-label': v.t('tabs.label') },
      h('button', { type: 'button', id: 'go-details', class: 'primary', on: { click: () => v.actions.showDetails() } }, v.t('record.toDetails')),
      h('button', { type: 'button', id: 'go-print', class: 'primary', on: { click: () => v.actions.showPrint() } }, v.t('record.toPrint')),
      h('button', { type: 'button', id: 'close-record', class: 'secondary', on: { click: () => v.actions.closeRecord() } }, v.t('record.close')),
    ),
  );
}

/** Small plots of the summary's trends, each with its latest value and date in words. */
function trendStrip(trends, v) {
  return h('div', { class: 'summary-trends' },
    h('h3', {}, v.t('summary.trends')),
    h('ul', { class: 'trend-list' }, trends.map((trend) => {
      const last = trend.points?.[trend.points.length - 1];
      const plot = h('div', { class: 'sparkline' });
      v.after(() => plotTrend(plot, trend, { width: 220, height: 64, small: true, lang: v.lang, failedText: v.t('labs.chartFailed') }));
      return h('li', { class: 'trend', dataset: { code: trend.code } },
        h('div', { class: 'trend-name' }, trend.name, trend.unit ? ` [${trend.unit}]` : null),
        last ? h('div', { class: 'trend-last' }, `${last.value}${last.flag ? ` ${last.flag}` : ''} ・ ${formatDay(last.date, v.lang)}`) : null,
        plot,
      );
    })),
  );
}
