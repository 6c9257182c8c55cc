// Each screen rendered from a fixture (test/fixtures, rendered by the real desk over the testbed:
// crates/desk/tests/contract.rs): the element ids the end-to-end test uses exist, and what the
// manual promises is on screen. Expected words are read from the fixture, not typed again here.

import { describe, expect, it } from 'vitest';
import { formatBirthDate, formatDay } from '../src/format.js';
import { fakeApi, fixture, flush, mount, tick, toSearch, toSummary, type } from './helpers.js';

const text = (el) => el?.textContent ?? '';
const start = () => fixture('start');
const byState = (state) => start().snapshots.find((c) => c.validity.state === state);

describe('step 1, start', () => {
  it('shows one card per snapshot with its path, facilities and data as of in both forms', async () => {
    const m = mount();
    await m.app.actions.start();
    const cards = m.$$('.snapshot-card');
    expect(cards.map((c) => c.dataset.path)).toEqual(start().snapshots.map((c) => c.path));
    expect(cards.every((c) => c.querySelector('.open-snapshot'))).toBe(true);
    const facilities = cards[0].querySelectorAll('.facility');
    const sent = start().snapshots[0].facilities;
    expect(facilities).toHaveLength(sent.length);
    expect(text(facilities[0])).toContain(`${sent[0].name}（${sent[0].code}）`);
    expect(text(facilities[0])).toContain(formatDay(sent[0].dataAsOf, 'ja'));
    expect(text(m.$('#step-number'))).toBe('1. 開始');
  });

  it('says the validity in words and marks an expired card red, opening only by break-glass', async () => {
    const m = mount();
    await m.app.actions.start();
    const card = (state) => m.$(`.snapshot-card[data-state="${state}"]`);
    const [valid, expired] = [card('valid'), card('expired')];
    expect(text(valid.querySelector('.validity-words'))).toBe(`有効（あと${byState('valid').validity.daysLeft}日）`);
    expect(valid.classList.contains('tone-ok')).toBe(true);
    expect(text(expired.querySelector('.validity-words'))).toBe('期限切れ');
    expect(expired.classList.contains('tone-bad')).toBe(true);
    expect(expired.classList.contains('expired')).toBe(true);
    expect(text(expired.querySelector('.open-snapshot'))).toContain('ブレークグラス');
    expect(text(expired)).toContain(byState('expired').validity.message);
  });

  it('an older snapshot of the same hub is marked superseded, below the newer one, and not the primary choice', async () => {
    const m = mount();
    await m.app.actions.start();
    const cards = m.$$('.snapshot-card');
    const states = cards.map((c) => c.dataset.state);
    expect(states.indexOf('superseded')).toBeGreaterThan(states.indexOf('valid'));
    const older = m.$('.snapshot-card[data-state="superseded"]');
    expect(older.classList.contains('tone-warn')).toBe(true);
    expect(older.classList.contains('superseded')).toBe(true);
    expect(text(older.querySelector('.validity-words'))).toContain('古い版');
    expect(text(older.querySelector('.tech-detail'))).toContain(byState('superseded').validity.message);
    const button = older.querySelector('.open-snapshot');
    expect(button.classList.contains('primary')).toBe(false);
    expect(text(button)).toBe('古い版を開く');
    expect(m.$('.snapshot-card[data-state="valid"] .open-snapshot').classList.contains('primary')).toBe(true);
    m.$('#lang-toggle').click();
    expect(text(m.$('.snapshot-card[data-state="superseded"] .validity-words'))).toContain('Older');
  });

  it('shows the drill band and each drill card’s mark', async () => {
    const m = mount();
    await m.app.actions.start();
    expect(text(m.$('#drill-banner'))).toContain('訓練 / DRILL');
    expect(m.$$('.snapshot-card .drill-mark')).toHaveLength(start().snapshots.length);
  });

  it('shows no drill band when no snapshot is a drill', async () => {
    const start = fixture('start');
    for (const s of start.snapshots) s.drill = false;
    const m = mount();
    m.api.start.mockImplementation(async () => start);
    await m.app.actions.start();
    expect(m.$('#drill-banner')).toBeNull();
    expect(m.$('.drill-mark')).toBeNull();
  });

  it('before unlock there is no data age, lock or end, but the language toggle and #error exist', async () => {
    const m = mount();
    await m.app.actions.start();
    expect(m.$('#data-age')).toBeNull();
    expect(m.$('#lock-button')).toBeNull();
    expect(m.$('#end-button')).toBeNull();
    expect(m.$('#lang-toggle')).not.toBeNull();
    expect(m.$('#error')).not.toBeNull();
  });

  it('folds the desk’s English reason under 技術的な詳細, keeping the words and dates in view', async () => {
    const m = mount();
    await m.app.actions.start();
    const valid = m.$('.snapshot-card[data-state="valid"]');
    const expired = m.$('.snapshot-card[data-state="expired"]');
    expect(valid.querySelector('.tech-detail')).toBeNull();
    const folded = expired.querySelector('.validity details.tech-detail');
    expect(folded).not.toBeNull();
    expect(folded.open).toBe(false);
    expect(text(folded.querySelector('summary'))).toBe('技術的な詳細');
    expect(text(folded.querySelector('p'))).toBe(byState('expired').validity.message);
    // What the user must read stays outside the fold.
    for (const cls of ['.validity-words', '.validity-dates']) {
      const line = expired.querySelector(cls);
      expect(line.closest('details'), cls).toBeNull();
    }
    expect(text(expired.querySelector('.validity-words'))).toBe('期限切れ');
    expect(text(expired.querySelector('.validity-dates'))).toContain('有効期限');
    // No line of the desk's English sits outside the fold.
    const outside = [...expired.querySelectorAll('.validity p')].filter((p) => !p.closest('details'));
    expect(outside.map(text).join(' ')).not.toContain('expired at');
    m.$('#lang-toggle').click();
    expect(text(m.$('.snapshot-card[data-state="expired"] .tech-detail summary'))).toBe('Technical detail');
  });

  it('the unlock screen of an expired snapshot folds the reason too', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.snapshot-card[data-state="expired"] .open-snapshot').click();
    const folded = m.$('main .validity details.tech-detail');
    expect(folded).not.toBeNull();
    expect(folded.open).toBe(false);
    expect(text(folded)).toContain(byState('expired').validity.message);
    expect(m.$('main .validity-words').closest('details')).toBeNull();
  });
});

