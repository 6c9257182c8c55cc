// Walks the manual's steps in Chromium at 1366×768 against dev/serve.mjs (mock desk, app CSP) and
// saves a PNG per screen in ui/dev/shots/ (git-ignored), plus the print preview as a PDF to count
// its pages. Fails on any console error, page error or CSP violation. For looking, not for CI:
//   npm run build && node dev/serve.mjs &   then
//   PLAYWRIGHT_CORE=/path/to/node_modules/playwright-core CHROMIUM=/usr/bin/chromium node dev/shots.mjs

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'shots');
const base = process.env.BASE_URL || 'http://127.0.0.1:5178/';
const core = process.env.PLAYWRIGHT_CORE ? pathToFileURL(join(process.env.PLAYWRIGHT_CORE, 'index.mjs')).href : 'playwright-core';
const { chromium } = await import(core);

mkdirSync(out, { recursive: true });
const problems = [];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

async function newPage(query = '') {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ja-JP' });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.location()?.url?.endsWith('/favicon.ico')) return; // the browser's own request, not the app's
    if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    // As in the app: tauri.conf.json sets freezePrototype.
    Object.freeze(Object.prototype);
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    window.print = () => console.log('print dialog opened');
  });
  await page.goto(base + query);
  await page.waitForSelector('.snapshot-card');
  return page;
}

async function shot(page, name, opts = {}) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(out, `${name}.png`), ...opts });
  console.log(`shot ${name}.png`);
}

async function unlockAndDeclare(page, { profession = 'doctor', name = '訓練 太郎', team = 'DMAT-01', authCode } = {}) {
  await page.click('.snapshot-card >> nth=0 >> .open-snapshot');
  await page.click('#unlock-device-key');
  await page.waitForSelector('#viewer-name');
  await page.fill('#viewer-name', name);
  await page.selectOption('#viewer-profession', profession);
  await page.fill('#viewer-team', team);
  if (authCode) await page.fill('#viewer-auth-code', authCode);
  await page.click('#declare');
  await page.waitForSelector('#search-query');
}

async function search(page, query = 'やまだ S45 女') {
  await page.fill('#search-query', query);
  await page.press('#search-query', 'Enter');
  await page.waitForSelector('.result');
}

async function openResult(page, index) {
  const result = page.locator('.result').nth(index);
  await result.locator('.confirm-name').check();
  await result.locator('.confirm-dob').check();
  await result.locator('.open-record').click();
}

