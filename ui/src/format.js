// Choosing what to show from a screen model's values: which of a Day's ready-made forms, which
// language of a bilingual label. Nothing is computed here: the desk sends every date in Western and
// era form (docs/app.md "Day"), and the UI only picks and joins them.

import { t } from './i18n.js';

/**
 * A date in both forms: "2026-11-13（R8.11.13）", with the time when there is one
 * ("2026-11-13 11:48（R8.11.13）") unless `time: false` (dense tables). English uses ASCII brackets. A missing Day says so rather than
 * showing nothing, because "no date" must not read as "today".
 */
export function formatDay(day, lang, { time = true } = {}) {
  if (!day || !day.iso) return t(lang, 'date.unknown');
  const western = day.time && time ? `${day.iso} ${day.time}` : day.iso;
  return bracket(western, day.short, lang);
}

/**
 * A date of birth in every form it is confirmed in: "1970-03-12（昭和45年3月12日・S45.3.12）". The
 * long era form is how a patient says it, the short one how staff type it into the search (manual
 * step 4); English keeps the short era form without Japanese words.
 */
export function formatBirthDate(day, lang) {
  if (!day || !day.iso) return t(lang, 'date.unknown');
  if (lang !== 'ja') return bracket(day.iso, day.short, lang);
  const eras = [day.era, day.short].filter(Boolean).join('・');
  return bracket(day.iso, eras, lang);
}

function bracket(western, era, lang) {
  if (!era) return western;
  return lang === 'ja' ? `${western}（${era}）` : `${western} (${era})`;
}

/** A bilingual label `{ key, ja, en }` in `lang`, falling back to Japanese, then to the key. */
export function label(value, lang) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return value[lang] || value.ja || value.key || '';
}

/** "石巻みなと総合病院（0410610011）": a facility with its code, so two similar names cannot be confused. */
export function formatFacility(facility, lang) {
  if (!facility) return '';
  const { name, code } = facility;
  if (name && code) return bracket(name, code, lang);
  return name || code || '';
}

/** The facility's name alone, for dense tables where the code would crowd the row. */
export function facilityName(facility) {
  return facility?.name || facility?.code || '';
}

/** "訓練 太郎（医師・DMAT-01）" */
export function formatViewer(viewer, lang) {
  if (!viewer) return '';
  const parts = [label(viewer.profession, lang), viewer.team].filter(Boolean);
  const sep = lang === 'ja' ? '・' : ', ';
  return parts.length > 0 ? bracket(viewer.name, parts.join(sep), lang) : viewer.name;
}

/** "（1日前）" / " (1 day ago)": how old data is, to put after its date. Empty when unknown. */
export function formatDaysAgo(days, lang) {
  if (typeof days !== 'number') return '';
  if (lang === 'ja') return `（${t(lang, 'dataAge.days', { days })}）`;
  return ` (${t(lang, days === 1 ? 'dataAge.day' : 'dataAge.days', { days })})`;
}