describe('step 2, unlock', () => {
  it('puts this laptop’s key first and biggest, then the passphrase', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$$('.open-snapshot')[0].click();
    const controls = m.$$('main button, main input').map((el) => el.id).filter(Boolean);
    expect(controls.slice(0, 3)).toEqual(['unlock-device-key', 'passphrase', 'unlock-passphrase']);
    expect(m.$('#unlock-device-key').classList.contains('huge')).toBe(true);
    expect(document.activeElement.id).toBe('unlock-device-key');
    expect(m.$('#break-glass-reason')).toBeNull();
    expect(text(m.$('#step-number'))).toBe('2. 解錠');
  });

  it('an expired snapshot offers the break-glass reason, and a missing key disables the key button', async () => {
    const m = mount();
    const noKey = start();
    for (const c of noKey.snapshots) if (c.validity.state === 'expired') c.deviceKey = false;
    m.api.start.mockImplementation(async () => noKey);
    await m.app.actions.start();
    m.$('.snapshot-card[data-state="expired"] .open-snapshot').click();
    expect(m.$('#break-glass-reason')).not.toBeNull();
    expect(m.$('#unlock-break-glass')).not.toBeNull();
    expect(m.$('#unlock-device-key').disabled).toBe(true);
    expect(document.activeElement.id).toBe('passphrase');
    expect(m.$('#drill-banner')).not.toBeNull();
  });
});

describe('step 3, who is viewing', () => {
  it('offers the desk’s professions by key and asks a clerk for the authorisation code', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    const select = m.$('#viewer-profession');
    expect([...select.options].map((o) => o.value)).toEqual(['', ...fixture('declare').professions.map((p) => p.key)]);
    expect(select.options[1].textContent).toBe('医師');
    const authField = m.$('#viewer-auth-code').closest('.field');
    expect(authField.hidden).toBe(true);
    select.value = 'clerk';
    select.dispatchEvent(new Event('change'));
    expect(authField.hidden).toBe(false);
    select.value = 'nurse';
    select.dispatchEvent(new Event('change'));
    expect(authField.hidden).toBe(true);
    expect(m.$('#viewer-event').value).toBe(fixture('declare').defaultEvent);
    for (const id of ['viewer-name', 'viewer-team', 'declare']) expect(m.$(`#${id}`)).not.toBeNull();
    expect(text(m.$('#step-number'))).toBe('3. 閲覧者の申告');
  });

  it('after unlock the data age and end are on screen; lock comes with the declaration', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    expect(text(m.$('#data-age'))).toContain(formatDay(fixture('declare').banner.dataAge.asOf, 'ja'));
    expect(m.$('#data-age').classList.contains('stale')).toBe(false);
    expect(m.$('#lock-button')).toBeNull();
    expect(m.$('#end-button')).not.toBeNull();
    expect(m.$('#drill-banner')).not.toBeNull();
    await m.app.actions.declare();
    expect(m.$('#lock-button')).not.toBeNull();
  });

  it('stale data gets the warning style and words', async () => {
    const declare = fixture('declare');
    declare.banner.dataAge = { ...declare.banner.dataAge, days: 12, stale: true };
    const m = mount();
    m.api.unlock.mockImplementation(async () => declare);
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    expect(m.$('#data-age').classList.contains('stale')).toBe(true);
    expect(text(m.$('#data-age'))).toContain('古いデータ（7日を超えています）');
  });
});

