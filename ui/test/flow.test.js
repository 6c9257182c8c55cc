// The app as a sequence of commands: what each button sends, what an AppError does, and that lock
// and end leave no patient on screen or in storage. The answers and errors are the real desk's
// (test/fixtures, rendered by crates/desk/tests/contract.rs).

import { describe, expect, it } from 'vitest';
import { fakeApi, fixture, flush, memoryStorage, mount, tick, toSearch, toSummary, type } from './helpers.js';

const text = (el) => el?.textContent ?? '';
const errors = () => fixture('errors');
const refusals = () => fixture('refusals');
const firstCard = () => fixture('start').snapshots[0];
/** The place in a results fixture of the first patient with this consent state. */
const resultWith = (consent, results = 'results') => fixture(results).results.findIndex((r) => r.consent === consent);
/** The app over a desk whose search finds the drill persona who refused consent to sharing. */
const mountRefused = () => mount({ api: fakeApi({ search: () => fixture('results-refused') }) });

function reject(error) {
  return async () => {
    throw error;
  };
}

function noPatientOnScreen() {
  const all = document.body.textContent;
  // (The search help's example date 1970-03-12 is no patient's; a shown birth date has its era form.)
  const patients = [...fixture('results').results, fixture('record-documents').patient];
  const shown = patients.flatMap((p) => [p.nameKanji, p.nameKana, p.patientId]).filter(Boolean);
  for (const words of ['山田', 'ヤマダ', 'ワーファリン', 'ペニシリン', '1970-03-12（', ...shown]) {
    expect(all, words).not.toContain(words);
  }
  for (const selector of ['.result', '#critical-banner', '.patient-header', '#print-page', '.overlay', '#summary-medicines']) {
    expect(document.querySelector(selector), selector).toBeNull();
  }
}

