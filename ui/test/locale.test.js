import { describe, expect, it } from 'vitest';
import { ensureLanguageTag, isLanguageTag } from '../src/locale.js';

describe('locale guard', () => {
  it('knows a language tag from a POSIX locale name', () => {
    expect(isLanguageTag('ja-JP')).toBe(true);
    expect(isLanguageTag('en')).toBe(true);
    expect(isLanguageTag('C')).toBe(false);
    expect(isLanguageTag('')).toBe(false);
    expect(isLanguageTag(undefined)).toBe(false);
  });

  it('replaces an invalid navigator language with Japanese so Intl formatters can be built', () => {
    const nav = { language: 'C', languages: ['C'] };
    expect(ensureLanguageTag(nav)).toBe(true);
    expect(nav.language).toBe('ja-JP');
    expect(nav.languages).toEqual(['ja-JP']);
    expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
  });

  it('leaves a valid language alone', () => {
    const nav = { language: 'en-GB', languages: ['en-GB'] };
    expect(ensureLanguageTag(nav)).toBe(false);
    expect(nav.language).toBe('en-GB');
  });
});