describe('step 4, find the patient', () => {
  it('a row names the same person at another facility, as the hub linked them', async () => {
    const m = mount();
    await toSearch(m);
    type(m.$('#search-query'), 'やまだ');
    await m.app.actions.search();
    const results = fixture('results').results;
    const i = results.findIndex((r) => (r.linked ?? []).length > 0);
    expect(i, 'the drill region links its persona across two facilities').toBeGreaterThanOrEqual(0);
    const other = results[i].linked[0];
    const row = m.$$('.result')[i];
    const li = row.querySelector('.linked-id');
    expect(li.dataset.facility).toBe(other.facility.code);
    expect(li.dataset.patient).toBe(other.patientId);
    expect(row.querySelector('.linked-heading').textContent).toBe('同一人物（本部の名寄せによる）');
    expect(li.textContent).toContain(other.patientId);
    // A row the hub linked with nobody says nothing of the kind.
    const j = results.findIndex((r) => (r.linked ?? []).length === 0);
    expect(m.$$('.result')[j].querySelector('.linked')).toBeNull();
  });

  it('a date of birth that differs across the linked facilities is a warning on the row', async () => {
    // The real desk's answer over a snapshot whose index linked two different people.
    const warned = fixture('results-link-warning');
    const m = mount();
    m.api.search.mockImplementation(async () => warned);
    await toSearch(m);
    type(m.$('#search-query'), 'やまだ');
    await m.app.actions.search();
    const i = warned.results.findIndex((r) => r.warnings.includes('dob-differs'));
    const row = m.$$('.result')[i];
    expect(row.querySelector('.linked-warning[data-warning="dob-differs"]')).not.toBeNull();
    expect(row.querySelector('.linked-differs').textContent).toContain('生年月日');
  });

  it('has the search box with date of birth, sex and address beside it', async () => {
    const m = mount();
    await toSearch(m);
    for (const id of ['search-query', 'search-dob', 'search-sex', 'search-address', 'search-button']) {
      expect(m.$(`#${id}`), id).not.toBeNull();
    }
    expect(document.activeElement.id).toBe('search-query');
    expect(text(m.$('#step-number'))).toBe('4. 患者を探す');
    expect(text(m.$('#viewer'))).toContain('訓練 太郎（医師・DMAT-01）');
  });

  it('shows what confirms identity for each result, with the birth date in both forms', async () => {
    const m = mount();
    await toSearch(m);
    await m.app.actions.search();
    const results = m.$$('.result');
    const sent = fixture('results').results;
    expect(results.map((r) => [r.dataset.facility, r.dataset.patient])).toEqual(sent.map((r) => [r.facility.code, r.patientId]));
    const first = text(results[0]);
    const r = sent[0];
    for (const words of [r.nameKanji, r.nameKana, formatBirthDate(r.dob, 'ja'), `${r.age}歳`, r.sex.ja, r.address,
      `${r.facility.name}（${r.facility.code}）`, formatDay(r.lastContact, 'ja')]) {
      expect(first).toContain(words);
    }
    expect(first).toContain('1970-03-12（昭和45年3月12日・S45.3.12）');
    const words = { consented: '同意あり', unknown: '不明', refused: '拒否' };
    expect(results.map((row) => text(row.querySelector('.consent')))).toEqual(sent.map((x) => words[x.consent]));
  });

  it('the date-of-birth placeholder reads as an example, not a typed value', async () => {
    const m = mount();
    await toSearch(m);
    expect(m.$('#search-dob').getAttribute('placeholder')).toBe('例: S45.3.12');
    expect(m.$('#search-dob').value).toBe('');
    m.$('#lang-toggle').click();
    expect(m.$('#search-dob').getAttribute('placeholder')).toBe('e.g. S45.3.12');
  });

  it('a refused row says it opens only by break-glass, an unknown one that the basis is chosen on opening', async () => {
    const m = mount({ api: fakeApi({ search: () => fixture('results-refused') }) });
    await toSearch(m);
    await m.app.actions.search();
    const rowOf = (consent) => m.$(`.result.consent-${consent}`);
    const [unknown, refused] = ['unknown', 'refused'].map(rowOf);
    expect(text(refused.querySelector('.consent'))).toBe('拒否');
    expect(text(refused.querySelector('.consent-note'))).toBe('本人が拒否：開くにはブレークグラス（理由の記録）が必要');
    expect(refused.querySelector('.consent-note').classList.contains('consent-note-refused')).toBe(true);
    expect(text(unknown.querySelector('.consent'))).toBe('不明');
    expect(text(unknown.querySelector('.consent-note'))).toBe('同意不明：開くとき法的根拠を選びます');
    m.$('#lang-toggle').click();
    expect(text(rowOf('refused').querySelector('.consent'))).toBe('Refused');
    expect(text(rowOf('refused').querySelector('.consent-note'))).toBe('Refused: opens only by break-glass, with a recorded reason');
    expect(text(rowOf('unknown').querySelector('.consent-note'))).toBe('Consent unknown: you will choose the legal basis when opening');
    // The persona who consented is another search's row.
    const c = mount();
    await toSearch(c);
    await c.app.actions.search();
    const consented = c.$('.result.consent-consented');
    expect(text(consented.querySelector('.consent'))).toBe('同意あり');
    expect(consented.querySelector('.consent-note')).toBeNull();
  });

  it('the Open button is enabled only when both name and date of birth are ticked', async () => {
    const m = mount();
    await toSearch(m);
    await m.app.actions.search();
    const result = m.$$('.result')[0];
    const open = result.querySelector('.open-record');
    expect(open.disabled).toBe(true);
    tick(result.querySelector('.confirm-name'));
    expect(open.disabled).toBe(true);
    tick(result.querySelector('.confirm-dob'));
    expect(open.disabled).toBe(false);
    tick(result.querySelector('.confirm-name'), false);
    expect(open.disabled).toBe(true);
    // Ticks on one result do not open another.
    expect(m.$$('.result')[1].querySelector('.open-record').disabled).toBe(true);
  });

  it('a result without a birth date offers the desk’s other identifiers, and any two open it', async () => {
    const results = fixture('results');
    results.results[0].dob = null;
    results.results[0].identifiers = ['name', 'address', 'patientId'];
    const m = mount();
    m.api.search.mockImplementation(async () => results);
    await toSearch(m);
    await m.app.actions.search();
    const result = m.$$('.result')[0];
    expect(result.querySelector('.confirm-dob')).toBeNull();
    expect([...result.querySelectorAll('input[type=checkbox]')].map((c) => c.className)).toEqual([
      'confirm-name', 'confirm-address', 'confirm-patient-id',
    ]);
    expect(text(result)).toContain('日付不明');
    // A result with both name and birth date still offers only those two.
    expect([...m.$$('.result')[1].querySelectorAll('input[type=checkbox]')].map((c) => c.className)).toEqual([
      'confirm-name', 'confirm-dob',
    ]);
    const open = result.querySelector('.open-record');
    tick(result.querySelector('.confirm-name'));
    expect(open.disabled).toBe(true);
    tick(result.querySelector('.confirm-patient-id'));
    expect(open.disabled).toBe(false);
    open.click();
    await flush();
    expect(m.api.openRecord.mock.calls[0][0].confirmed).toEqual(['name', 'patientId']);
  });

  it('an empty result list says nobody was found', async () => {
    const m = mount();
    m.api.search.mockImplementation(async () => ({ ...fixture('results'), results: [] }));
    await toSearch(m);
    await m.app.actions.search();
    expect(text(m.$('.results'))).toContain('見つかりませんでした');
  });

  it('a search too broad for the policy lists nobody and asks to narrow it, in both languages', async () => {
    // The desk's too-broad answer, as the real desk renders it (crates/desk/tests/contract.rs).
    const tooBroad = fixture('results-too-broad');
    const m = mount();
    m.api.search.mockImplementation(async () => tooBroad);
    await toSearch(m);
    await m.app.actions.search();
    expect(m.$$('.result')).toHaveLength(0);
    expect(text(m.$('#search-too-broad'))).toBe(
      '該当する患者が100人を超えたため、一覧は表示しません。氏名と生年月日などで絞り込んでください。',
    );
    expect(text(m.$('.results'))).not.toContain('見つかりませんでした');
    m.app.actions.toggleLanguage();
    expect(text(m.$('#search-too-broad'))).toBe(
      'More than 100 patients match, so none is listed. Narrow the search: name and date of birth, for example.',
    );
  });
});