describe('unlock', () => {
  it('a wrong passphrase shows its sentence with the desk’s detail and stays on step 2', async () => {
    const m = mount();
    m.api.unlock.mockImplementation(reject(errors()['wrong-passphrase']));
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    type(m.$('#passphrase'), 'not-the-passphrase');
    m.$('#unlock-passphrase').click();
    await flush();
    expect(m.api.unlock).toHaveBeenCalledWith({
      path: firstCard().path,
      method: 'passphrase',
      passphrase: 'not-the-passphrase',
      breakGlass: undefined,
    });
    expect(text(m.$('#error .error-sentence'))).toBe('パスフレーズが違います。もう一度入力してください。');
    expect(text(m.$('#error .error-detail'))).toBe(errors()['wrong-passphrase'].message);
    expect(m.$('#error').dataset.kind).toBe('wrong-passphrase');
    expect(text(m.$('#step-number'))).toBe('2. 解錠');
  });

  it('the desk’s English detail is folded under 技術的な詳細; the sentence and data-kind stay in view', async () => {
    const m = mount();
    m.api.unlock.mockImplementation(reject(errors().expired));
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    m.$('#unlock-device-key').click();
    await flush();
    const box = m.$('#error');
    expect(box.dataset.kind).toBe('expired');
    const sentence = box.querySelector('.error-sentence');
    expect(text(sentence)).toBe('期限切れのスナップショットです。ブレークグラス（理由を入力）でのみ開けます。');
    expect(sentence.closest('details')).toBeNull();
    const folded = box.querySelector('details.tech-detail');
    expect(folded.open).toBe(false);
    expect(text(folded.querySelector('summary'))).toBe('技術的な詳細');
    expect(folded.querySelector('.error-detail')).not.toBeNull();
    expect(text(folded.querySelector('.error-detail'))).toBe(errors().expired.message);
    // Nothing of the English detail is outside the fold.
    expect([...box.children].filter((c) => c.tagName !== 'DETAILS').map(text).join(' ')).not.toContain('expired at');
    m.$('#lang-toggle').click();
    expect(text(m.$('#error details.tech-detail summary'))).toBe('Technical detail');
    expect(text(m.$('#error .error-sentence'))).toContain('This snapshot has expired.');
  });

  it('an error without the desk’s detail has no fold', async () => {
    const m = mount();
    m.api.unlock.mockImplementation(reject({ kind: 'wrong-passphrase' }));
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    m.$('#unlock-passphrase').click();
    await flush();
    expect(m.$('#error').dataset.kind).toBe('wrong-passphrase');
    expect(m.$('#error .tech-detail')).toBeNull();
  });

  it('an expired answer offers break-glass, which unlocks with the typed reason', async () => {
    const m = mount();
    m.api.unlock.mockImplementationOnce(reject(errors().expired));
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    expect(m.$('#break-glass-reason')).toBeNull();
    m.$('#unlock-device-key').click();
    await flush();
    expect(text(m.$('#error'))).toContain('期限切れのスナップショットです');
    type(m.$('#break-glass-reason'), '期限切れだが搬送に必要');
    m.$('#unlock-break-glass').click();
    await flush();
    expect(m.api.unlock).toHaveBeenLastCalledWith({
      path: firstCard().path,
      method: 'device-key',
      passphrase: undefined,
      breakGlass: '期限切れだが搬送に必要',
    });
    expect(m.$('#viewer-name')).not.toBeNull();
    expect(m.$('#error .error-sentence')).toBeNull();
  });

  it('break-glass on a card without this laptop’s key uses the passphrase', async () => {
    const m = mount();
    const start = fixture('start');
    const expired = start.snapshots.find((c) => c.validity.state === 'expired');
    expired.deviceKey = false;
    m.api.start.mockImplementation(async () => start);
    await m.app.actions.start();
    m.$('.snapshot-card[data-state="expired"] .open-snapshot').click();
    type(m.$('#passphrase'), 'drill-passphrase');
    type(m.$('#break-glass-reason'), '期限切れだが搬送に必要');
    m.$('#break-glass-reason').closest('form').dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    expect(m.api.unlock).toHaveBeenCalledWith({
      path: expired.path,
      method: 'passphrase',
      passphrase: 'drill-passphrase',
      breakGlass: '期限切れだが搬送に必要',
    });
  });

  it('tells the desk the language once unlocked', async () => {
    const m = mount({ storage: memoryStorage({ 'fieldchart.lang': 'en' }) });
    await m.app.actions.start();
    expect(text(m.$('#step-number'))).toBe('1. Start');
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    expect(m.api.setLanguage).toHaveBeenCalledWith({ lang: 'en' });
  });
});

