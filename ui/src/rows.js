// The pieces the summary, the details and the print page share: an item (Row) with its facility and
// date (manual step 5: "every item shows its facility and date"), the medicines and labs tables,
// and the withheld notice. A section the desk lists in `access.withheld` says 非表示（権限）/
// "Withheld (your profession)" and never "none", so "not shown" cannot be read as "not there".

import { h } from './dom.js';
import { facilityName, formatDay, label } from './format.js';

/** Whether the desk withheld `area` (a policy section key) from this viewer. */
export function isWithheld(access, area) {
  return (access?.withheld ?? []).some((w) => w.key === area);
}

export function withheldNotice(area, v) {
  return h('p', { class: 'withheld', dataset: { area } }, v.t('withheld'));
}

/**
 * A titled block for one policy area: the withheld notice when the desk withheld the area, "none"
 * when it is empty, else `content()`.
 */
export function areaSection({ id, title, area, items, content, access, v, level = 'h2' }) {
  let body;
  if (isWithheld(access, area)) body = withheldNotice(area, v);
  else if (!items || items.length === 0) body = h('p', { class: 'none' }, v.t('none'));
  else body = content();
  return h('section', { id, class: ['panel', `area-${area}`], dataset: { area } }, h(level, {}, title), body);
}

/** "石巻みなと総合病院 ・ 2026-11-13（R8.11.13）" */
export function source(facility, date, v) {
  return h('span', { class: 'source' },
    h('span', { class: 'source-facility' }, facilityName(facility)),
    ' ・ ',
    h('span', { class: 'source-date' }, formatDay(date, v.lang)),
  );
}

export function undisclosedMark(v) {
  return h('span', { class: 'undisclosed' }, v.t('undisclosed'));
}

/**
 * What a Row is called: a Row with a `kind` (an encounter's stable key, e.g. `outpatient_visit`) is
 * worded here in the viewer's language; a kind this UI has no words for shows as sent.
 */
export function rowText(row, v) {
  if (row.kind) {
    const key = `encounter.${row.kind}`;
    const words = v.t(key);
    if (words !== key) return words;
  }
  return row.text;
}

/** One Row as a list item: what, its value for labs, the second line, and where and when. */
export function rowItem(row, v) {
  return h('li', { class: ['row', row.suspected ? 'suspected' : null] },
    h('div', { class: 'row-main' },
      h('span', { class: 'row-text' }, rowText(row, v)),
      row.class ? h('span', { class: 'badge encounter-class' }, label(row.class, v.lang)) : null,
      row.suspected ? h('span', { class: 'badge suspected-mark' }, v.t('suspected')) : null,
      row.value !== null && row.value !== undefined ? h('span', { class: 'row-value' }, valueText(row)) : null,
      row.flag ? flagMark(row.flag) : null,
      row.severity ? h('span', { class: 'severity' }, row.severity) : null,
      row.undisclosed ? undisclosedMark(v) : null,
    ),
    row.detail ? h('div', { class: 'row-detail' }, row.detail) : null,
    standardLine(row.standards, v),
    row.belongsTo ? h('div', { class: 'row-belongs' }, `${v.t('row.belongsTo')}: ${row.belongsTo}`) : null,
    row.disposition ? h('div', { class: 'row-disposition' }, `${v.t('row.disposition')}: ${row.disposition}`) : null,
    row.problem ? problemOutcome(row.problem, v) : null,
    h('div', { class: 'row-source' }, source(row.facility, row.date, v),
      // A problem dated by its diagnosis also shows its onset when that is another day: a referral
      // letter quotes the onset, and the two must not read as one date off by a month.
      row.onset
        ? h('span', { class: 'row-onset' }, ` （${v.t('row.diagnosed')}） ・ ${v.t('row.onset')}: ${formatDay(row.onset, v.lang)}`)
        : null),
  );
}

/**
 * A problem's outcome line: PRB-14 code and text exactly as written (both, so a code and a text that
 * disagree are never reconciled here), PRB-9 as the outcome date (転帰日), and the words for how the
 * desk's rule stands the problem. Nothing is shown for an open problem with neither outcome nor date.
 */
export function problemOutcome(problem, v) {
  const written = [problem.outcomeText, problem.outcomeCode ? `(${problem.outcomeCode})` : null]
    .filter(Boolean).join(' ');
  const needsWords = problem.standing !== 'open' || written || problem.outcomeDate;
  if (!needsWords) return null;
  const parts = [];
  if (written) parts.push(`${v.t('row.outcome')}: ${written}`);
  if (problem.outcomeDate) parts.push(`${v.t('row.outcomeDate')}: ${formatDay(problem.outcomeDate, v.lang)}`);
  return h('div', { class: ['row-outcome', `standing-${problem.standing}`], dataset: { standing: problem.standing } },
    parts.length > 0 ? h('span', { class: 'outcome-written' }, parts.join(' ・ ')) : null,
    h('span', { class: ['badge', 'standing-mark'] }, v.t(`standing.${problem.standing}`)),
  );
}

/**
 * The standard codes the hub's masters found for an item's code (Row/Medicine `standards`), on a
 * line of their own under the facility's text, which stays what the facility wrote: 「標準コード:
 * HOT9 108665201 ダーゼン錠５ｍｇ（施設の対応表から）」. Nothing when the masters found none.
 */