// The doctor's walk through steps 1–8.
{
  const page = await newPage();
  await shot(page, '01-start');
  await page.click('.snapshot-card >> nth=0 >> .open-snapshot');
  await shot(page, '02-unlock');
  await page.fill('#passphrase', 'wrong');
  await page.press('#passphrase', 'Enter');
  await page.waitForSelector('#error .error-sentence');
  await shot(page, '02b-wrong-passphrase');
  await page.fill('#passphrase', '');
  await page.click('#unlock-device-key');
  await page.waitForSelector('#viewer-name');
  await page.fill('#viewer-name', '訓練 太郎');
  await page.selectOption('#viewer-profession', 'doctor');
  await page.fill('#viewer-team', 'DMAT-01');
  await shot(page, '03-declare');
  await page.click('#declare');
  await page.waitForSelector('#search-query');
  await search(page);
  await shot(page, '04-results');
  await openResult(page, 2);
  await page.waitForSelector('#basis-vital-interest');
  await shot(page, '04b-needs-basis');
  await page.click('#basis-vital-interest');
  await page.waitForSelector('#critical-banner');
  await shot(page, '05-summary');
  await shot(page, '05-summary-full', { fullPage: true });
  await page.emulateMedia({ contrast: 'more' });
  await shot(page, '05-summary-contrast-more');
  await page.emulateMedia({ contrast: 'no-preference' });
  await page.click('#go-details');
  await page.waitForSelector('#tab-medicines');
  await shot(page, '06-details-medicines');
  await page.click('#tab-labs');
  await page.waitForSelector('#lab-chart');
  await page.click('.trend-select >> nth=0');
  await shot(page, '06b-details-labs', { fullPage: true });
  await page.click('#tab-documents');
  await page.waitForFunction(() => document.querySelector('.thumb img')?.complete && document.querySelector('.thumb img').naturalWidth > 0);
  await shot(page, '06c-details-documents');
  await page.click('.thumb');
  await page.waitForSelector('.full-image');
  await shot(page, '06d-image-overlay');
  await page.keyboard.press('Escape');
  await page.click('.open-pdf');
  await page.waitForSelector('canvas.pdf-page', { timeout: 20000 });
  await page.waitForTimeout(800);
  await shot(page, '06e-pdf-overlay');
  await page.keyboard.press('Escape');
  await page.click('#go-print');
  await page.waitForSelector('#print-page');
  await shot(page, '07-print-preview');
  await page.click('#print-button');
  await page.waitForFunction(() => /印刷: /.test(document.querySelector('#print-page')?.textContent ?? ''));
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  writeFileSync(join(out, '07-print.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  console.log(`print: ${pages} page(s)`);
  if (pages !== 1) problems.push(`the print summary took ${pages} pages, not one`);
  await page.emulateMedia({ media: 'screen' });
  await page.click('#print-close');
  await page.click('#lock-button');
  await page.waitForSelector('#lock-screen');
  await shot(page, '08-lock');
  await page.click('#resume');
  await page.waitForSelector('#search-query');
  await page.click('#end-button');
  await page.waitForSelector('#end-screen');
  await shot(page, '08b-end');
}

// The same walk by keyboard alone (Tab, Enter, Space, arrows): no mouse anywhere.
{
  const page = await newPage();
  const key = (k, n = 1) => (async () => { for (let i = 0; i < n; i += 1) await page.keyboard.press(k); })();
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className);
  const tabTo = async (test, limit = 40, direction = 'Tab') => {
    for (let i = 0; i < limit; i += 1) {
      if (await page.evaluate(test)) return;
      await key(direction);
    }
    throw new Error(`keyboard: never reached ${test}`);
  };
  await key('Enter'); // focus starts on the first card's open button
  await page.waitForSelector('#unlock-device-key:focus');
  await key('Enter');
  await page.waitForSelector('#viewer-name:focus');
  await page.keyboard.type('訓練 太郎');
  await key('Tab');
  await key('ArrowDown');
  await key('Tab');
  await page.keyboard.type('DMAT-01');
  await key('Enter');
  await page.waitForSelector('#search-query:focus');
  await page.keyboard.type('やまだ S45 女');
  await key('Enter');
  await page.waitForSelector('.result');
  await tabTo(() => document.activeElement?.classList.contains('confirm-name'));
  await key('Space');
  await key('Tab');
  await key('Space');
  await key('Tab');
  if (!(await page.evaluate(() => document.activeElement?.classList.contains('open-record')))) throw new Error(`keyboard: Open is not next (${await focused()})`);
  await key('Enter');
  await page.waitForSelector('#basis-vital-interest:focus');
  await key('Enter');
  await page.waitForSelector('#critical-banner:focus');
  await tabTo(() => document.activeElement?.id === 'go-details');
  await key('Enter');
  await page.waitForSelector('#tab-medicines:focus');
  await key('ArrowRight');
  await page.waitForSelector('#tab-labs:focus');
  await page.waitForSelector('#lab-chart');
  await shot(page, '06f-keyboard-labs');
  await tabTo(() => document.activeElement?.id === 'go-print');
  await key('Enter');
  // The preview opens on Close (a stray Enter prints nothing); Print is one Shift+Tab away.
  await page.waitForSelector('#print-close:focus');
  await key('Shift+Tab');
  await page.waitForSelector('#print-button:focus');
  await key('Enter');
  await page.waitForFunction(() => /印刷: /.test(document.querySelector('#print-page')?.textContent ?? ''));
  await tabTo(() => document.activeElement?.id === 'lock-button', 10, 'Shift+Tab');
  await key('Enter');
  await page.waitForSelector('#resume:focus');
  await key('Enter');
  await page.waitForSelector('#search-query:focus');
  console.log('keyboard: steps 1–8 walked without a mouse');
}

// Break-glass: an expired snapshot, then a patient who refused.
{
  const page = await newPage();
  await page.click('.snapshot-card[data-state="expired"] .open-snapshot');
  await shot(page, '02c-expired');
  await page.fill('#passphrase', 'drill');
  await page.fill('#break-glass-reason', '期限切れだが搬送に必要');
  await page.click('#unlock-break-glass');
  await page.waitForSelector('#viewer-name');
  await page.fill('#viewer-name', '訓練 太郎');
  await page.selectOption('#viewer-profession', 'doctor');
  await page.fill('#viewer-team', 'DMAT-01');
  await page.click('#declare');
  await page.waitForSelector('#search-query');
  await search(page, 'stale');
  await openResult(page, 1);
  await page.waitForSelector('#critical-banner');
  await shot(page, '05b-break-glass-stale');
}
{
  const page = await newPage();
  await unlockAndDeclare(page);
  await search(page);
  await openResult(page, 1);
  await page.waitForSelector('#break-glass-open');
  await page.click('#break-glass-open');
  await page.fill('#break-glass-input', '意識がなく緊急に必要');
  await shot(page, '04c-refused-break-glass');
}

// A clerk in English: withheld sections.
{
  const page = await newPage('?lang=en');
  await shot(page, '01-start-en');
  await unlockAndDeclare(page, { profession: 'clerk', name: 'Drill Clerk', team: 'HQ desk', authCode: 'DRILL-0000' });
  await search(page);
  await openResult(page, 0);
  await page.waitForSelector('#critical-banner');
  await shot(page, '05c-clerk-en');
}

await browser.close();
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`shots: ${out}`);