describe('declare and search', () => {
  it('sends the declaration, with the auth code only for a profession that needs one', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    type(m.$('#viewer-name'), '訓練 花子');
    const select = m.$('#viewer-profession');
    select.value = 'clerk';
    select.dispatchEvent(new Event('change'));
    type(m.$('#viewer-team'), '本部受付');
    type(m.$('#viewer-auth-code'), 'HUB-1234');
    m.$('.declare-form').dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    expect(m.api.declare).toHaveBeenCalledWith({
      name: '訓練 花子', profession: 'clerk', team: '本部受付', event: fixture('declare').defaultEvent, authCode: 'HUB-1234',
    });
    expect(m.$('#search-query')).not.toBeNull();
  });

  it('a doctor’s declaration carries no auth code even if one was typed for another profession', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    const select = m.$('#viewer-profession');
    select.value = 'clerk';
    select.dispatchEvent(new Event('change'));
    type(m.$('#viewer-auth-code'), 'HUB-1234');
    select.value = 'doctor';
    select.dispatchEvent(new Event('change'));
    await m.app.actions.declare();
    expect(m.api.declare.mock.calls[0][0].authCode).toBeUndefined();
  });

  it('Enter in the search box searches with the optional fields it was given', async () => {
    const m = mount();
    await toSearch(m);
    type(m.$('#search-query'), 'yamada hanako');
    m.$('#search-sex').value = 'female';
    m.$('.search-form').dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    expect(m.api.search).toHaveBeenCalledWith({ query: 'yamada hanako', dob: undefined, sex: 'female', address: undefined });
    expect(m.$$('.result')).toHaveLength(fixture('results').results.length);
    expect(m.$('#search-query').value).toBe('yamada hanako');
  });

  it('opens with the two confirmed identifiers and the facility code', async () => {
    const m = mount();
    await toSummary(m, 0);
    expect(m.api.openRecord).toHaveBeenCalledWith({
      facility: '0410610011', patientId: '0010000000', confirmed: ['name', 'dob'], basis: undefined,
    });
    expect(m.$('#critical-banner')).not.toBeNull();
  });

  it('unknown consent: the needs-basis answer asks for the basis and opening sends it', async () => {
    const m = mount();
    m.api.openRecord.mockImplementationOnce(reject(errors()['needs-basis']));
    const index = resultWith('unknown');
    const unknown = fixture('results').results[index];
    await toSummary(m, index);
    const result = m.$$('.result')[index];
    expect(result.querySelector('#basis-vital-interest')).not.toBeNull();
    expect(result.querySelector('#basis-verbal-consent')).not.toBeNull();
    expect(document.activeElement.id).toBe('basis-vital-interest');
    expect(m.$$('#basis-vital-interest')).toHaveLength(1);
    m.$('#basis-verbal-consent').click();
    await flush();
    expect(m.api.openRecord).toHaveBeenLastCalledWith({
      facility: unknown.facility.code, patientId: unknown.patientId, confirmed: ['name', 'dob'], basis: 'verbal-consent',
    });
    expect(m.$('#critical-banner')).not.toBeNull();
  });

  it('refused consent: break-glass asks for a reason, records it, then opens under a red banner', async () => {
    const m = mountRefused();
    m.api.openRecord.mockImplementationOnce(reject(refusals()['consent-refused']));
    m.api.openRecord.mockImplementationOnce(async () => {
      const record = fixture('record-doctor');
      record.banner.breakGlass = '意識がなく緊急に必要';
      return record;
    });
    const refused = fixture('results-refused').results[resultWith('refused', 'results-refused')];
    await toSummary(m, resultWith('refused', 'results-refused'));
    expect(text(m.$('#error'))).toContain('本人が同意を拒否しています');
    expect(m.$('#break-glass-input')).toBeNull();
    m.$('#break-glass-open').click();
    expect(document.activeElement.id).toBe('break-glass-input');
    type(m.$('#break-glass-input'), '意識がなく緊急に必要');
    m.$('#break-glass-confirm').click();
    await flush();
    expect(m.api.breakGlass).toHaveBeenCalledWith({ reason: '意識がなく緊急に必要' });
    expect(m.api.openRecord).toHaveBeenCalledTimes(2);
    expect(m.api.openRecord.mock.calls[1][0]).toMatchObject({ facility: refused.facility.code, patientId: refused.patientId, confirmed: ['name', 'dob'] });
    expect(text(m.$('#break-glass-banner'))).toContain('意識がなく緊急に必要');
    expect(m.$('#critical-banner')).not.toBeNull();
  });

  it('needs-confirmation from the desk is shown as its sentence', async () => {
    const m = mount();
    m.api.openRecord.mockImplementation(reject({ kind: 'needs-confirmation', message: 'fewer than two identifiers confirmed' }));
    await toSummary(m);
    expect(text(m.$('#error .error-sentence'))).toBe('名前と生年月日の2つで本人確認をしてから開いてください。');
    expect(m.$$('.result')).toHaveLength(fixture('results').results.length);
  });
});

describe('the break-glass banner', () => {
  it('shows the reason on every screen after it is given', async () => {
    const m = mountRefused();
    m.api.openRecord.mockImplementationOnce(reject(refusals()['consent-refused']));
    m.api.openRecord.mockImplementation(async () => {
      const r = fixture('record-doctor');
      r.banner.breakGlass = '意識がなく緊急に必要';
      return r;
    });
    await toSummary(m, resultWith('refused', 'results-refused'));
    m.$('#break-glass-open').click();
    type(m.$('#break-glass-input'), '意識がなく緊急に必要');
    m.$('#break-glass-confirm').click();
    await flush();
    for (const go of ['#go-details', '#go-print']) {
      m.$(go).click();
      await flush();
      expect(text(m.$('#break-glass-banner')), go).toContain('意識がなく緊急に必要');
    }
    expect(text(m.$('#print-page'))).toContain('意識がなく緊急に必要');
  });
});

