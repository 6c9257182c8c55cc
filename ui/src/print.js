// Step 7 (印刷 / Print): the one-page A4 summary that travels with a transferred patient. The
// preview lays out the open record on screen as the page will print; the print button first asks
// the desk for `print_summary` (which writes the audit entry and returns the content to print), lays
// out exactly that, and only then opens the print dialog. print.css owns the page geometry.

import { h } from './dom.js';
import { formatBirthDate, formatDay, formatFacility, formatViewer, label } from './format.js';
import { areaSection, labTable, medicineTable, rowList } from './rows.js';
import { contactWords } from './summary.js';

/** CSS pixels of one A4 page's height at 96 dpi (297 mm), for the overflow warning. */
export const A4_HEIGHT_PX = Math.round((297 / 25.4) * 96);

export function renderPrint(record, printed, v) {
  const content = printed ?? record;
  const banner = printed?.banner ?? v.state.banner;
  const page = printPage(content, banner, printed?.printedAt ?? null, v);
  const overflow = h('p', { id: 'print-overflow', class: 'notice warn', hidden: true }, v.t('print.overflow'));
  v.after(() => {
    overflow.hidden = !(page.offsetHeight > A4_HEIGHT_PX + 2);
  });
  return h('section', { id: 'print-preview', class: 'screen print-screen' },
    h('div', { class: 'print-toolbar no-print' },
      h('div', {},
        h('h1', {}, v.t('print.heading')),
        h('p', { class: 'help' }, v.t('print.help')),
        overflow,
      ),
      h('div', { class: 'print-buttons' },
        h('button', { type: 'button', id: 'print-button', class: 'primary huge', on: { click: () => v.actions.print() } }, v.t('print.button')),
        h('button', { type: 'button', id: 'print-close', class: 'secondary', on: { click: () => v.actions.closePrint() } }, v.t('print.close')),
      ),
    ),
    h('div', { class: 'print-stage' }, page),
  );
}

/**
 * Every facility whose data is on the page, each with its ID and data-as-of, and a linked one
 * whose data is not (withheld, or not in the snapshot): a page that travels with the patient
 * must say where each line came from.
 */
function printFacilities(content, v) {
  const linked = content.linked ?? [];
  if (linked.length === 0) return null;
  const p = content.patient ?? {};
  const own = `${formatFacility(p.facility, v.lang)} ${v.t('result.patientId')} ${p.patientId ?? ''}`
    + (content.dataAsOf ? `（${v.t('record.dataAsOf')} ${formatDay(content.dataAsOf.asOf, v.lang)}）` : '');
  const others = linked.map((m) => {
    const head = `${formatFacility(m.facility, v.lang)} ${v.t('result.patientId')} ${m.patientId}`;
    if (m.state === 'shown') return `${head}（${v.t('record.dataAsOf')} ${m.dataAsOf ? formatDay(m.dataAsOf.asOf, v.lang) : '—'}）`;
    return `${head}（${v.t(m.state === 'withheld' ? 'record.linkedWithheld' : 'result.linkedNotHeld')}）`;
  });
  return h('p', { class: 'print-facilities' },
    h('strong', {}, `${v.t('print.facilities')}: `), [own, ...others].join(v.lang === 'ja' ? '／' : ' / '));
}

