import { describe, expect, it } from 'vitest';
import { formatBirthDate, formatDay, formatDaysAgo, formatFacility, formatViewer, label } from '../src/format.js';

const day = { iso: '2026-11-13', era: '令和8年11月13日', short: 'R8.11.13', time: null };
const dob = { iso: '1970-03-12', era: '昭和45年3月12日', short: 'S45.3.12', time: null };

describe('dates', () => {
  it('a date shows the Western and the short era form', () => {
    expect(formatDay(day, 'ja')).toBe('2026-11-13（R8.11.13）');
    expect(formatDay(day, 'en')).toBe('2026-11-13 (R8.11.13)');
  });

  it('a date with a time keeps the time beside the Western form', () => {
    expect(formatDay({ ...day, time: '11:48' }, 'ja')).toBe('2026-11-13 11:48（R8.11.13）');
  });

  it('a birth date shows both era forms in Japanese and the short one in English', () => {
    expect(formatBirthDate(dob, 'ja')).toBe('1970-03-12（昭和45年3月12日・S45.3.12）');
    expect(formatBirthDate(dob, 'en')).toBe('1970-03-12 (S45.3.12)');
  });

  it('a missing date says it is unknown instead of showing nothing', () => {
    expect(formatDay(null, 'ja')).toBe('日付不明');
    expect(formatDay(undefined, 'en')).toBe('date unknown');
    expect(formatBirthDate({}, 'en')).toBe('date unknown');
    expect(formatBirthDate({ iso: '1860-01-01', era: null, short: null }, 'ja')).toBe('1860-01-01');
  });
});

describe('labels', () => {
  it('a bilingual label picks the language, then Japanese, then the key', () => {
    const p = { key: 'doctor', ja: '医師', en: 'Doctor' };
    expect(label(p, 'en')).toBe('Doctor');
    expect(label(p, 'ja')).toBe('医師');
    expect(label({ key: 'x', ja: '事務' }, 'en')).toBe('事務');
    expect(label({ key: 'x' }, 'en')).toBe('x');
    expect(label('plain', 'en')).toBe('plain');
  });

  it('a facility shows its code beside its name', () => {
    expect(formatFacility({ code: '0410610011', name: '石巻みなと総合病院' }, 'ja')).toBe('石巻みなと総合病院（0410610011）');
    expect(formatFacility({ code: '0410610011', name: '' }, 'ja')).toBe('0410610011');
  });

  it('a viewer shows profession and team in the chosen language', () => {
    const viewer = { name: '訓練 太郎', profession: { key: 'doctor', ja: '医師', en: 'Doctor' }, team: 'DMAT-01' };
    expect(formatViewer(viewer, 'ja')).toBe('訓練 太郎（医師・DMAT-01）');
    expect(formatViewer(viewer, 'en')).toBe('訓練 太郎 (Doctor, DMAT-01)');
  });
});

describe('dense tables', () => {
  it('can leave the time out but never the era form', () => {
    expect(formatDay({ ...day, time: '11:48' }, 'ja', { time: false })).toBe('2026-11-13（R8.11.13）');
  });
});

describe('data age', () => {
  it('says how many days old, in each language, and nothing when unknown', () => {
    expect(formatDaysAgo(1, 'ja')).toBe('（1日前）');
    expect(formatDaysAgo(1, 'en')).toBe(' (1 day ago)');
    expect(formatDaysAgo(12, 'en')).toBe(' (12 days ago)');
    expect(formatDaysAgo(null, 'ja')).toBe('');
  });
});