describe('print', () => {
  it('asks the desk to print (which audits) before opening the print dialog, and prints what it returned', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    expect(m.print).not.toHaveBeenCalled();
    m.$('#print-button').click();
    await flush();
    expect(m.api.printSummary).toHaveBeenCalledTimes(1);
    expect(m.print).toHaveBeenCalledTimes(1);
    expect(m.api.printSummary.mock.invocationCallOrder[0]).toBeLessThan(m.print.mock.invocationCallOrder[0]);
    expect(text(m.$('#print-page'))).toContain('印刷: 2026-11-24 10:15（R8.11.24）');
  });

  it('does not open the print dialog when the desk refuses (nothing printed unaudited)', async () => {
    const m = mount();
    m.api.printSummary.mockImplementation(reject({ kind: 'audit', message: 'the audit log cannot be written' }));
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    m.$('#print-button').click();
    await flush();
    expect(m.print).not.toHaveBeenCalled();
    expect(text(m.$('#error'))).toContain('監査ログ');
  });

  it('closing the preview returns to the summary', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    m.$('#print-close').click();
    expect(m.$('#critical-banner')).not.toBeNull();
    expect(m.$('#print-preview')).toBeNull();
  });

  it('closing a preview opened from the details goes back to the details, on the same tab', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    m.$('#tab-labs').click();
    m.$('#go-print').click();
    await flush();
    expect(text(m.$('#step-number'))).toBe('7. 印刷');
    m.$('#print-close').click();
    expect(m.$('#print-preview')).toBeNull();
    expect(text(m.$('#step-number'))).toBe('6. 詳細');
    expect(m.$('#tab-labs').getAttribute('aria-selected')).toBe('true');
    expect(m.$('#panel-labs')).not.toBeNull();
    expect(document.activeElement.id).toBe('tab-labs');
    // From the summary again, it goes back to the summary.
    m.$('#back-summary').click();
    m.$('#go-print').click();
    await flush();
    m.$('#print-close').click();
    expect(text(m.$('#step-number'))).toBe('5. まず要約');
    expect(m.$('#critical-banner')).not.toBeNull();
  });

  it('a preview opened from the details, then locked, does not send the next record’s preview to the details', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    m.$('#go-print').click();
    await flush();
    await m.app.actions.lock();
    await m.app.actions.resume();
    type(m.$('#search-query'), 'やまだ');
    await m.app.actions.search();
    const result = m.$$('.result')[1];
    tick(result.querySelector('.confirm-name'));
    tick(result.querySelector('.confirm-dob'));
    result.querySelector('.open-record').click();
    await flush();
    m.$('#go-print').click();
    await flush();
    m.$('#print-close').click();
    expect(text(m.$('#step-number'))).toBe('5. まず要約');
  });

  it('the preview opens with focus on Close, not Print, so a stray Enter prints nothing', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    expect(document.activeElement.id).toBe('print-close');
    expect(document.activeElement).not.toBe(m.$('#print-button'));
    // Enter on the focused button is a click on it: it closes, it does not print.
    document.activeElement.click();
    expect(m.api.printSummary).not.toHaveBeenCalled();
    expect(m.print).not.toHaveBeenCalled();
    expect(m.$('#print-preview')).toBeNull();
  });
});

