import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, uiPath } from './helpers.js';
import { IDENTIFIERS, LANGUAGES, STEPS, SYNC_OUTCOMES, VALIDITY_STATES } from '../src/contract.js';
import { ERROR_KINDS, MESSAGES, REFUSAL_RULES, STEP_TITLES, errorSentence, stepLabel, t } from '../src/i18n.js';
import { CLASS_OF } from '../src/search.js';
import { VALIDITY_TONE } from '../src/start.js';

describe('i18n', () => {
  it('every key exists in both languages with words', () => {
    const ja = Object.keys(MESSAGES.ja).sort();
    const en = Object.keys(MESSAGES.en).sort();
    expect(en).toEqual(ja);
    for (const lang of ['ja', 'en']) {
      for (const [key, text] of Object.entries(MESSAGES[lang])) {
        expect(typeof text, `${lang} ${key}`).toBe('string');
        expect(text.trim().length, `${lang} ${key}`).toBeGreaterThan(0);
      }
    }
  });

  it('every key the source asks for is defined', () => {
    // Keys written literally as t('…') / v.t('…') in src; keys built at run time are checked below.
    const src = uiPath('src');
    const used = new Set();
    for (const name of readdirSync(src).filter((n) => n.endsWith('.js'))) {
      const text = readFileSync(`${src}/${name}`, 'utf8');
      for (const m of text.matchAll(/\bt\((?:[a-z.]+, )?'([a-zA-Z][\w.-]*)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((key) => !(key in MESSAGES.ja));
    expect(missing).toEqual([]);
  });

  it('every kind, rule, validity state and identifier the desk can send has words in both languages', () => {
    // The lists are the desk's own (src/contract.js is written from its types), not copies.
    expect(LANGUAGES).toEqual(['ja', 'en']);
    const needed = [
      ...ERROR_KINDS.map((kind) => `error.${kind}`),
      ...REFUSAL_RULES.map((rule) => `refused.${rule}`),
      ...VALIDITY_STATES.map((state) => `validity.${state}`),
      ...IDENTIFIERS.map((id) => `result.confirm.${id}`),
      ...SYNC_OUTCOMES.map((outcome) => `sync.outcome.${outcome}`),
    ];
    expect(needed.length).toBeGreaterThan(30);
    for (const lang of LANGUAGES) {
      const missing = needed.filter((key) => !(typeof MESSAGES[lang][key] === 'string' && MESSAGES[lang][key].trim()));
      expect(missing, lang).toEqual([]);
    }
    for (const state of VALIDITY_STATES) expect(VALIDITY_TONE, state).toHaveProperty(state);
    for (const id of IDENTIFIERS) expect(CLASS_OF, id).toHaveProperty(id);
  });

  it('the step titles are the desk’s', () => {
    for (const { step, ja, en } of STEPS) {
      expect(STEP_TITLES.ja[step]).toBe(ja);
      expect(STEP_TITLES.en[step]).toBe(en);
    }
  });

  it('keys built at run time exist for every value the contract names', () => {
    for (const kind of ERROR_KINDS) expect(MESSAGES.ja).toHaveProperty(`error.${kind}`);
    for (const rule of REFUSAL_RULES) expect(MESSAGES.ja).toHaveProperty(`refused.${rule}`);
    for (const consent of ['consented', 'unknown', 'refused']) expect(MESSAGES.ja).toHaveProperty(`consent.${consent}`);
    for (const consent of ['unknown', 'refused']) expect(MESSAGES.ja).toHaveProperty(`result.consentNote.${consent}`);
    for (const basis of ['vital-interest', 'verbal-consent']) {
      expect(MESSAGES.ja).toHaveProperty(`basis.${basis}`);
      expect(MESSAGES.ja).toHaveProperty(`basis.${basis}.help`);
    }
    for (const tab of ['medicines', 'labs', 'problems', 'encounters', 'reports', 'documents']) {
      expect(MESSAGES.ja).toHaveProperty(`tab.${tab}`);
    }
  });

  it('the error kinds are exactly the ones docs/app.md lists', () => {
    const app = readFileSync(uiPath('../docs/app.md'), 'utf8');
    const kindsParagraph = app.slice(app.indexOf('Kinds:'), app.indexOf('| command |'));
    const documented = [...kindsParagraph.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]).filter((k) => k !== 'rule');
    expect(documented.sort()).toEqual([...ERROR_KINDS].sort());
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('ja', 'validity.valid', { days: 29 })).toBe('有効（あと29日）');
    expect(t('en', 'validity.valid', { days: 29 })).toBe('Valid (29 days left)');
    expect(t('en', 'validity.valid')).toBe('Valid ({days} days left)');
  });

  it('a step label is the number and the manual title', () => {
    expect(stepLabel('ja', 5)).toBe('5. まず要約');
    expect(stepLabel('en', 3)).toBe('3. Who is viewing');
  });
});

describe('error sentences', () => {
  it('each kind has its own sentence in each language', () => {
    for (const lang of ['ja', 'en']) {
      const sentences = ERROR_KINDS.map((kind) => errorSentence(lang, { kind, message: 'x' }));
      expect(new Set(sentences).size).toBe(ERROR_KINDS.length);
    }
  });

  it('a wrong passphrase reads as such, not as the desk’s English detail', () => {
    const error = { kind: 'wrong-passphrase', message: 'the emergency passphrase is wrong' };
    expect(errorSentence('ja', error)).toBe('パスフレーズが違います。もう一度入力してください。');
    expect(errorSentence('en', error)).toBe('The passphrase is wrong. Type it again.');
  });

  it('a refusal with a known rule says the rule, an unknown rule falls back to the kind', () => {
    expect(errorSentence('ja', { kind: 'refused', rule: 'consent-refused' })).toContain('拒否');
    expect(errorSentence('en', { kind: 'refused', rule: 'outside-event' })).toBe('Not allowed by the viewing policy.');
  });

  it('each refusal the desk sends reads as its own rule, a wrong clerk code as such', () => {
    const refusals = fixture('refusals');
    expect(refusals.authorisation.rule).toBe('authorisation');
    expect(errorSentence('ja', refusals.authorisation)).toBe('認証コードが違います。本部が発行したコードを入力してください。');
    expect(errorSentence('en', refusals.authorisation)).toBe('The authorisation code is wrong. Type the code the hub issued.');
    for (const lang of LANGUAGES) {
      for (const [rule, error] of Object.entries(refusals)) {
        expect(error.rule, rule).toBe(rule);
        expect(errorSentence(lang, error), `${lang} ${rule}`).toBe(t(lang, error.kind === 'refused' ? `refused.${rule}` : `error.${error.kind}`));
      }
    }
  });

  it('each error the desk sends has its own sentence', () => {
    const errors = fixture('errors');
    expect(Object.keys(errors).sort()).toEqual([...ERROR_KINDS].sort());
    for (const lang of LANGUAGES) {
      for (const [kind, error] of Object.entries(errors)) {
        if (kind === 'refused') continue;
        expect(errorSentence(lang, error), `${lang} ${kind}`).toBe(t(lang, `error.${kind}`));
      }
    }
  });

  it('an unknown kind still says something', () => {
    expect(errorSentence('ja', { kind: 'cosmic-ray' })).toBe('予期しないエラーが起きました。');
    expect(errorSentence('en', null)).toBe('An unexpected error happened.');
  });
});
