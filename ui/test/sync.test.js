// "Sync now" on the start screen, from the fixtures the real desk rendered over a folder repository
// (crates/desk/tests/contract.rs): the button only when offered, the progress while the sync runs,
// then the outcome with each facility's data-as-of before → after and the card list listed again.

import { describe, expect, it } from 'vitest';
import { formatDay } from '../src/format.js';
import { fakeApi, fixture, flush, mount } from './helpers.js';

const text = (el) => el?.textContent ?? '';

function syncing(overrides = {}) {
  return mount({ api: fakeApi({ start: () => fixture('start-sync'), syncNow: () => fixture('sync'), syncProgress: () => fixture('sync-progress'), ...overrides }) });
}

describe('step 1, sync now', () => {
  it('has no button when the desk offers no sync', async () => {
    const m = mount();
    await m.app.actions.start();
    expect(fixture('start').sync).toBeNull();
    expect(m.$('#sync-now')).toBeNull();
  });

  it('shows the button and where it syncs from when offered', async () => {
    const m = syncing();
    await m.app.actions.start();
    expect(m.$('#sync-now')).not.toBeNull();
    expect(text(m.$('.sync-source'))).toContain(fixture('start-sync').sync.source);
    expect(text(m.$('#sync-now'))).toBe('今すぐ同期');
  });

  it('pressing it shows the result, each facility before → after, and the refreshed cards', async () => {
    const m = syncing();
    await m.app.actions.start();
    expect(m.$$('.snapshot-card')).toHaveLength(0);
    m.$('#sync-now').click();
    await flush();
    expect(m.api.syncNow).toHaveBeenCalledTimes(1);
    const sync = fixture('sync');
    const result = m.$('#sync-result');
    expect(result.dataset.outcome).toBe('switched');
    expect(text(result.querySelector('.sync-outcome'))).toContain('同期しました');
    expect(text(result.querySelector('.sync-fetched'))).toContain(`${sync.files}ファイル中${sync.fetched}ファイル`);
    const rows = m.$$('.sync-facility');
    expect(rows.map((r) => r.dataset.code)).toEqual(sync.facilities.map((f) => f.code));
    for (const [i, f] of sync.facilities.entries()) {
      expect(f.before).toBeNull();
      expect(text(rows[i].querySelector('.sync-before'))).toBe('なし');
      expect(text(rows[i].querySelector('.sync-after'))).toContain(formatDay(f.after, 'ja'));
    }
    expect(m.$$('.snapshot-card').map((c) => c.dataset.path)).toEqual(sync.start.snapshots.map((c) => c.path));
  });

  it('an already current sync says so, with the same data-as-of before and after', async () => {
    const m = syncing({ syncNow: () => fixture('sync-current') });
    await m.app.actions.start();
    await m.app.actions.syncNow();
    const current = fixture('sync-current');
    expect(m.$('#sync-result').dataset.outcome).toBe('already-current');
    expect(text(m.$('.sync-outcome'))).toContain('すでに最新');
    const row = m.$('.sync-facility');
    const f = current.facilities[0];
    expect(text(row.querySelector('.sync-before'))).toBe(formatDay(f.before, 'ja'));
    expect(text(row.querySelector('.sync-after'))).toContain(formatDay(f.after, 'ja'));
    m.$('#lang-toggle').click();
    expect(text(m.$('.sync-outcome'))).toContain('Already up to date');
  });

  it('while the sync runs, the progress shows the bytes of the current file', async () => {
    let finish;
    const running = { ...fixture('sync-progress'), running: true, phase: 'fetching', done: 1048576, total: 2097152 };
    const m = syncing({ syncNow: () => new Promise((resolve) => { finish = resolve; }), syncProgress: () => running });
    await m.app.actions.start();
    const done = m.app.actions.syncNow();
    await flush();
    expect(m.$('#sync-now').disabled).toBe(true);
    await m.app.actions.pollSync();
    const progress = m.$('#sync-progress');
    expect(text(progress)).toContain('1.0 MB / 2.0 MB');
    expect(text(progress)).toContain(fixture('sync-progress').file.split('/').pop());
    finish(fixture('sync'));
    await done;
    expect(m.$('#sync-progress')).toBeNull();
    expect(m.$('#sync-result')).not.toBeNull();
  });

  for (const kind of ['rollback', 'frozen']) {
    it(`a ${kind} refusal shows its own sentence and keeps the cards`, async () => {
      const error = fixture('errors')[kind];
      const m = syncing({ syncNow: () => Promise.reject(error) });
      await m.app.actions.start();
      await m.app.actions.syncNow();
      expect(m.$('#error').dataset.kind).toBe(kind);
      expect(text(m.$('#error'))).toContain(error.message);
      expect(m.$('#sync-result')).toBeNull();
      expect(m.$('#sync-now')).not.toBeNull();
    });
  }
});