describe('a device key protected by a PIN', () => {
  it('the start screen says so; unlocking sends the typed PIN, and a wrong one is its own sentence', async () => {
    const m = mount();
    m.api.start.mockImplementation(async () => fixture('start-pin'));
    m.api.unlock.mockImplementation(reject(errors()['wrong-pin']));
    await m.app.actions.start();
    expect(text(m.$('.device-key-line'))).toBe('この端末の鍵：あり（PINで保護）');
    m.$('.open-snapshot').click();
    await flush();
    type(m.$('#device-key-pin'), 'not the pin');
    m.$('#unlock-device-key').click();
    await flush();
    expect(m.api.unlock).toHaveBeenCalledWith({
      path: fixture('start-pin').snapshots[0].path,
      method: 'device-key',
      passphrase: undefined,
      pin: 'not the pin',
      breakGlass: undefined,
    });
    expect(m.$('#error').dataset.kind).toBe('wrong-pin');
    expect(text(m.$('#error .error-sentence'))).toBe('PINが違うか、入力されていません。この端末の鍵のPINを入力してください。');
    expect(text(m.$('#step-number'))).toBe('2. 解錠');
  });

  it('a key without a PIN shows no PIN field', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await flush();
    expect(m.$('#device-key-pin')).toBeNull();
  });

  it('resuming after a PIN unlock asks for the PIN, not the passphrase', async () => {
    const m = mount();
    m.api.lock.mockImplementation(async () => fixture('lock-pin'));
    await toSearch(m);
    m.$('#lock-button').click();
    await flush();
    expect(m.$('#resume-passphrase')).toBeNull();
    type(m.$('#resume-pin'), 'drill pin 2026');
    m.$('#resume').click();
    await flush();
    expect(m.api.resume).toHaveBeenCalledWith({ passphrase: undefined, pin: 'drill pin 2026' });
    expect(m.$('#search-query')).not.toBeNull();
  });
});

describe('lock, resume and end', () => {
  it('lock clears every patient element and resume goes back to the search with the passphrase', async () => {
    const m = mount();
    const documents = fixture('record-documents');
    m.api.openRecord.mockImplementation(async () => documents);
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    m.$('#tab-documents').click();
    await flush();
    m.$('.thumb').click();
    await flush();
    const made = [...globalThis.__blobUrls.made];
    m.$('#lock-button').click();
    await flush();
    expect(m.api.lock).toHaveBeenCalledTimes(1);
    noPatientOnScreen();
    expect(made.every((url) => globalThis.__blobUrls.revoked.has(url))).toBe(true);
    expect(m.app.state.record).toBeNull();
    expect(m.app.state.results).toBeNull();
    expect(m.$('#lock-button')).toBeNull();
    expect(m.$('#data-age')).not.toBeNull();
    type(m.$('#resume-passphrase'), 'drill-passphrase');
    m.$('#resume').click();
    await flush();
    expect(m.api.resume).toHaveBeenCalledWith({ passphrase: 'drill-passphrase' });
    expect(m.$('#search-query')).not.toBeNull();
    expect(m.app.state.banner.viewer.name).toBe('訓練 太郎');
    expect(document.activeElement.id).toBe('search-query');
  });

  it('a locked answer to any command shows the lock screen without calling lock', async () => {
    const m = mount();
    m.api.openRecord.mockImplementation(reject(errors().locked));
    await toSummary(m);
    expect(m.$('#lock-screen')).not.toBeNull();
    expect(m.api.lock).not.toHaveBeenCalled();
    expect(text(m.$('#error .error-sentence'))).toBe('ロックされました。再開してください。');
    noPatientOnScreen();
  });

  it('the lock screen hides the patient even when the lock command fails', async () => {
    const m = mount();
    m.api.lock.mockImplementation(reject({ kind: 'state', message: 'lock out of order' }));
    await toSummary(m);
    m.$('#lock-button').click();
    await flush();
    expect(m.$('#lock-screen')).not.toBeNull();
    noPatientOnScreen();
  });

  it('end clears the patient and the session, and keeps nothing but the language in storage', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#lang-toggle').click();
    m.$('#end-button').click();
    await flush();
    expect(m.api.end).toHaveBeenCalledTimes(1);
    noPatientOnScreen();
    expect(m.$('#end-screen')).not.toBeNull();
    expect(m.$('#lock-button')).toBeNull();
    expect(m.$('#end-button')).toBeNull();
    expect(m.$('#data-age')).toBeNull();
    expect([...m.storage.data.keys()]).toEqual(['fieldchart.lang']);
    m.$('#restart').click();
    await flush();
    expect(m.api.start).toHaveBeenCalledTimes(2);
    expect(m.$$('.snapshot-card')).toHaveLength(fixture('start').snapshots.length);
  });

  it('closing the record tells the desk and goes back to an empty search', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#close-record').click();
    await flush();
    expect(m.api.closeRecord).toHaveBeenCalledTimes(1);
    noPatientOnScreen();
    expect(document.activeElement.id).toBe('search-query');
  });
});

