import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, invoke, setTransport, toAppError } from '../src/api.js';

afterEach(() => {
  setTransport(null);
  delete globalThis.__TAURI__;
});

describe('api', () => {
  it('sends each command under its docs/app.md name with camelCase arguments', async () => {
    const sent = [];
    setTransport(async (name, args) => {
      sent.push([name, args]);
      return null;
    });
    await api.openRecord({ facility: '0410610011', patientId: '0010000000', confirmed: ['name', 'dob'], basis: 'vital-interest' });
    await api.markStep({ step: 6 });
    await api.printSummary();
    await api.setLanguage({ lang: 'en' });
    await api.closeRecord();
    await api.breakGlass({ reason: '意識がなく緊急に必要' });
    expect(sent).toEqual([
      ['open_record', { facility: '0410610011', patientId: '0010000000', confirmed: ['name', 'dob'], basis: 'vital-interest' }],
      ['mark_step', { step: 6 }],
      ['print_summary', {}],
      ['set_language', { lang: 'en' }],
      ['close_record', {}],
      ['break_glass', { reason: '意識がなく緊急に必要' }],
    ]);
  });

  it('leaves out arguments the user did not give', async () => {
    const transport = vi.fn(async () => null);
    setTransport(transport);
    await api.search({ query: 'やまだ', dob: undefined, sex: 'female' });
    await api.unlock({ path: '/s/drill.fcs', method: 'device-key' });
    expect(transport.mock.calls[0]).toEqual(['search', { query: 'やまだ', sex: 'female' }]);
    expect(transport.mock.calls[1]).toEqual(['unlock', { path: '/s/drill.fcs', method: 'device-key' }]);
  });

  it('calls window.__TAURI__.core.invoke when no transport is set', async () => {
    const tauriInvoke = vi.fn(async () => ({ step: 1, snapshots: [] }));
    globalThis.__TAURI__ = { core: { invoke: tauriInvoke } };
    await expect(api.start()).resolves.toEqual({ step: 1, snapshots: [] });
    expect(tauriInvoke).toHaveBeenCalledWith('start', {});
  });

  it('rejects with an io AppError outside the app instead of throwing a TypeError', async () => {
    await expect(invoke('start')).rejects.toMatchObject({ kind: 'io' });
  });

  it('passes the desk’s AppError through and wraps anything else', async () => {
    setTransport(async () => {
      throw { kind: 'refused', message: 'the patient refused consent', rule: 'consent-refused' };
    });
    await expect(api.openRecord({})).rejects.toEqual({ kind: 'refused', message: 'the patient refused consent', rule: 'consent-refused' });
    expect(toAppError('command open_recordd not found')).toEqual({ kind: 'unknown', message: 'command open_recordd not found', rule: null });
    expect(toAppError(new Error('boom')).message).toBe('boom');
  });
});
