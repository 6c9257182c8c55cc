// The front end's state and its one render loop. Owns the order of the manual's steps as screens
// (start → unlock → declare → search → summary ⇄ details → print; lock and end from anywhere after
// unlock), which command each button sends (through api.js), what happens to an AppError (its
// sentence in #error; `locked` shows the lock screen), the idle lock, and the rule that lock and end
// clear every rendered patient element and drop the patient models the UI held.
// It decides nothing clinical: every model it shows is a command's answer.

import { api as tauriApi, toAppError } from './api.js';
import { errorBox, renderChrome } from './chrome.js';
import { renderDeclare } from './declare.js';
import { renderDetails } from './details.js';
import { revokeDocumentUrls } from './documents.js';
import { clear, h } from './dom.js';
import { DEFAULT_LANGUAGE, LANGUAGES, otherLanguage, stepLabel, t } from './i18n.js';
import { IdleWatch, INPUT_EVENTS } from './idle.js';
import { renderEnd, renderLock } from './lockend.js';
import { closeOverlay } from './overlay.js';
import { renderPrint } from './print.js';
import { confirmableIdentifiers, renderSearch, resultKey } from './search.js';
import { renderStart } from './start.js';
import { renderSummary } from './summary.js';
import { destroyPlots } from './trends.js';
import { renderUnlock } from './unlock.js';

/** The manual's step for each screen (docs/emergency-manual.*.md). */
export const STEP_OF_SCREEN = {
  start: 1,
  unlock: 2,
  declare: 3,
  search: 4,
  summary: 5,
  details: 6,
  print: 7,
  lock: 8,
  end: 8,
};

// Where the keyboard starts on each screen: the step's first action, so Tab follows the step.
const FIRST_FOCUS = {
  start: ['.open-snapshot', '#refresh-snapshots'],
  unlock: ['#unlock-device-key:not([disabled])', '#passphrase'],
  declare: ['#viewer-name'],
  search: ['#search-query'],
  summary: ['#critical-banner'],
  details: ['[role="tab"][aria-selected="true"]'],
  // Not 印刷: a stray Enter on arrival must not print (and be audited). 印刷 is one Shift+Tab away.
  print: ['#print-close'],
  lock: ['#resume-passphrase', '#resume'],
  end: ['#restart'],
};

const LANGUAGE_KEY = 'fieldchart.lang';