export function standardLine(standards, v, tag = 'div') {
  if (!standards || standards.length === 0) return null;
  const one = (s) => [s.system, s.code, s.name, s.viaLocalMap ? v.t('standard.viaLocalMap') : null]
    .filter(Boolean).join(' ');
  return h(tag, { class: 'row-standard' }, `${v.t('standard.label')}: ${standards.map(one).join(' ／ ')}`);
}

export function rowList(rows, v, cls = 'rows') {
  return h('ul', { class: cls }, rows.map((row) => rowItem(row, v)));
}

function valueText(row) {
  return row.unit ? `${row.value} ${row.unit}` : String(row.value);
}

/** A lab flag as a letter in a coloured box: the letter carries the meaning, the colour only helps. */
export function flagMark(flag) {
  const tone = /^H/i.test(flag) ? 'high' : /^L/i.test(flag) ? 'low' : 'other';
  return h('span', { class: ['flag', `flag-${tone}`] }, flag);
}

/**
 * Medicines: drug, dose, usage, days, last prescribed, facility (manual step 5). The history (step 6)
 * adds prescription or injection, the end date and the doctor.
 */
export function medicineTable(medicines, v, { history = false, id } = {}) {
  const kindWords = (kind) => {
    const key = `medicine.${kind}`;
    const words = v.t(key);
    return words === key ? kind : words;
  };
  return h('table', { class: 'medicines', id },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, v.t('col.drug')),
      h('th', { scope: 'col' }, v.t('col.dose')),
      h('th', { scope: 'col' }, v.t('col.usage')),
      h('th', { scope: 'col', class: 'num' }, v.t('col.days')),
      history ? h('th', { scope: 'col' }, v.t('col.kind')) : null,
      h('th', { scope: 'col' }, v.t('col.lastPrescribed')),
      history ? h('th', { scope: 'col' }, v.t('col.until')) : null,
      history ? h('th', { scope: 'col' }, v.t('col.doctor')) : null,
      h('th', { scope: 'col' }, v.t('col.facility')),
    )),
    h('tbody', {}, medicines.map((m) =>
      h('tr', { class: 'medicine' },
        h('th', { scope: 'row', class: 'drug' }, h('span', { class: 'drug-name' }, m.drug), medicineDetail(m, v),
          standardLine(m.standards, v, 'span')),
        h('td', { class: 'nowrap' }, m.dose ?? ''),
        h('td', {}, m.usage ?? ''),
        h('td', { class: 'num nowrap' }, m.days !== null && m.days !== undefined ? v.t('days', { days: m.days }) : ''),
        history ? h('td', { class: 'nowrap' }, m.kind ? kindWords(m.kind) : '') : null,
        h('td', { class: 'date' }, formatDay(m.lastPrescribed, v.lang, { time: false })),
        history ? h('td', { class: 'date' }, m.until ? formatDay(m.until, v.lang, { time: false }) : '') : null,
        history ? h('td', { class: 'nowrap' }, m.doctor ?? '') : null,
        h('td', { class: 'facility-cell' }, facilityName(m.facility)),
      ),
    )),
  );
}

/** How a medicine is given and how much was handed out: route, rate, device, amount dispensed. */
function medicineDetail(m, v) {
  const parts = [
    m.route ? `${v.t('medicine.route')}: ${m.route}` : null,
    m.rate ? `${v.t('medicine.rate')}: ${m.rate}` : null,
    m.device ? `${v.t('medicine.device')}: ${m.device}` : null,
    m.dispense ? `${v.t('medicine.dispense')}: ${m.dispense}` : null,
  ].filter(Boolean);
  return parts.length ? h('span', { class: 'row-detail medicine-detail' }, parts.join(' ・ ')) : null;
}

/** Lab results as a table: test, value with unit and flag, range, date, facility. */
export function labTable(rows, v, { id } = {}) {
  return h('table', { class: 'labs', id },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, v.t('col.test')),
      h('th', { scope: 'col', class: 'num' }, v.t('col.value')),
      h('th', { scope: 'col' }, v.t('col.range')),
      h('th', { scope: 'col' }, v.t('col.date')),
      h('th', { scope: 'col' }, v.t('col.facility')),
    )),
    h('tbody', {}, rows.map((r) =>
      h('tr', { class: ['lab', r.flag ? 'flagged' : null] },
        h('th', { scope: 'row' }, rowText(r, v), r.undisclosed ? undisclosedMark(v) : null,
          r.detail ? h('span', { class: 'row-detail' }, r.detail) : null,
          standardLine(r.standards, v, 'span'),
          r.belongsTo ? h('span', { class: 'row-belongs' }, `${v.t('row.belongsTo')}: ${r.belongsTo}`) : null),
        h('td', { class: 'num nowrap' }, r.value !== null && r.value !== undefined ? valueText(r) : '', r.flag ? flagMark(r.flag) : null),
        h('td', {}, r.range ?? ''),
        h('td', { class: 'date' }, formatDay(r.date, v.lang, { time: false })),
        h('td', { class: 'facility-cell' }, facilityName(r.facility)),
      ),
    )),
  );
}