describe('step 5, summary first', () => {
  it('puts the critical flags first, each with class, facility and date, 未告知 marked', async () => {
    const m = mount();
    await toSummary(m);
    const main = m.$('main');
    const banner = m.$('#critical-banner');
    const firstSection = main.querySelector('section[id^="summary-"]');
    expect(banner.compareDocumentPosition(firstSection) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const flags = m.$$('#critical-banner .critical-flag');
    const sent = fixture('record-doctor').critical;
    expect(flags.map((f) => f.dataset.class)).toEqual(sent.map((c) => c.class));
    const warfarin = flags[sent.findIndex((c) => c.class === 'anticoagulant')];
    expect(text(warfarin)).toContain('抗凝固薬');
    expect(text(warfarin)).toContain('ワーファリン錠1mg');
    expect(text(warfarin)).toContain('石巻みなと総合病院');
    expect(text(warfarin)).toContain(formatDay(sent.find((c) => c.class === 'anticoagulant').date, 'ja'));
    const allergy = flags[sent.findIndex((c) => c.class === 'severe-drug-allergy')];
    expect(text(allergy)).toContain('重篤な薬剤アレルギー');
    expect(flags.map(text).join(' ')).toContain('ペニシリン');
    expect(warfarin.querySelector('.undisclosed')).toBeNull();
    // The persona has no infection; one the patient was not told of carries 未告知.
    const record = fixture('record-doctor');
    record.critical.push({ ...record.critical[0], class: 'infection', ja: '感染症', en: 'Infection', what: 'HBs抗原 陽性', undisclosed: true });
    const other = mount();
    other.api.openRecord.mockImplementation(async () => record);
    await toSummary(other);
    const infection = other.$('#critical-banner .critical-flag[data-class="infection"]');
    expect(infection.querySelector('.undisclosed')).not.toBeNull();
    expect(text(m.$('#step-number'))).toBe('5. まず要約');
    expect(document.activeElement.id).toBe('critical-banner');
  });

  it('shows the standard code the hub\'s masters found under the facility\'s own text, and the masters in the technical detail', async () => {
    const record = fixture('record-doctor');
    // What the real desk made of the drill region built with the generator's drill masters.
    const sentDrug = record.summary.medicines.find((m) => m.drug.includes('ワーファリン'));
    expect(sentDrug.standards[0].system).toBe('HOT9');
    const m = mount();
    await toSummary(m);
    const row = m.$$('#summary-medicines tr.medicine').find((r) => text(r).includes('ワーファリン'));
    expect(text(row.querySelector('.drug-name'))).toBe(sentDrug.drug);
    expect(text(row.querySelector('.row-standard'))).toBe(
      `標準コード: HOT9 ${sentDrug.standards[0].code} ${sentDrug.standards[0].name}`);
    const sentLab = record.summary.labs.find((l) => l.standards.length > 0);
    const lab = m.$$('#summary-labs tr.lab').find((r) => text(r.querySelector('th')).startsWith(sentLab.text));
    expect(text(lab.querySelector('.row-standard'))).toContain(`JC10 ${sentLab.standards[0].code}`);
    const masters = m.$('#code-masters');
    expect(masters.tagName).toBe('DETAILS');
    expect(m.$$('#code-masters .master').map(text)).toEqual(record.masters.map((x) =>
      `${x.master} ・ ${x.file}${x.version ? ` （版 ${x.version}）` : ''} SHA-256 ${x.sha256.slice(0, 16)}…`));
    // A record built without masters says so, and no row carries a standard-code line.
    const plain = fixture('record-doctor');
    plain.masters = [];
    for (const x of plain.summary.medicines) x.standards = [];
    for (const x of plain.summary.labs) x.standards = [];
    const other = mount();
    other.api.openRecord.mockImplementation(async () => plain);
    await toSummary(other);
    expect(text(other.$('#code-masters .masters-none'))).toBe('標準マスターなしで作成（コードは施設が記録したまま）');
    expect(other.$$('#summary-medicines .row-standard')).toEqual([]);
  });

  it('shows a problem\'s onset beside its diagnosis date when they differ', async () => {
    const m = mount();
    await toSummary(m);
    const af = m.$$('#summary-problems .row').find((r) => text(r).includes('心房細動'));
    const sent = fixture('record-doctor').summary.problems.find((p) => p.text.includes('心房細動'));
    expect(text(af.querySelector('.row-onset'))).toContain('診断日');
    expect(text(af.querySelector('.row-onset'))).toContain(`発症: ${formatDay(sent.onset, 'ja')}`);
    const record = fixture('record-doctor');
    for (const p of record.summary.problems) if (!p.text.includes('心房細動')) p.onset = null;
    const same = mount();
    same.api.openRecord.mockImplementation(async () => record);
    await toSummary(same);
    const others = same.$$('#summary-problems .row').filter((r) => !text(r).includes('心房細動'));
    expect(others.length).toBeGreaterThan(0);
    for (const r of others) expect(r.querySelector('.row-onset')).toBeNull();
  });

  it('has each summary section, suspected problems apart, and every item shows facility and date', async () => {
    const record = fixture('record-doctor');
    record.summary.suspected = [{ ...record.summary.problems[0], text: '慢性腎臓病の疑い', suspected: true }];
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    for (const id of ['summary-medicines', 'summary-allergies', 'summary-problems', 'summary-labs', 'summary-suspected',
      'summary-infections', 'summary-encounters']) {
      expect(m.$(`#${id}`), id).not.toBeNull();
    }
    expect(text(m.$('#summary-problems'))).not.toContain('慢性腎臓病の疑い');
    expect(text(m.$('#summary-suspected'))).toContain('慢性腎臓病の疑い');
    const rows = m.$$('main .row');
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      expect(text(row.querySelector('.source-facility')).length, text(row)).toBeGreaterThan(0);
      expect(text(row.querySelector('.source-date'))).toMatch(/^\d{4}-\d{2}(-\d{2})?.*（[A-Z]\d+\.\d+(\.\d+)?）$/);
    }
    expect(m.$('.withheld')).toBeNull();
  });

  it('lists current medicines with drug, dose, usage, days, last prescribed and facility', async () => {
    const m = mount();
    await toSummary(m);
    const headers = m.$$('#summary-medicines thead th').map(text);
    expect(headers).toEqual(['薬名', '量', '用法', '日数', '最終処方日', '施設']);
    const row = m.$$('#summary-medicines tbody tr')[0];
    const sent = fixture('record-doctor').summary.medicines[0];
    expect([text(row.querySelector('.drug-name')), ...[...row.querySelectorAll('td')].map(text)]).toEqual([
      sent.drug, sent.dose, sent.usage, `${sent.days}日`, formatDay(sent.lastPrescribed, 'ja', { time: false }), sent.facility.name,
    ]);
    expect(sent.drug).toBe('ワーファリン錠1mg');
    // How it is given and how much was handed out (RXR-1, RXE-10/-11) sit under the drug's name.
    expect(text(row.querySelector('.medicine-detail'))).toBe(`経路: ${sent.route} ・ 払出量: ${sent.dispense}`);
  });

  it('draws a small trend plot per lab trend', async () => {
    const m = mount();
    await toSummary(m);
    const trends = m.$$('#summary-labs .trend');
    const sent = fixture('record-doctor').summary;
    expect(trends.map((t) => t.dataset.code)).toEqual(sent.trends.map((t) => t.code));
    for (const t of trends) expect(t.querySelector('.sparkline canvas')).not.toBeNull();
    const last = sent.trends[0].points.at(-1);
    expect(m.$('#summary-labs .sparkline').getAttribute('aria-label')).toContain(`${last.value}${last.flag ? ` ${last.flag}` : ''} (${formatDay(last.date, 'ja')})`);
    expect(m.$$('#summary-labs tbody tr .flag').map(text)).toEqual(sent.labs.filter((l) => l.flag).map((l) => l.flag));
  });

  it('a withheld section says 非表示（権限）, never なし', async () => {
    const m = mount({ api: undefined });
    m.api.openRecord.mockImplementation(async () => fixture('record-clerk'));
    await toSummary(m);
    const medicines = m.$('#summary-medicines');
    const notice = medicines.querySelector('.withheld');
    expect(notice.dataset.area).toBe('medications');
    expect(text(notice)).toBe('非表示（権限）');
    expect(text(medicines)).not.toContain('なし');
    for (const area of ['allergies', 'infections', 'problems', 'labs']) {
      expect(m.$(`#summary-${area} .withheld`).dataset.area).toBe(area);
    }
    expect(m.$('#summary-encounters .withheld')).toBeNull();
    expect(m.$$('#summary-encounters .row')).toHaveLength(fixture('record-clerk').summary.encounters.length);
    expect(text(m.$('#critical-banner'))).toContain('職種により非表示の項目があります');
  });

  it('in English a withheld section says "Withheld (your profession)"', async () => {
    const m = mount();
    m.api.openRecord.mockImplementation(async () => fixture('record-clerk'));
    await toSummary(m);
    m.$('#lang-toggle').click();
    expect(text(m.$('#summary-medicines .withheld'))).toBe('Withheld (your profession)');
    expect(text(m.$('#step-number'))).toBe('5. Summary first');
  });

  it('an empty section that is not withheld says none', async () => {
    const record = fixture('record-doctor');
    record.summary.infections = [];
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    expect(text(m.$('#summary-infections .none'))).toBe('なし');
    expect(m.$('#summary-infections .withheld')).toBeNull();
  });

  it('a consented patient viewed by consent reads 同意あり once, not 同意あり・同意', async () => {
    const accessFact = (m) => m.$$('.patient-header .fact').find((f) => ['閲覧の根拠', 'Basis for viewing'].includes(text(f.querySelector('dt'))));
    const m = mount();
    expect(fixture('record-doctor').access).toMatchObject({ consent: 'consented', basis: 'consent', since: null });
    await toSummary(m);
    expect(text(accessFact(m).querySelector('dd'))).toBe('同意あり');
    m.$('#lang-toggle').click();
    expect(text(accessFact(m).querySelector('dd'))).toBe('Consented');
    // Any other basis is still said after the consent state.
    const vital = fixture('record-doctor');
    vital.access = { ...vital.access, consent: 'unknown', basis: 'vital-interest' };
    const other = mount();
    other.api.openRecord.mockImplementation(async () => vital);
    await toSummary(other);
    expect(text(accessFact(other).querySelector('dd'))).toBe('同意: 不明・生命・身体の保護');
    const verbal = fixture('record-doctor');
    verbal.access = { ...verbal.access, consent: 'consented', basis: 'break-glass' };
    const third = mount();
    third.api.openRecord.mockImplementation(async () => verbal);
    await toSummary(third);
    expect(text(accessFact(third).querySelector('dd'))).toBe('同意: 同意あり・ブレークグラス');
  });
});

