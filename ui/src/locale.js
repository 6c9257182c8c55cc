// A laptop started with LANG=C (or unset) makes WebKitGTK report navigator.language as "C", which is
// not a language tag: Intl throws on it, and uPlot builds its number formatter from it when its
// module loads, so the whole front end would fail to start. Imported first by main.js: when the
// reported language is not a valid tag, the app reports Japanese, its default language.

export const FALLBACK_LANGUAGE = 'ja-JP';

/** Whether `tag` is a language tag Intl accepts. */
export function isLanguageTag(tag) {
  try {
    return typeof tag === 'string' && tag !== '' && Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** Makes `nav.language` (and `languages`) valid tags, shadowing the browser's on the instance. */
export function ensureLanguageTag(nav) {
  if (!nav || isLanguageTag(nav.language)) return false;
  Object.defineProperty(nav, 'language', { value: FALLBACK_LANGUAGE, configurable: true });
  Object.defineProperty(nav, 'languages', { value: [FALLBACK_LANGUAGE], configurable: true });
  return true;
}

ensureLanguageTag(globalThis.navigator);