function initialLanguage(storage) {
  try {
    const saved = storage?.getItem(LANGUAGE_KEY);
    return LANGUAGES.includes(saved) ? saved : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/**
 * Builds the app in `root`. `api` defaults to the Tauri commands; `storage` keeps only the language
 * choice (never patient data); `print` opens the print dialog.
 */
export function createApp({ root, api = tauriApi, storage = globalThis.localStorage, print = () => globalThis.print() }) {
  const state = {
    lang: initialLanguage(storage),
    screen: 'start',
    busy: false,
    error: null,
    startScreen: null,
    card: null,
    session: false,
    unlockMethod: null,
    banner: null,
    declareScreen: null,
    results: null,
    confirmations: {},
    prompt: null,
    record: null,
    tab: 'medicines',
    trend: null,
    printScreen: null,
    printFrom: null,
    lockScreen: null,
    endScreen: null,
    // "Sync now" on the start screen: the last result (a SyncScreen) and, while it runs, its progress.
    sync: null,
    syncing: false,
    syncProgress: null,
  };
  let syncPoll = null;
  let idle = null;
  let pendingFocus = null;
  let lastScreen = null;

  const doc = root.ownerDocument;
  const onInput = () => idle?.input();
  for (const event of INPUT_EVENTS) doc.addEventListener(event, onInput, { capture: true, passive: true });

  // ----- rendering -----

  function render() {
    const carried = state.screen === lastScreen ? collectInputs() : null;
    const active = doc.activeElement;
    const focusedId = active && root.contains(active) && active.id ? active.id : null;
    destroyPlots();
    const afterRender = [];
    const view = {
      lang: state.lang,
      t: (key, params) => t(state.lang, key, params),
      state,
      actions,
      after: (fn) => afterRender.push(fn),
    };
    const step = STEP_OF_SCREEN[state.screen];
    clear(root);
    root.append(renderChrome(state, step, view), h('main', { id: 'main', class: `main screen-${state.screen}` }, renderScreen(view)));
    setBusy(state.busy);
    doc.documentElement.lang = state.lang;
    doc.title = `${stepLabel(state.lang, step)} — ${t(state.lang, 'app.title')}`;
    if (carried) restoreInputs(carried);
    // The sticky bands must not cover what focus scrolls to.
    const chrome = root.querySelector('.chrome');
    if (chrome) doc.documentElement.style.scrollPaddingTop = `${chrome.offsetHeight + 8}px`;
    for (const fn of afterRender) fn();
    const wanted = pendingFocus ?? (focusedId ? [`#${focusedId}`] : null);
    pendingFocus = null;
    // A new screen starts at its top (focus there must not scroll the bands' neighbours away).
    const newScreen = state.screen !== lastScreen;
    if (newScreen) doc.documentElement.scrollTop = 0;
    if (wanted) focusFirst(wanted, newScreen);
    lastScreen = state.screen;
  }

  function renderScreen(view) {
    switch (state.screen) {
      case 'start':
        return renderStart(state.startScreen, view);
      case 'unlock':
        return renderUnlock(state.card, view);
      case 'declare':
        return renderDeclare(state.declareScreen, view);
      case 'search':
        return renderSearch(state.results, view);
      case 'summary':
        return renderSummary(state.record, view);
      case 'details':
        return renderDetails(state.record, view);
      case 'print':
        return renderPrint(state.record, state.printScreen, view);
      case 'lock':
        return renderLock(state.lockScreen, view);
      case 'end':
        return renderEnd(state.endScreen, view);
      default:
        return h('p', {}, state.screen);
    }
  }

  function setBusy(busy) {
    root.classList.toggle('busy', busy);
    root.dataset.busyText = t(state.lang, 'busy');
    root.setAttribute('aria-busy', String(busy));
  }

  function focusFirst(selectors, preventScroll = false) {
    for (const selector of selectors) {
      let el = null;
      try {
        el = root.querySelector(selector);
      } catch {
        el = null;
      }
      if (el && !el.disabled) {
        el.focus({ preventScroll });
        return;
      }
    }
  }

  /** Typed values survive a re-render of the same screen (language toggle, a prompt appearing). */
  function collectInputs() {
    const values = new Map();
    for (const el of root.querySelectorAll('input[id], select[id], textarea[id]')) {
      if (el.type !== 'checkbox') values.set(el.id, el.value);
    }
    return values;
  }

  function restoreInputs(values) {
    for (const [id, value] of values) {
      const el = doc.getElementById(id);
      if (!el || !root.contains(el) || el.type === 'checkbox') continue;
      el.value = value;
      if (el.tagName === 'SELECT') el.dispatchEvent(new Event('change'));
    }
  }

  function field(id) {
    const el = doc.getElementById(id);
    if (!el || el.closest('[hidden]')) return undefined;
    const value = el.value.trim();
    return value === '' ? undefined : value;
  }

  // ----- commands and errors -----

  /** Sends one command; a second click while one is under way is ignored. */
  async function command(send) {
    if (state.busy) return { ok: false, error: null };
    state.busy = true;
    setBusy(true);
    try {
      const value = await send();
      state.error = null;
      return { ok: true, value };
    } catch (raw) {
      const error = toAppError(raw);
      showError(error);
      return { ok: false, error };
    } finally {
      state.busy = false;
      setBusy(false);
    }
  }

  function showError(error) {
    state.error = error;
    if (error.kind === 'locked') enterLock(null);
  }

  /** Errors of commands the user did not ask for (activity, language): only `locked` matters. */
  function backgroundError(raw) {
    const error = toAppError(raw);
    if (error.kind === 'locked' && state.session && state.screen !== 'lock') {
      showError(error);
      render();
    }
  }

  // ----- session lifetime -----

  function dropPatient() {
    closeOverlay();
    destroyPlots();
    revokeDocumentUrls();
    state.results = null;
    state.record = null;
    state.printScreen = null;
    state.printFrom = null;
    state.prompt = null;
    state.confirmations = {};
    state.tab = 'medicines';
    state.trend = null;
  }

  function enterLock(lockScreen) {
    idle?.stop();
    dropPatient();
    state.lockScreen = lockScreen ?? {
      step: 8,
      drill: Boolean(state.banner?.drill),
      viewer: state.banner?.viewer ?? null,
      method: state.unlockMethod,
    };
    state.screen = 'lock';
    pendingFocus = FIRST_FOCUS.lock;
  }

  function endSession() {
    idle?.stop();
    idle = null;
    dropPatient();
    state.session = false;
    state.banner = null;
    state.card = null;
    state.declareScreen = null;
    state.lockScreen = null;
    state.unlockMethod = null;
  }

  function startIdle() {
    idle?.stop();
    idle = new IdleWatch({
      minutes: state.banner?.idleLockMinutes ?? 5,
      onIdle: lockWhenFree,
      onActivity: () => {
        api.activity().catch(backgroundError);
      },
    });
    idle.start();
  }

  function lockWhenFree() {
    if (state.screen === 'lock' || !state.session) return;
    if (state.busy) setTimeout(lockWhenFree, 1000);
    else actions.lock();
  }

  function go(screen) {
    state.screen = screen;
    pendingFocus = FIRST_FOCUS[screen] ?? null;
  }

  /** The Banner a command answered with: a screen model's `banner`, or a bare Banner. */
  function takeBanner(value) {
    if (value?.banner) state.banner = value.banner;
    else if (value && typeof value === 'object' && 'dataAge' in value && 'drill' in value) state.banner = value;
  }

  // ----- what the buttons do -----

  const actions = {
    async start() {
      endSession();
      state.startScreen = null;
      state.endScreen = null;
      const r = await command(() => api.start());
      if (!r.error && !r.ok) return;
      state.startScreen = r.ok ? r.value : { step: 1, snapshots: [], deviceKey: null };
      go('start');
      render();
    },

    /** "Sync now": the sync runs in the desk; its progress is polled (the app has no event API). */
    async syncNow() {
      if (state.busy || state.syncing) return;
      state.syncing = true;
      state.sync = null;
      state.syncProgress = null;
      render();
      syncPoll = setInterval(() => actions.pollSync(), 500);
      const pin = doc.getElementById('sync-pin')?.value || undefined;
      const r = await command(() => api.syncNow({ pin }));
      clearInterval(syncPoll);
      syncPoll = null;
      state.syncing = false;
      if (r.ok) {
        state.sync = r.value;
        state.startScreen = r.value.start;
      }
      if (state.screen === 'start') render();
    },

    /** Reads where the running sync is, and shows it. */
    async pollSync() {
      if (!state.syncing) return;
      try {
        state.syncProgress = await api.syncProgress();
      } catch {
        return;
      }
      if (state.syncing && state.screen === 'start') render();
    },

    chooseSnapshot(card) {
      state.card = card;
      state.error = null;
      // The drill report times step 2 from here.
      api.markStep({ step: 2 }).catch(backgroundError);
      go('unlock');
      render();
    },

    backToStart() {
      state.card = null;
      state.error = null;
      go('start');
      render();
    },

    async unlock(method, breakGlass) {
      const card = state.card;
      if (!card) return;
      const passphrase = method === 'passphrase' ? doc.getElementById('passphrase')?.value ?? '' : undefined;
      // A device key protected by a PIN (the start screen says so) is opened with the PIN typed.
      const pin = method === 'device-key' ? doc.getElementById('device-key-pin')?.value || undefined : undefined;
      const r = await command(() => api.unlock({ path: card.path, method, passphrase, pin, breakGlass }));
      if (r.ok) {
        state.session = true;
        state.unlockMethod = method;
        state.declareScreen = r.value;
        takeBanner(r.value);
        go('declare');
        api.setLanguage({ lang: state.lang }).catch(backgroundError);
      }
      render();
    },

    async unlockBreakGlass() {
      const card = state.card;
      if (!card) return;
      const reason = doc.getElementById('break-glass-reason')?.value ?? '';
      const typed = (doc.getElementById('passphrase')?.value ?? '') !== '';
      await actions.unlock(typed || !card.deviceKey ? 'passphrase' : 'device-key', reason);
    },

    async declare() {
      const args = {
        name: field('viewer-name') ?? '',
        profession: field('viewer-profession') ?? '',
        team: field('viewer-team') ?? '',
        event: field('viewer-event') ?? '',
        authCode: field('viewer-auth-code'),
      };
      const r = await command(() => api.declare(args));
      if (r.ok) {
        takeBanner(r.value);
        state.results = null;
        go('search');
        // The desk locks a viewing, which begins with the declaration: so does the idle lock.
        startIdle();
      }
      render();
    },

    async search() {
      const args = {
        query: field('search-query') ?? '',
        dob: field('search-dob'),
        sex: field('search-sex'),
        address: field('search-address'),
      };
      if (state.busy) return;
      // The old results leave at once, so no one opens a row from the previous search.
      state.prompt = null;
      state.results = null;
      state.confirmations = {};
      render();
      const r = await command(() => api.search(args));
      if (r.ok) {
        takeBanner(r.value);
        state.results = r.value;
        state.confirmations = {};
      } else if (r.error?.kind === 'refused') {
        state.prompt = { kind: 'break-glass', key: null, result: null, reasonOpen: false };
        pendingFocus = ['#break-glass-open'];
      }
      render();
    },

    confirm(result, identifier, checked) {
      const key = resultKey(result);
      state.confirmations[key] = { ...(state.confirmations[key] ?? {}), [identifier]: checked };
    },

    async openRecord(result, basis) {
      const ticks = state.confirmations[resultKey(result)] ?? {};
      const confirmed = confirmableIdentifiers(result).filter((id) => ticks[id]);
      const r = await command(() =>
        api.openRecord({ facility: result.facility?.code, patientId: result.patientId, confirmed, basis }),
      );
      if (r.ok) {
        state.record = r.value;
        takeBanner(r.value);
        state.prompt = null;
        state.tab = 'medicines';
        state.trend = null;
        go('summary');
      } else if (r.error?.kind === 'needs-basis') {
        state.prompt = { kind: 'basis', key: resultKey(result), result };
        pendingFocus = ['#basis-vital-interest'];
      } else if (r.error?.kind === 'refused') {
        state.prompt = { kind: 'break-glass', key: resultKey(result), result, basis, reasonOpen: false };
        pendingFocus = ['#break-glass-open'];
      }
      render();
    },

    async chooseBasis(basis) {
      const prompt = state.prompt;
      if (prompt?.result) await actions.openRecord(prompt.result, basis);
    },

    cancelPrompt() {
      state.prompt = null;
      render();
    },

    openBreakGlassReason() {
      if (!state.prompt) return;
      state.prompt = { ...state.prompt, reasonOpen: true };
      pendingFocus = ['#break-glass-input'];
      render();
    },

    async confirmBreakGlass() {
      const prompt = state.prompt;
      if (!prompt) return;
      const reason = doc.getElementById('break-glass-input')?.value ?? '';
      const r = await command(() => api.breakGlass({ reason }));
      if (!r.ok) {
        render();
        return;
      }
      takeBanner(r.value);
      state.prompt = null;
      if (prompt.result) await actions.openRecord(prompt.result, prompt.basis);
      else await actions.search();
    },

    async showDetails() {
      const r = await command(() => api.markStep({ step: 6 }));
      if (r.ok || r.error?.kind !== 'locked') go('details');
      render();
    },

    showTab(tab, { focus = false } = {}) {
      state.tab = tab;
      if (focus) pendingFocus = [`#tab-${tab}`];
      render();
    },

    showTrend(code) {
      state.trend = code;
      render();
    },

    showSummary() {
      state.error = null;
      go('summary');
      render();
    },

    async showPrint() {
      const r = await command(() => api.markStep({ step: 7 }));
      if (r.ok || r.error?.kind !== 'locked') {
        state.printScreen = null;
        // Closing the preview goes back here: the summary, or the details on the same tab.
        if (state.screen === 'summary' || state.screen === 'details') state.printFrom = state.screen;
        go('print');
      }
      render();
    },

    /** Audits first (`print_summary`), lays out what the desk returned, then opens the print dialog. */
    async print() {
      const r = await command(() => api.printSummary());
      if (!r.ok) {
        render();
        return;
      }
      state.printScreen = r.value;
      takeBanner(r.value);
      render();
      try {
        await print();
      } catch (raw) {
        showError(toAppError(raw));
        render();
      }
    },

    /** Back to the screen the preview was opened from (the summary, or the details on their tab). */
    closePrint() {
      state.printScreen = null;
      const back = state.printFrom === 'details' ? 'details' : 'summary';
      state.printFrom = null;
      go(back);
      render();
    },

    async closeRecord() {
      const r = await command(() => api.closeRecord());
      if (r.ok) {
        dropPatient();
        go('search');
      }
      render();
    },

    async lock() {
      if (!state.session || !state.banner?.viewer || state.screen === 'lock') return;
      const r = await command(() => api.lock());
      // Even when the desk could not lock, the person asked to hide the screen: hide it.
      if (state.screen !== 'lock') enterLock(r.ok ? r.value : null);
      render();
    },

    async resume() {
      const passphrase = doc.getElementById('resume-passphrase')?.value || undefined;
      const pin = doc.getElementById('resume-pin')?.value || undefined;
      const r = await command(() => api.resume({ passphrase, pin }));
      if (r.ok) {
        takeBanner(r.value);
        state.lockScreen = null;
        go('search');
        startIdle();
      }
      render();
    },

    async end() {
      if (!state.session) return;
      const r = await command(() => api.end());
      if (r.ok) {
        endSession();
        state.endScreen = r.value;
        go('end');
      }
      render();
    },

    toggleLanguage() {
      state.lang = otherLanguage(state.lang);
      try {
        storage?.setItem(LANGUAGE_KEY, state.lang);
      } catch {
        // A profile that cannot store the choice still switches for this run.
      }
      if (state.session) api.setLanguage({ lang: state.lang }).catch(backgroundError);
      pendingFocus = ['#lang-toggle'];
      render();
    },

    /** A document's file (`document` command); null when it could not be loaded (the error is shown). */
    async loadDocument(blob) {
      try {
        return await api.document({ blob });
      } catch (raw) {
        const error = toAppError(raw);
        if (error.kind === 'locked') {
          showError(error);
          render();
        } else {
          // Shown in place: re-rendering the documents tab would request every thumbnail again.
          state.error = error;
          const box = doc.getElementById('error');
          if (box) box.replaceWith(errorBox(error, viewFor()));
        }
        return null;
      }
    },
  };

  function viewFor() {
    return { lang: state.lang, t: (key, params) => t(state.lang, key, params), state, actions, after: () => {} };
  }

  function destroy() {
    idle?.stop();
    for (const event of INPUT_EVENTS) doc.removeEventListener(event, onInput, { capture: true });
    dropPatient();
    clear(root);
  }

  return { state, actions, render, destroy };
}