describe('step 5, one person across facilities', () => {
  it('the persona’s record names her second hospital, its own data-as-of, and its allergy on the red band', async () => {
    const record = fixture('record-doctor');
    const second = record.linked.find((m) => m.state === 'shown');
    expect(second, 'the drill region links the persona across two hospitals').toBeDefined();
    const m = mount();
    await toSummary(m);
    const member = m.$(`.record-member[data-facility="${second.facility.code}"]`);
    expect(text(m.$('.record-linked-heading'))).toContain('同一人物の他施設の記録');
    expect(text(member)).toContain(second.facility.name);
    expect(text(member)).toContain(second.patientId);
    expect(text(member)).toContain(formatDay(second.dataAsOf.asOf, 'ja'));
    // Only the second hospital recorded the contrast allergy: the red band says so, with its name.
    const flags = m.$$('#critical-banner .critical-flag');
    const contrast = flags.find((f) => text(f).includes('ヨード造影剤'));
    expect(contrast, 'the second hospital’s allergy is on the red band').toBeDefined();
    expect(text(contrast)).toContain(second.facility.name);
    // The same drug from both hospitals stays two rows, each with its hospital.
    const warfarin = m.$$('#summary-medicines tr').filter((r) => text(r).includes('ワーファリン'));
    expect(warfarin.length).toBe(2);
    expect(new Set(warfarin.map((r) => text(r).includes(second.facility.name))).size).toBe(2);
  });

  it('a facility whose patient refused sharing is named as withheld, and nothing of it is shown', async () => {
    const record = fixture('record-linked-withheld');
    const withheld = record.linked.find((m) => m.state === 'withheld');
    expect(withheld).toBeDefined();
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    const member = m.$(`.record-member[data-facility="${withheld.facility.code}"]`);
    expect(member.classList.contains('member-withheld')).toBe(true);
    expect(text(member)).toContain('表示していません');
    expect(text(m.$('#critical-banner'))).not.toContain(withheld.facility.name);
    m.$('#lang-toggle').click();
    expect(text(m.$(`.record-member[data-facility="${withheld.facility.code}"]`))).toContain('not shown: the patient refused sharing');
  });

  it('an unlinked look-alike is "possibly the same person", says why, and opens only after its own confirmation', async () => {
    const record = fixture('record-possibly');
    const [possible] = record.possibly;
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    const line = m.$(`#possibly-same .possible[data-patient="${possible.patientId}"]`);
    expect(text(m.$('#possibly-same'))).toContain('本部の名寄せでは未確認');
    expect(text(line)).toContain(possible.facility.name);
    expect(text(line.querySelector('.possible-why'))).toContain('一致: 氏名・生年月日・性別');
    const open = line.querySelector('.open-possible');
    expect(open.disabled).toBe(true);
    tick(line.querySelector('.confirm-name'));
    expect(open.disabled).toBe(true);
    tick(line.querySelector('.confirm-dob'));
    expect(open.disabled).toBe(false);
    open.click();
    await flush();
    expect(m.api.openRecord).toHaveBeenLastCalledWith({
      facility: possible.facility.code, patientId: possible.patientId, confirmed: ['name', 'dob'], basis: undefined,
    });
    m.$('#lang-toggle').click();
    expect(text(m.$('#possibly-same'))).toContain('not confirmed by the hub');
  });

  it('the print page lists every facility with its ID and data-as-of', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    const printed = fixture('print');
    const line = text(m.$('#print-page .print-facilities'));
    expect(line).toContain(printed.patient.patientId);
    for (const member of printed.linked) {
      expect(line).toContain(member.facility.name);
      expect(line).toContain(member.patientId);
    }
  });
});

