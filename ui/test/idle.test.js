import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleWatch } from '../src/idle.js';
import { fixture, flush, mount } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('IdleWatch', () => {
  it('calls onIdle once the minutes pass without input, not before', () => {
    const onIdle = vi.fn();
    const watch = new IdleWatch({ minutes: 5, onIdle, onActivity: vi.fn() });
    watch.start();
    vi.advanceTimersByTime(5 * 60_000 - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * 60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('input restarts the countdown', () => {
    const onIdle = vi.fn();
    const watch = new IdleWatch({ minutes: 5, onIdle, onActivity: vi.fn() });
    watch.start();
    vi.advanceTimersByTime(4 * 60_000);
    watch.input();
    vi.advanceTimersByTime(4 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('reports activity at most once per 30 seconds', () => {
    const onActivity = vi.fn();
    const watch = new IdleWatch({ minutes: 5, onIdle: vi.fn(), onActivity });
    watch.start();
    watch.input();
    expect(onActivity).not.toHaveBeenCalled(); // the start itself was activity the desk knows of
    vi.advanceTimersByTime(30_000);
    watch.input();
    watch.input();
    vi.advanceTimersByTime(10_000);
    watch.input();
    expect(onActivity).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(20_000);
    watch.input();
    expect(onActivity).toHaveBeenCalledTimes(2);
  });

  it('a stopped watch neither locks nor reports', () => {
    const onIdle = vi.fn();
    const onActivity = vi.fn();
    const watch = new IdleWatch({ minutes: 1, onIdle, onActivity });
    watch.start();
    watch.stop();
    vi.advanceTimersByTime(120_000);
    watch.input();
    expect(onIdle).not.toHaveBeenCalled();
    expect(onActivity).not.toHaveBeenCalled();
  });
});

describe('the app’s idle lock', () => {
  async function openSession(minutes) {
    const declare = fixture('declare');
    declare.banner.idleLockMinutes = minutes;
    const m = mount();
    m.api.unlock.mockImplementation(async () => declare);
    const search = fixture('search');
    search.banner.idleLockMinutes = minutes;
    m.api.declare.mockImplementation(async () => search);
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    await m.app.actions.declare();
    return m;
  }

  it('locks after banner.idleLockMinutes without input, calling lock, and shows the lock screen', async () => {
    const m = await openSession(2);
    expect(m.$('#search-query')).not.toBeNull();
    vi.advanceTimersByTime(2 * 60_000 - 1000);
    await flush();
    expect(m.api.lock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    await flush();
    expect(m.api.lock).toHaveBeenCalledTimes(1);
    expect(m.$('#lock-screen')).not.toBeNull();
    expect(m.$('#search-query')).toBeNull();
  });

  it('does not run before the viewer is declared (the desk has no viewing to lock yet)', async () => {
    const m = mount();
    await m.app.actions.start();
    m.$('.open-snapshot').click();
    await m.app.actions.unlock('device-key');
    vi.advanceTimersByTime(60 * 60_000);
    document.dispatchEvent(new Event('keydown'));
    await flush();
    expect(m.api.lock).not.toHaveBeenCalled();
    expect(m.api.activity).not.toHaveBeenCalled();
    expect(m.$('#viewer-name')).not.toBeNull();
  });

  it('keydown, pointerdown and wheel keep it open and reach the desk as activity', async () => {
    const m = await openSession(1);
    for (const type of ['keydown', 'pointerdown', 'wheel']) {
      vi.advanceTimersByTime(40_000);
      document.dispatchEvent(new Event(type));
    }
    await flush();
    expect(m.api.lock).not.toHaveBeenCalled();
    expect(m.api.activity).toHaveBeenCalledTimes(3);
    expect(m.$('#lock-screen')).toBeNull();
  });

  it('an activity answer of "locked" shows the lock screen', async () => {
    const m = await openSession(5);
    m.api.activity.mockImplementation(async () => {
      throw fixture('errors').locked;
    });
    vi.advanceTimersByTime(31_000);
    document.dispatchEvent(new Event('keydown'));
    await flush();
    expect(m.$('#lock-screen')).not.toBeNull();
    expect(m.api.lock).not.toHaveBeenCalled();
  });
});