function printPage(content, banner, printedAt, v) {
  const p = content.patient ?? {};
  const s = content.summary ?? {};
  const access = content.access;
  const sep = v.lang === 'ja' ? '・' : ', ';
  const critical = content.critical ?? [];
  const withheld = access?.withheld ?? [];
  return h('article', { id: 'print-page', class: ['a4', banner?.drill ? 'drill' : null], lang: v.lang },
    banner?.drill ? h('p', { class: 'print-drill' }, `${v.t('drill.banner')} ・ ${v.t('drill.banner.detail')}`) : null,
    banner?.breakGlass
      ? h('p', { class: 'print-break-glass' }, `${v.t('breakGlass.banner')} ・ ${v.t('breakGlass.reasonLabel')}: ${banner.breakGlass}`)
      : null,
    h('header', { class: 'print-head' },
      h('h1', {}, v.t('print.title')),
      h('p', { class: 'print-meta' },
        printedAt ? `${v.t('print.printedAt')}: ${formatDay(printedAt, v.lang)}` : v.t('print.preview'),
        content.dataAsOf
          ? ` ${sep}${v.t('record.dataAsOf')}: ${formatDay(content.dataAsOf.asOf, v.lang)}`
          : banner?.dataAge ? ` ${sep}${v.t('dataAge.label')}: ${formatDay(banner.dataAge.asOf, v.lang)}` : null,
        banner?.viewer ? ` ${sep}${v.t('viewer.label')}: ${formatViewer(banner.viewer, v.lang)}` : null,
      ),
    ),
    h('section', { class: 'print-patient' },
      h('p', { class: 'print-name' }, h('strong', {}, p.nameKanji), ' ', p.nameKana,
        p.deceased ? h('span', { class: 'deceased' }, v.t('record.deceased')) : null),
      h('p', {},
        `${v.t('result.dob')}: ${formatBirthDate(p.dob, v.lang)}`,
        p.age !== null && p.age !== undefined ? ` ${v.t('result.age', { age: p.age })}` : '',
        ` ${sep}${v.t('result.sex')}: ${label(p.sex, v.lang)}`,
        ` ${sep}${v.t('result.facility')}: ${formatFacility(p.facility, v.lang)}`,
        ` ${sep}${v.t('result.patientId')}: ${p.patientId ?? ''}`),
      h('p', {}, `${v.t('result.address')}: ${p.address ?? ''}`, p.phone ? ` ${sep}${v.t('record.phone')}: ${p.phone}` : ''),
      (p.contacts ?? []).length
        ? h('p', { class: 'print-contacts' }, `${v.t('record.contacts')}: ${p.contacts.map((c) => contactWords(c, v)).join(v.lang === 'ja' ? '／' : ' / ')}`)
        : null,
      withheld.length
        ? h('p', { class: 'print-withheld' }, `${v.t('withheld.list')}: ${withheld.map((w) => label(w, v.lang)).join(sep)}`)
        : null,
      printFacilities(content, v),
    ),
    h('section', { class: 'print-critical' },
      h('h2', {}, v.t('critical.heading')),
      critical.length
        ? h('ul', {}, critical.map((f) => h('li', { class: 'critical-flag', dataset: { class: f.class } },
            h('strong', {}, label(f, v.lang)), ' ', f.what,
            f.undisclosed ? h('span', { class: 'undisclosed' }, v.t('undisclosed')) : null,
            h('span', { class: 'source' }, ` ${f.facility?.name ?? ''} ${formatDay(f.date, v.lang)}`))))
        : h('p', {}, v.t('critical.none')),
      // The same warning as the red band on screen: "none" on paper must not read as "none at all".
      withheld.length
        ? h('p', { class: 'print-critical-withheld', role: 'note' }, h('strong', {}, `⚠ ${v.t('critical.someWithheld')}`))
        : null,
    ),
    h('div', { class: 'print-columns' },
      h('div', {},
        areaSection({ id: 'print-allergies', title: v.t('summary.allergies'), area: 'allergies', items: s.allergies, access, v, level: 'h2', content: () => rowList(s.allergies, v) }),
        areaSection({ id: 'print-infections', title: v.t('summary.infections'), area: 'infections', items: s.infections, access, v, level: 'h2', content: () => rowList(s.infections, v) }),
        areaSection({ id: 'print-problems', title: v.t('summary.problems'), area: 'problems', items: s.problems, access, v, level: 'h2', content: () => rowList(s.problems, v) }),
        areaSection({ id: 'print-suspected', title: v.t('summary.suspected'), area: 'problems', items: s.suspected, access, v, level: 'h2', content: () => rowList(s.suspected, v) }),
        areaSection({ id: 'print-encounters', title: v.t('summary.encounters'), area: 'encounters', items: s.encounters, access, v, level: 'h2', content: () => rowList(s.encounters, v) }),
        areaSection({ id: 'print-diet', title: v.t('summary.diet'), area: 'encounters', items: s.diet, access, v, level: 'h2', content: () => rowList(s.diet, v) }),
      ),
      h('div', {},
        areaSection({ id: 'print-medicines', title: v.t('summary.medicines'), area: 'medications', items: s.medicines, access, v, level: 'h2', content: () => medicineTable(s.medicines, v) }),
        areaSection({ id: 'print-labs', title: v.t('summary.labs'), area: 'labs', items: s.labs, access, v, level: 'h2', content: () => labTable(s.labs, v) }),
      ),
    ),
    h('footer', { class: 'print-foot' }, v.t('print.footer')),
  );
}