describe('step 6, details', () => {
  /** The details of `record`: a fixture's name, or a record object a test has changed. */
  async function toDetails(record = 'record-doctor') {
    const m = mount();
    const sent = typeof record === 'string' ? fixture(record) : record;
    m.api.openRecord.mockImplementation(async () => sent);
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    return m;
  }

  it('marks step 6 and shows the six tabs', async () => {
    const m = await toDetails();
    expect(m.api.markStep).toHaveBeenCalledWith({ step: 6 });
    for (const tab of ['medicines', 'labs', 'problems', 'encounters', 'reports', 'documents']) {
      expect(m.$(`#tab-${tab}`).getAttribute('role')).toBe('tab');
    }
    expect(m.$('#tab-medicines').getAttribute('aria-selected')).toBe('true');
    expect(text(m.$('#step-number'))).toBe('6. 詳細');
    const headers = m.$$('#details-medicines thead th').map(text);
    expect(headers).toEqual(['薬名', '量', '用法', '日数', '種別', '最終処方日', '終了日', '医師', '施設']);
    const rows = m.$$('#details-medicines tbody tr');
    const sent = fixture('record-doctor').details.medicines;
    expect(rows).toHaveLength(sent.length);
    const last = sent.at(-1);
    const day = (d) => formatDay(d, 'ja', { time: false });
    expect([text(rows.at(-1).querySelector('.drug-name')), ...[...rows.at(-1).querySelectorAll('td')].map(text)]).toEqual([
      last.drug, last.dose, last.usage, `${last.days}日`, { prescription: '処方', injection: '注射' }[last.kind],
      day(last.lastPrescribed), day(last.until), last.doctor, last.facility.name,
    ]);
  });

  it('labs show a table and a uPlot chart of the chosen trend', async () => {
    const m = await toDetails();
    m.$('#tab-labs').click();
    expect(m.$('#lab-chart').tagName).toBe('CANVAS');
    const sent = fixture('record-doctor').details;
    expect(m.$$('.labs-panel table tbody tr')).toHaveLength(sent.labs.length);
    const buttons = m.$$('.trend-select');
    const pressed = (i) => sent.labTrends.map((_, j) => String(i === j));
    expect(buttons.map((b) => b.getAttribute('aria-pressed'))).toEqual(pressed(0));
    buttons[1].click();
    expect(m.$$('.trend-select').map((b) => b.getAttribute('aria-pressed'))).toEqual(pressed(1));
    expect(m.$('#lab-chart').closest('[role="img"]').getAttribute('aria-label')).toContain(sent.labTrends[1].name);
  });

  it('arrow keys move between tabs', async () => {
    const m = await toDetails();
    m.$('#tab-medicines').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    expect(m.$('#tab-labs').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement.id).toBe('tab-labs');
    m.$('#tab-labs').dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    expect(document.activeElement.id).toBe('tab-documents');
  });

  /** The files of a record's documents, as the desk listed them. */
  const files = (record) => fixture(record).details.documents.flatMap((d) => d.files);

  it('documents show CDA sections as text', async () => {
    const m = await toDetails();
    m.$('#tab-documents').click();
    await flush();
    // The persona's referral letter (her second hospital's newer J-SPEED record comes first).
    const documents = fixture('record-doctor').details.documents;
    const at = documents.findIndex((d) => d.referral);
    const letter = documents[at];
    const doc = m.$$('.document')[at];
    for (const section of letter.sections) {
      expect(text(doc)).toContain(section.title);
      expect(text(doc)).toContain(section.text.split('\n')[0].trim());
    }
    expect(text(doc)).toContain('紹介状');
  });

  it('a photo loads its thumbnail through the document command, and a scanned letter offers its PDF', async () => {
    const m = await toDetails('record-documents');
    m.$('#tab-documents').click();
    await flush();
    const thumb = files('record-documents').find((f) => f.thumbnail !== null);
    expect(m.api.document).toHaveBeenCalledWith({ blob: thumb.thumbnail });
    expect(m.$('.thumb img').getAttribute('src')).toMatch(/^blob:/);
    const scan = await toDetails('record-scan');
    scan.$('#tab-documents').click();
    await flush();
    expect(files('record-scan').some((f) => f.mediaType === 'application/pdf')).toBe(true);
    expect(scan.$('.open-pdf')).not.toBeNull();
  });

  it('a thumbnail opens the full-size image in an overlay that Escape closes', async () => {
    const m = await toDetails('record-documents');
    m.$('#tab-documents').click();
    await flush();
    m.$('.thumb').click();
    await flush();
    const thumb = files('record-documents').find((f) => f.thumbnail !== null);
    expect(m.api.document).toHaveBeenCalledWith({ blob: thumb.blob });
    expect(m.$('.overlay .full-image')).not.toBeNull();
    expect(m.root.hasAttribute('inert')).toBe(true);
    m.$('.overlay').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(m.$('.overlay')).toBeNull();
    expect(m.root.hasAttribute('inert')).toBe(false);
  });

  it('what was given, the diet and an encounter’s class and disposition are shown as the desk sent them', async () => {
    const m = await toDetails('record-documents');
    const d = fixture('record-documents').details;
    expect(d.given.length).toBeGreaterThan(0);
    const given = m.$$('#details-given .row');
    expect(given).toHaveLength(d.given.length);
    expect(text(given[0].querySelector('.row-text'))).toBe(d.given[0].text);
    expect(text(given[0].querySelector('.row-value'))).toBe(d.given[0].value);
    expect(text(given[0].querySelector('.row-detail'))).toBe(d.given[0].detail);
    m.$('#tab-encounters').click();
    await flush();
    expect(d.diet.length).toBeGreaterThan(0);
    expect(m.$$('#details-diet .row').map((r) => text(r.querySelector('.row-text')))).toEqual(d.diet.map((r) => r.text));
    const discharged = d.encounters.findIndex((e) => e.disposition);
    expect(discharged).toBeGreaterThanOrEqual(0);
    const row = m.$$('#details-encounters .encounters .row')[discharged];
    expect(text(row.querySelector('.row-disposition'))).toBe(`退院先: ${d.encounters[discharged].disposition}`);
    expect(text(row.querySelector('.encounter-class'))).toBe(d.encounters[discharged].class.ja);
    m.$('#tab-labs').click();
    await flush();
    expect(m.$('#details-lab-orders')).not.toBeNull();
  });

  it('the summary shows the newest diet order and the header the next of kin', async () => {
    const docs = mount();
    docs.api.openRecord.mockImplementation(async () => fixture('record-documents'));
    await toSummary(docs);
    const diet = fixture('record-documents').summary.diet;
    expect(diet).toHaveLength(1);
    expect(text(docs.$('#summary-diet .row-text'))).toBe(diet[0].text);
    const m = mount();
    await toSummary(m);
    const contacts = fixture('record-doctor').patient.contacts;
    expect(contacts.length).toBeGreaterThan(0);
    const c = contacts[0];
    expect(m.$$('.patient-header .contact').map(text)).toContain(`${c.name} （${c.relationship}） ・ ${c.phones[0]}`);
  });

  it('a withheld tab says so', async () => {
    const m = mount();
    m.api.openRecord.mockImplementation(async () => fixture('record-clerk'));
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    expect(text(m.$('#details-medicines .withheld'))).toBe('非表示（権限）');
    m.$('#tab-documents').click();
    expect(m.$('#details-documents .withheld').dataset.area).toBe('documents');
  });

  it('a CDA letter’s own XML is listed as the original shown above, not as a format it cannot show', async () => {
    const record = fixture('record-doctor');
    const letter = record.details.documents.find((d) => d.referral);
    // The desk lists the letter's own CDA file beside its sections.
    expect(letter.files.map((f) => f.name)).toContain('main_document.xml');
    record.details.documents = [letter];
    record.details.documents.push({
      ...letter,
      title: '検査結果',
      referral: false,
      sections: [],
      files: [{ name: 'raw.xml', mediaType: 'text/xml', bytes: 900, blob: 16, thumbnail: null, note: null }],
    });
    const m = await toDetails(record);
    m.$('#tab-documents').click();
    await flush();
    const [withText, withoutText] = m.$$('.document');
    const original = withText.querySelector('.cda-original');
    expect(text(original)).toBe('原本（CDA XML）: 上に本文として表示');
    expect(original.dataset.file).toBe('main_document.xml');
    expect(text(withText)).not.toContain('表示できない形式');
    expect(text(withText)).toContain(letter.sections[0].title);
    // Without sections on screen, an XML file is still said to be a format that cannot be shown.
    expect(withoutText.querySelector('.cda-original')).toBeNull();
    expect(text(withoutText.querySelector('.unsupported'))).toBe('表示できない形式：raw.xml（text/xml）');
    m.$('#lang-toggle').click();
    expect(text(m.$('.document .cda-original'))).toBe('Original (CDA XML): shown above as text');
  });

  it('a signed letter’s row says the hub verified it, its viewer names the signer and this device’s re-check, and an unsigned one says so', async () => {
    const record = fixture('record-doctor');
    const letters = record.details.documents.filter((d) => d.referral);
    // What the real desk made of the drill region: one letter signed by the drill doctor, a scan without a signature.
    expect(letters.map((d) => d.signatures[0].outcome).sort()).toEqual(['unsigned', 'valid']);
    const m = await toDetails(record);
    m.$('#tab-documents').click();
    await flush();
    const docs = m.$$('.document.referral');
    const signed = docs.find((d) => d.querySelector('.badge.sig-valid'));
    const unsigned = docs.find((d) => d.querySelector('.badge.sig-unsigned'));
    expect(text(signed.querySelector('.document-head .badge.signature'))).toBe('署名あり・検証済み');
    expect(signed.querySelector('.not-physician')).toBeNull();
    const detail = signed.querySelector('.signature-detail');
    expect(text(detail)).toContain('署名者: KUNREN ISHI・FieldChart Drill Hospital');
    expect(text(detail)).toContain('資格: 医師');
    expect(text(detail)).toContain('署名者の申告による（タイムスタンプなし）');
    expect(text(detail)).toContain('失効：確認していません');
    expect(text(detail.querySelector('.recheck-ok'))).toBe('この端末で再確認：署名はこの文書の内容と一致');
    // The persona's letter is signed inside the CDA document (XAdES): no separate signature file.
    expect(letters.find((d) => d.signatures[0].outcome === 'valid').signatures[0].form).toBe('xades-enveloped');
    expect(text(detail)).toContain('XAdES（CDA文書内の署名）');
    expect(signed.querySelector('.signature-file')).toBeNull();
    expect(text(unsigned.querySelector('.document-head .badge.signature'))).toBe('署名なし');
    expect(unsigned.querySelector('.signature-detail')).toBeNull();
  });

  it('a letter with a detached CAdES signature beside it names the signature file, listed as 電子署名', async () => {
    const record = fixture('record-cades');
    const letter = record.details.documents.find((d) => d.signatures[0]?.form === 'cades-detached');
    expect(letter.signatures[0].signatureFile).toBe('main_document.xml.p7s');
    const m = await toDetails(record);
    m.$('#tab-documents').click();
    await flush();
    const shown = m.$$('.document.referral').find((d) => text(d).includes('main_document.xml.p7s'));
    expect(text(shown.querySelector('.signature-detail'))).toContain('CAdES（別ファイルの署名 main_document.xml.p7s）');
    expect(text(shown.querySelector('.signature-file'))).toContain('main_document.xml.p7s');
    expect(text(shown.querySelector('.document-head .badge.signature')))
      .toBe(letter.signatures[0].words.ja);
  });

  it('a letter signed by someone who is not a physician says so on its row', async () => {
    const record = fixture('record-doctor');
    const letter = record.details.documents.find((d) => d.signatures[0]?.outcome === 'valid');
    // The desk's own words for a pharmacist's hcRole; only the role differs from the real fixture.
    record.details.documents = [{ ...letter, signatures: [{ ...letter.signatures[0], roles: ['薬剤師'], physician: false }] }];
    const m = await toDetails(record);
    m.$('#tab-documents').click();
    await flush();
    expect(text(m.$('.document .not-physician'))).toBe('医師の署名ではありません（薬剤師）');
  });
});

