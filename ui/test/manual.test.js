// The app's step titles must read as the emergency manuals' numbered steps, word for word
// (requirements APP-1: "the app follows the same steps in the same words").

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEP_TITLES } from '../src/i18n.js';
import { STEP_OF_SCREEN } from '../src/app.js';
import { uiPath } from './helpers.js';

function manualSteps(lang) {
  const text = readFileSync(uiPath(`../docs/emergency-manual.${lang}.md`), 'utf8');
  return Object.fromEntries([...text.matchAll(/^\*\*(\d)\. ([^*]+)\*\*/gm)].map((m) => [Number(m[1]), m[2].trim()]));
}

describe('step titles', () => {
  for (const lang of ['ja', 'en']) {
    it(`match the ${lang} manual's eight steps`, () => {
      const steps = manualSteps(lang);
      expect(Object.keys(steps)).toHaveLength(8);
      expect(Object.fromEntries(Object.entries(STEP_TITLES[lang]).map(([n, title]) => [Number(n), title]))).toEqual(steps);
    });
  }

  it('every screen belongs to one of the eight steps and every step has a screen', () => {
    const steps = new Set(Object.values(STEP_OF_SCREEN));
    expect([...steps].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
