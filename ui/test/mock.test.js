// The development mock (ui/dev/mock.js) must answer every command the UI sends, or a screen seen in
// a plain browser is not the screen the app shows. It is loaded as serve.mjs loads it: after the
// real desk's fixtures (ui/test/fixtures, written by crates/desk/tests/contract.rs), read by the
// dev server's own dev/fixtures.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixtures } from '../dev/fixtures.mjs';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');

function loadMock(search) {
  const fixtures = readFixtures();
  window.__FIXTURES__ = fixtures;
  window.history.replaceState({}, '', `/${search}`);
  // The mock is a plain script (an IIFE), as the dev server injects it.
  new Function(readFileSync(join(ui, 'dev/mock.js'), 'utf8'))();
  return { invoke: window.__TAURI__.core.invoke, fixtures };
}

/** Every command name src/api.js sends. */
function commandsOfApi() {
  const text = readFileSync(join(ui, 'src/api.js'), 'utf8');
  return [...text.matchAll(/invoke\('([a-z_]+)'/g)].map((m) => m[1]);
}

afterEach(() => {
  delete window.__TAURI__;
  delete window.__FIXTURES__;
});

describe('the development mock', () => {
  it('knows every command the UI sends', async () => {
    const { invoke } = loadMock('?sync');
    const commands = commandsOfApi();
    expect(commands).toContain('sync_now');
    for (const name of commands) {
      const answer = await invoke(name, {}).then(
        () => 'answered',
        (e) => (typeof e === 'string' && e.includes('not found') ? e : 'answered'),
      );
      expect(answer, name).toBe('answered');
    }
  });

  it('plays "Sync now": progress while it runs, switched, then already current', async () => {
    const { invoke, fixtures } = loadMock('?sync');
    const start = await invoke('start');
    expect(start.sync).toEqual(fixtures['start-sync'].sync);
    const running = invoke('sync_now');
    await new Promise((r) => setTimeout(r, 200));
    const progress = await invoke('sync_progress');
    expect(progress.running).toBe(true);
    expect(['fetching', 'verifying']).toContain(progress.phase);
    expect(await running).toEqual(fixtures.sync);
    expect((await invoke('sync_progress')).running).toBe(false);
    expect((await invoke('sync_now')).outcome).toBe(fixtures['sync-current'].outcome);
  }, 10_000);

  it('offers no sync without ?sync, and ?sync=rollback fails with the desk\'s own error', async () => {
    let { invoke, fixtures } = loadMock('');
    expect((await invoke('start')).sync ?? null).toBeNull();
    ({ invoke, fixtures } = loadMock('?sync=rollback'));
    await expect(invoke('sync_now')).rejects.toEqual(fixtures.errors.rollback);
  });
});