describe('step 7, print', () => {
  it('marks step 7 and previews one A4 page with identity, critical flags and the drill mark', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    expect(m.api.markStep).toHaveBeenCalledWith({ step: 7 });
    expect(m.$('#print-preview')).not.toBeNull();
    const page = m.$('#print-page');
    expect(page.classList.contains('a4')).toBe(true);
    expect(text(page)).toContain('山田 花子');
    expect(text(page)).toContain('1970-03-12（昭和45年3月12日・S45.3.12）');
    expect(text(page)).toContain('訓練 / DRILL');
    expect(text(page)).toContain('プレビュー（未印刷）');
    expect(page.querySelectorAll('.critical-flag')).toHaveLength(fixture('print').critical.length);
    expect(m.$('#print-button')).not.toBeNull();
    expect(m.$('#print-close')).not.toBeNull();
    expect(text(m.$('#step-number'))).toBe('7. 印刷');
  });

  it('for a viewer with withheld areas, the page’s critical band says so in bold beside "none"', async () => {
    const m = mount();
    m.api.openRecord.mockImplementation(async () => fixture('record-clerk'));
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    const band = m.$('#print-page .print-critical');
    expect(text(band)).toContain('赤い帯の項目はありません（表示できる範囲）');
    const warning = band.querySelector('.print-critical-withheld');
    expect(warning).not.toBeNull();
    expect(text(warning.querySelector('strong'))).toContain('職種により非表示の項目があります。');
    m.$('#lang-toggle').click();
    expect(text(m.$('#print-page .print-critical .print-critical-withheld strong'))).toContain('Some sections are withheld for your profession.');
  });

  it('the printed page (the desk’s PrintScreen) carries the withheld warning too, and only when something is withheld', async () => {
    const clerk = fixture('record-clerk');
    const printed = { ...fixture('print'), critical: [], access: clerk.access, summary: clerk.summary };
    const m = mount();
    m.api.openRecord.mockImplementation(async () => clerk);
    m.api.printSummary.mockImplementation(async () => printed);
    await toSummary(m);
    m.$('#go-print').click();
    await flush();
    m.$('#print-button').click();
    await flush();
    expect(text(m.$('#print-page'))).toContain('印刷: ');
    expect(text(m.$('#print-page .print-critical .print-critical-withheld strong'))).toContain('職種により非表示の項目があります。');
    // A doctor sees everything: no warning.
    const doctor = mount();
    await toSummary(doctor);
    doctor.$('#go-print').click();
    await flush();
    expect(doctor.$('#print-page .print-critical-withheld')).toBeNull();
    expect(text(doctor.$('#print-page .print-critical'))).not.toContain('非表示');
  });
});