describe('language', () => {
  it('the toggle switches every word, keeps typed input, and tells the desk', async () => {
    const m = mount();
    await toSearch(m);
    type(m.$('#search-query'), 'やまだ S45 女');
    m.$('#lang-toggle').click();
    expect(text(m.$('#step-number'))).toBe('4. Find the patient');
    expect(text(m.$('#search-button'))).toBe('Search');
    expect(m.$('#search-query').value).toBe('やまだ S45 女');
    expect(document.documentElement.lang).toBe('en');
    expect(m.api.setLanguage).toHaveBeenLastCalledWith({ lang: 'en' });
    expect(m.storage.getItem('fieldchart.lang')).toBe('en');
    expect(document.activeElement.id).toBe('lang-toggle');
  });

  it('the error on screen is re-said in the new language', async () => {
    const m = mount();
    m.api.search.mockImplementation(reject({ kind: 'bad-input', message: 'the query is empty' }));
    await toSearch(m);
    await m.app.actions.search();
    expect(text(m.$('#error .error-sentence'))).toBe('入力を確かめてください。');
    m.$('#lang-toggle').click();
    expect(text(m.$('#error .error-sentence'))).toBe('Check what you typed.');
    expect(text(m.$('#error .error-detail'))).toBe('the query is empty');
  });

  it('before unlock the toggle does not call the desk', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('#lang-toggle').click();
    expect(m.api.setLanguage).not.toHaveBeenCalled();
    expect(text(m.$('.snapshot-card .validity-words'))).toBe(`Valid (${firstCard().validity.daysLeft} days left)`);
  });
});

describe('busy', () => {
  it('a second click while a command is under way sends nothing', async () => {
    const m = mount();
    let release;
    m.api.search.mockImplementation(() => new Promise((resolve) => { release = () => resolve(fixture('results')); }));
    await toSearch(m);
    m.$('#search-button').click();
    m.$('#search-button').click();
    expect(m.root.getAttribute('aria-busy')).toBe('true');
    release();
    await flush();
    expect(m.api.search).toHaveBeenCalledTimes(1);
    expect(m.root.getAttribute('aria-busy')).toBe('false');
    tick(m.$('.confirm-name'));
    expect(m.$$('.result')).toHaveLength(fixture('results').results.length);
  });
});

describe('answers in either shape', () => {
  it('resume may answer with a SearchScreen (as the desk does) or a bare Banner (as docs/app.md says)', async () => {
    for (const answer of [fixture('search'), fixture('search').banner]) {
      const m = mount();
      answer.banner ? (answer.banner.dataAge.days = 3) : (answer.dataAge.days = 3);
      m.api.resume.mockImplementation(async () => answer);
      await toSummary(m);
      m.$('#lock-button').click();
      await flush();
      m.$('#resume').click();
      await flush();
      expect(m.$('#search-query')).not.toBeNull();
      expect(text(m.$('#data-age'))).toContain('3日前');
      expect(m.app.state.banner.step).toBeUndefined();
    }
  });
});

describe('a new search', () => {
  it('takes the previous results off the screen while it runs', async () => {
    const m = mount();
    await toSearch(m);
    await m.app.actions.search();
    expect(m.$$('.result')).toHaveLength(fixture('results').results.length);
    tick(m.$('.confirm-name'));
    let release;
    m.api.search.mockImplementation(() => new Promise((resolve) => { release = () => resolve(fixture('results')); }));
    m.$('#search-button').click();
    expect(m.$$('.result')).toHaveLength(0);
    release();
    await flush();
    expect(m.$$('.result')).toHaveLength(fixture('results').results.length);
    expect(m.$('.confirm-name').checked).toBe(false);
  });
});
