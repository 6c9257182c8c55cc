// The one door to the Rust side: every Tauri command the UI calls (docs/app.md "Commands") goes
// through `invoke` here, so tests and the development mock can replace the transport with
// `setTransport`. Every rejection leaves this module as an AppError `{ kind, message, rule? }`.

let transport = null;

/** Replaces how commands are sent (tests, ui/dev/mock.js). `null` restores Tauri. */
export function setTransport(fn) {
  transport = fn;
}

function tauriInvoke(name, args) {
  const core = globalThis.__TAURI__?.core;
  if (!core || typeof core.invoke !== 'function') {
    return Promise.reject({ kind: 'io', message: 'not running inside the FieldChart app (window.__TAURI__ is missing)' });
  }
  return core.invoke(name, args);
}

/** Calls command `name` with `args` (undefined fields dropped); rejects with an AppError. */
export async function invoke(name, args = {}) {
  const send = transport ?? tauriInvoke;
  try {
    return await send(name, withoutUndefined(args));
  } catch (error) {
    throw toAppError(error);
  }
}

/**
 * Shapes whatever a rejection carried into an AppError. The desk always rejects with one; a plain
 * string comes from Tauri itself (an unknown command, arguments that do not deserialise).
 */
export function toAppError(error) {
  if (error && typeof error === 'object' && typeof error.kind === 'string') {
    return { kind: error.kind, message: String(error.message ?? ''), rule: error.rule ?? null };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'unknown', message, rule: null };
}

function withoutUndefined(args) {
  const out = {};
  for (const [key, value] of Object.entries(args ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

// One function per command, named as in docs/app.md, so a caller cannot misspell a command name.
export const api = {
  start: () => invoke('start'),
  unlock: ({ path, method, passphrase, pin, breakGlass }) => invoke('unlock', { path, method, passphrase, pin, breakGlass }),
  declare: ({ name, profession, team, event, authCode }) => invoke('declare', { name, profession, team, event, authCode }),
  search: ({ query, dob, sex, address }) => invoke('search', { query, dob, sex, address }),
  openRecord: ({ facility, patientId, confirmed, basis }) =>
    invoke('open_record', { facility, patientId, confirmed, basis }),
  breakGlass: ({ reason }) => invoke('break_glass', { reason }),
  document: ({ blob }) => invoke('document', { blob }),
  markStep: ({ step }) => invoke('mark_step', { step }),
  printSummary: () => invoke('print_summary'),
  printPage: () => invoke('print_page'),
  activity: () => invoke('activity'),
  lock: () => invoke('lock'),
  resume: ({ passphrase, pin }) => invoke('resume', { passphrase, pin }),
  closeRecord: () => invoke('close_record'),
  end: () => invoke('end'),
  setLanguage: ({ lang }) => invoke('set_language', { lang }),
  syncNow: ({ pin } = {}) => invoke('sync_now', { pin }),
  syncProgress: () => invoke('sync_progress'),
};