describe('step 8, lock and end', () => {
  it('the lock screen asks for the passphrase when the session was opened with one', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#lock-button').click();
    await flush();
    expect(m.$('#lock-screen')).not.toBeNull();
    expect(m.$('#resume-passphrase')).not.toBeNull();
    expect(m.$('#resume')).not.toBeNull();
    expect(text(m.$('#step-number'))).toBe('8. ロック・終了');
    expect(m.$('#drill-banner')).not.toBeNull();
  });

  it('the end screen shows the drill report, seconds per step', async () => {
    const m = mount();
    await toSummary(m);
    m.$('#end-button').click();
    await flush();
    expect(m.$('#end-screen')).not.toBeNull();
    const rows = m.$$('#drill-report tbody tr');
    const sent = fixture('end').report.steps;
    expect(rows).toHaveLength(sent.length);
    expect(text(rows[0])).toBe(`1. 開始${sent[0].seconds.toFixed(1)}`);
    const report = fixture('end').report;
    expect(text(m.$('#drill-report tfoot'))).toContain(report.total.toFixed(1));
    expect(text(m.$('#drill-report'))).toContain(report.savedTo);
    expect(m.$('#drill-banner')).not.toBeNull();
  });

  it('a real (not drill) end has no report', async () => {
    const m = mount();
    m.api.end.mockImplementation(async () => ({ step: 8, drill: false, report: null }));
    await toSummary(m);
    m.$('#end-button').click();
    await flush();
    expect(m.$('#end-screen')).not.toBeNull();
    expect(m.$('#drill-report')).toBeNull();
    expect(m.$('#drill-banner')).toBeNull();
  });
});

describe('what the desk sends beyond docs/app.md', () => {
  it('an encounter is worded from its kind key, in each language, and an unknown kind shows as sent', async () => {
    const record = fixture('record-doctor');
    record.summary.encounters[1].kind = 'teleport';
    record.summary.encounters[1].text = 'teleport';
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    const rows = m.$$('#summary-encounters .row-text').map(text);
    expect(record.summary.encounters[0].kind).toBe('outpatient_visit');
    expect(rows.slice(0, 2)).toEqual(['外来受診', 'teleport']);
    m.$('#lang-toggle').click();
    expect(m.$$('#summary-encounters .row-text').map(text).slice(0, 2)).toEqual(['Outpatient visit', 'teleport']);
  });

  it('a suspected problem carries the 疑い mark in the details', async () => {
    const record = fixture('record-doctor');
    record.details.problems.push({ ...record.details.problems[0], text: '慢性腎臓病の疑い', suspected: true });
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    m.$('#tab-problems').click();
    const rows = m.$$('#details-problems .row');
    expect(rows.map((r) => Boolean(r.querySelector('.suspected-mark')))).toEqual(record.details.problems.map((p) => p.suspected));
    expect(text(rows.at(-1).querySelector('.suspected-mark'))).toBe('疑い');
  });

  it('a deceased patient is marked in the header and on the print page', async () => {
    const record = fixture('record-doctor');
    record.patient.deceased = true;
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    expect(text(m.$('.patient-header .deceased'))).toBe('死亡');
    m.$('#go-print').click();
    await flush();
    expect(text(m.$('#print-page .deceased'))).toBe('死亡');
  });

  it('the record’s own facility data age is shown, with a warning when stale', async () => {
    const record = fixture('record-doctor');
    record.dataAsOf = { ...record.dataAsOf, days: 9, stale: true };
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    const age = m.$('.record-age');
    expect(text(age)).toContain('この施設のデータの時点');
    expect(text(age)).toContain(`${formatDay(record.dataAsOf.asOf, 'ja')}（9日前）`);
    expect(age.classList.contains('stale')).toBe(true);
  });

  it('a document file the snapshot does not carry is named with the desk’s note, not offered', async () => {
    const record = fixture('record-documents');
    const shown = record.details.documents[0].files.length;
    record.details.documents[0].files.push({
      name: 'ecg.dcm', mediaType: 'application/dicom', bytes: 512000, blob: null, thumbnail: null, note: 'not kept in the snapshot',
    });
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    m.$('#go-details').click();
    await flush();
    m.$('#tab-documents').click();
    await flush();
    const files = m.$$('.document')[0].querySelectorAll('.file-list li');
    expect(files).toHaveLength(shown + 1);
    const kept = files[shown];
    expect(kept.querySelector('button')).toBeNull();
    expect(text(kept)).toContain('ecg.dcm');
    expect(text(kept)).toContain('not kept in the snapshot');
    const thumbnails = record.details.documents.flatMap((d) => d.files).map((f) => f.thumbnail).filter((b) => b !== null);
    expect(m.api.document.mock.calls.map((c) => c[0].blob)).toEqual(thumbnails);
  });

  it('a lab row not yet told to the patient carries 未告知 in the table', async () => {
    const record = fixture('record-doctor');
    record.summary.labs[0].undisclosed = true;
    const m = mount();
    m.api.openRecord.mockImplementation(async () => record);
    await toSummary(m);
    expect(m.$$('#summary-labs tbody tr')[0].querySelector('.undisclosed')).not.toBeNull();
  });
});
