// A problem's outcome on screen: the rows come from `problem-rows.json`, which the desk's own test
// writes from the real rule (`ProblemEntry::standing`) and the real row builder, so this checks the
// contract from what the Rust side produces, not from a hand-written copy.

import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';
import { MESSAGES, t } from '../src/i18n.js';
import { rowItem } from '../src/rows.js';

const view = (lang) => ({ lang, t: (key, params) => t(lang, key, params) });
const rows = fixture('problem-rows');
const byName = (name) => rows.find((r) => r.text === name);
const text = (el) => el?.textContent ?? '';

describe('problem rows', () => {
  it('show the outcome code and text exactly as written, with the outcome date', () => {
    const li = rowItem(byName('胃炎'), view('ja'));
    const outcome = li.querySelector('.row-outcome');
    expect(outcome.dataset.standing).toBe('persists');
    expect(text(outcome)).toContain('転帰: 回復せず (N)');
    expect(text(outcome)).toContain('転帰日: 2011-09-15（H23.9.15）');
    expect(text(outcome)).toContain('継続中');
  });

  it('show both code and text when they disagree, marked as conflicting', () => {
    for (const lang of ['ja', 'en']) {
      const li = rowItem(byName('骨折'), view(lang));
      const outcome = li.querySelector('.row-outcome');
      expect(outcome.classList.contains('standing-conflicting')).toBe(true);
      expect(text(outcome)).toContain('回復せず (F)');
      expect(text(outcome.querySelector('.standing-mark'))).toBe(MESSAGES[lang]['standing.conflicting']);
    }
  });

  it('say that a recovered, died or resolved problem has ended', () => {
    expect(text(rowItem(byName('肺炎'), view('ja')).querySelector('.standing-mark'))).toBe('終了（治癒）');
    expect(text(rowItem(byName('脳梗塞'), view('en')).querySelector('.row-outcome'))).toContain('(D)');
    expect(text(rowItem(byName('感冒'), view('en')).querySelector('.standing-mark'))).toBe('ended (outcome date passed)');
  });

  it('add nothing to an open problem with neither outcome nor date', () => {
    expect(rowItem(byName('高血圧症'), view('ja')).querySelector('.row-outcome')).toBeNull();
  });

  it('have words in both languages for every standing the desk sends', () => {
    const standings = ['persists', 'conflicting', 'unrecognised', 'open', 'resolves_later', 'recovered', 'died',
      'resolved', 'deleted'];
    for (const r of rows) expect(standings).toContain(r.problem.standing);
    for (const lang of ['ja', 'en']) {
      for (const s of standings) expect(MESSAGES[lang], `${lang} ${s}`).toHaveProperty(`standing.${s}`);
    }
  });
});

// A culture's rows from `lab-rows.json` (written by the desk's `lab_rows` over results sharing an
// OBX-4 sub-ID): a quantity names the organism it belongs to, in the table and in a list.
describe('bacteriology rows', () => {
  const lab = fixture('lab-rows');
  it('a quantity says which organism it belongs to, in both languages', async () => {
    const { labTable } = await import('../src/rows.js');
    const quantity = lab.find((r) => r.value === '(+)');
    expect(quantity.belongsTo).toBe('培養同定 E.Coli');
    expect(text(rowItem(quantity, view('ja')).querySelector('.row-belongs'))).toBe('対応する結果: 培養同定 E.Coli');
    expect(text(rowItem(quantity, view('en')).querySelector('.row-belongs'))).toBe('Belongs to: 培養同定 E.Coli');
    const table = labTable(lab, view('ja'));
    const belongs = [...table.querySelectorAll('tbody tr')].map((tr) => text(tr.querySelector('.row-belongs')));
    expect(belongs).toEqual(lab.map((r) => (r.belongsTo ? `対応する結果: ${r.belongsTo}` : '')));
  });
});
