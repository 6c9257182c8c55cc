// Shared test set-up: fixtures (what the real desk answered over the testbed, written by
// crates/desk/tests/contract.rs), a fake desk that answers each
// command from them, and an app mounted on a fresh #app.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { createApp } from '../src/app.js';

/** A path under ui/ (`../docs/app.md` reaches the repository's docs). */
export function uiPath(relative) {
  return join(process.env.FIELDCHART_UI_DIR, relative);
}

export function fixture(name) {
  return JSON.parse(readFileSync(uiPath(`test/fixtures/${name}.json`), 'utf8'));
}

/** A fake api whose commands answer from the fixtures; `overrides` replace single commands. */
export function fakeApi(overrides = {}) {
  const answers = {
    start: () => fixture('start'),
    unlock: () => fixture('declare'),
    declare: () => fixture('search'),
    search: () => fixture('results'),
    openRecord: () => fixture('record-doctor'),
    breakGlass: ({ reason }) => ({ ...fixture('search').banner, breakGlass: reason }),
    document: () => ({ mediaType: 'image/png', base64: 'iVBORw0KGgo=' }),
    markStep: () => null,
    printSummary: () => fixture('print'),
    activity: () => null,
    lock: () => fixture('lock'),
    resume: () => fixture('search').banner,
    closeRecord: () => null,
    end: () => fixture('end'),
    setLanguage: () => null,
    syncNow: () => fixture('sync'),
    syncProgress: () => fixture('sync-progress'),
  };
  const api = {};
  for (const [name, answer] of Object.entries(answers)) {
    const impl = overrides[name] ?? answer;
    api[name] = vi.fn(async (args) => impl(args));
  }
  return api;
}

/** Lets pending promise callbacks run (each command is a few awaits deep). */
export async function flush() {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

export function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
    data,
  };
}

/** Mounts the app on a fresh #app with a fake api; returns handles the tests use. */
export function mount({ api = fakeApi(), storage = memoryStorage(), print = vi.fn() } = {}) {
  document.body.replaceChildren();
  const root = document.createElement('div');
  root.id = 'app';
  document.body.append(root);
  const app = createApp({ root, api, storage, print });
  const $ = (selector) => document.querySelector(selector);
  const $$ = (selector) => [...document.querySelectorAll(selector)];
  return { app, api, storage, print, root, $, $$ };
}

export function type(el, value) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

export function tick(el, checked = true) {
  el.checked = checked;
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Walks the app from step 1 to the search screen (step 4) as a doctor. */
export async function toSearch(m) {
  await m.app.actions.start();
  m.$('.snapshot-card .open-snapshot').click();
  await m.app.actions.unlock('device-key');
  type(m.$('#viewer-name'), '訓練 太郎');
  m.$('#viewer-profession').value = 'doctor';
  type(m.$('#viewer-team'), 'DMAT-01');
  await m.app.actions.declare();
}

/** Walks on to a result's summary (step 5; the first result's by default), both identifiers ticked. */
export async function toSummary(m, index = 0) {
  await toSearch(m);
  type(m.$('#search-query'), 'やまだ S45 女');
  await m.app.actions.search();
  const result = m.$$('.result')[index];
  tick(result.querySelector('.confirm-name'));
  tick(result.querySelector('.confirm-dob'));
  result.querySelector('.open-record').click();
  await flush();
}
