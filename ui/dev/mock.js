// A stand-in for the Tauri side, for looking at the UI in a plain browser (ui/dev/serve.mjs injects
// it; it is never copied into dist). It answers every command from the fixtures the real desk
// rendered (ui/test/fixtures, written by crates/desk/tests/contract.rs; window.__FIXTURES__, served
// as /dev/fixtures.js), its errors included, and plays the desk's refusals so each screen and
// message can be seen:
//   passphrase "wrong" → wrong-passphrase; an expired card without a reason → expired;
//   a "consent unknown" patient without a basis → needs-basis; a refused patient → refused until
//   break-glass; a clerk sees record-clerk.json; a clerk code other than DRILL-0000 → refused by
//   `authorisation`; query "none" finds nobody; query "stale" makes the data old; query "photo"
//   opens record-documents.json (a wound photo), "scan" record-scan.json (a scanned PDF letter);
//   query "宮城" is too broad (results-too-broad.json: nobody listed, narrow the search).
//   Add ?sync to offer "Sync now" (start-sync.json): the first sync runs for about two seconds
//   with progress (sync-progress.json) and switches (sync.json), the next says already current
//   (sync-current.json); ?sync=rollback or ?sync=frozen fails with that error instead.
//   Add ?lang=en to start in English
//   (the app itself keeps the choice in localStorage).
(() => {
  const F = window.__FIXTURES__;
  const copy = (value) => JSON.parse(JSON.stringify(value));
  const state = { banner: null, profession: null, breakGlass: null, basis: null, stale: false, letters: null };

  /** Rejects with the desk's own AppError of this kind (errors.json) or refusal rule (refusals.json). */
  function fail(kind, rule) {
    const error = rule ? F.refusals[rule] : F.errors[kind];
    return Promise.reject(copy(error ?? { kind, message: `${kind} (no fixture)` }));
  }

  function banner() {
    const b = copy(F.search.banner);
    b.breakGlass = state.breakGlass;
    if (state.viewer) b.viewer = state.viewer;
    if (state.stale) b.dataAge = { ...b.dataAge, days: 12, stale: true };
    return b;
  }

  function withBanner(model) {
    const m = copy(model);
    m.banner = banner();
    return m;
  }

  // A small drawn picture for thumbnails and the full-size view.
  function picture(width, height, label) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, width, height);
    g.strokeStyle = '#000';
    g.lineWidth = Math.max(2, width / 200);
    g.strokeRect(4, 4, width - 8, height - 8);
    g.fillStyle = '#000';
    g.font = `${Math.round(height / 10)}px sans-serif`;
    g.fillText(label, width / 12, height / 2);
    return canvas.toDataURL('image/png').split(',')[1];
  }

  const params = new URLSearchParams(location.search);
  const syncMode = params.get('sync');
  const offersSync = syncMode !== null;

  /** The running sync: "Sync now" polls sync_progress while sync_now has not answered. */
  function runSync() {
    if (syncMode === 'rollback' || syncMode === 'frozen') return fail(syncMode);
    state.syncing = true;
    state.syncStarted = Date.now();
    const answer = copy(state.synced ? F['sync-current'] : F.sync);
    return new Promise((resolve) => setTimeout(() => {
      state.syncing = false;
      state.synced = true;
      resolve(answer);
    }, 2000));
  }

  const commands = {
    start: () => copy(offersSync ? F['start-sync'] : F.start),
    sync_now: () => (offersSync ? runSync() : fail('bad-input')),
    sync_progress: () => {
      const p = copy(F['sync-progress']);
      if (!state.syncing) return { ...p, running: false };
      // The desk's progress shape, moved along by the time since "Sync now".
      const share = Math.min(1, (Date.now() - state.syncStarted) / 1500);
      return share < 1
        ? { ...p, running: true, phase: 'fetching', done: Math.round(p.total * share) }
        : { ...p, running: true, phase: 'verifying', done: p.total };
    },
    unlock: ({ path, method, passphrase, breakGlass }) => {
      const card = F.start.snapshots.find((s) => s.path === path);
      if (!card) return fail('no-snapshot');
      if (method === 'passphrase' && passphrase === 'wrong') return fail('wrong-passphrase');
      if (method === 'device-key' && !card.deviceKey) return fail('no-device-key');
      if (card.validity.state === 'expired' && !(breakGlass && breakGlass.length >= 8)) return fail('expired');
      state.breakGlass = breakGlass ?? null;
      state.method = method;
      const declare = copy(F.declare);
      declare.banner = banner();
      declare.banner.viewer = null;
      return declare;
    },
    declare: ({ name, profession, team, event, authCode }) => {
      const p = F.declare.professions.find((x) => x.key === profession);
      if (!p) return fail('bad-input');
      if (!name?.trim() || !team?.trim()) return fail('refused', 'declaration');
      if (p.needsAuthCode && authCode !== 'DRILL-0000') return fail('refused', 'authorisation');
      state.viewer = { name, profession: { key: p.key, ja: p.ja, en: p.en }, team, event };
      state.profession = profession;
      return withBanner(F.search);
    },
    search: ({ query }) => {
      if (!query?.trim()) return fail('bad-input');
      if (/宮城/.test(query)) return withBanner(F['results-too-broad']);
      state.stale = /stale/.test(query);
      state.letters = /photo/.test(query) ? 'record-documents' : /scan/.test(query) ? 'record-scan' : null;
      const results = withBanner(F.results);
      results.query = query;
      if (/none/.test(query)) results.results = [];
      return results;
    },
    open_record: ({ facility, patientId, confirmed, basis }) => {
      const r = F.results.results.find((x) => x.facility.code === facility && x.patientId === patientId);
      if (!r) return fail('bad-input');
      if (new Set(confirmed).size < 2) return fail('needs-confirmation');
      if (r.consent === 'refused' && !state.breakGlass) return fail('refused', 'consent-refused');
      if (r.consent === 'unknown' && !basis && !state.breakGlass) return fail('needs-basis', 'consent-basis');
      const shown = state.profession === 'clerk' ? 'record-clerk' : state.letters ?? 'record-doctor';
      const record = withBanner(F[shown]);
      record.patient = { ...record.patient, facility: r.facility, patientId: r.patientId, nameKanji: r.nameKanji, nameKana: r.nameKana, dob: r.dob, age: r.age };
      record.access = { ...record.access, consent: r.consent, basis: state.breakGlass ? 'break-glass' : basis ?? 'consent' };
      state.record = record;
      return record;
    },
    break_glass: ({ reason }) => {
      if (!reason || [...reason].length < 8 || state.profession === 'clerk') return fail('refused', 'break-glass');
      state.breakGlass = reason;
      return banner();
    },
    document: ({ blob }) => {
      // The files of the record on screen, as the desk listed them; the bytes are drawn here.
      const files = (state.record?.details?.documents ?? []).flatMap((d) => d.files);
      const thumb = files.find((f) => f.thumbnail === blob);
      if (thumb) return { mediaType: 'image/png', base64: picture(200, 140, `${thumb.name} (thumbnail)`) };
      const file = files.find((f) => f.blob === blob);
      if (!file) return fail('bad-input');
      if (file.mediaType === 'application/pdf') return { mediaType: 'application/pdf', base64: window.__FIXTURES__.pdf };
      if (file.mediaType.startsWith('image/')) return { mediaType: 'image/png', base64: picture(1600, 1100, `${file.name} full size`) };
      return { mediaType: file.mediaType, base64: btoa('<ClinicalDocument/>') };
    },
    mark_step: () => null,
    print_summary: () => {
      const p = withBanner(F.print);
      if (state.record) Object.assign(p, { patient: state.record.patient, access: state.record.access, critical: state.record.critical, summary: state.record.summary });
      return p;
    },
    // The app opens the system print dialog; a browser has its own.
    print_page: () => {
      window.print?.();
      return null;
    },
    activity: () => null,
    lock: () => ({ ...copy(F.lock), viewer: state.viewer, method: state.method }),
    resume: ({ passphrase }) => {
      if (state.method === 'passphrase' && passphrase === 'wrong') return fail('wrong-passphrase');
      return withBanner(F.search);
    },
    close_record: () => {
      state.record = null;
      return null;
    },
    end: () => {
      Object.assign(state, { banner: null, profession: null, breakGlass: null, viewer: null, record: null });
      return copy(F.end);
    },
    set_language: () => null,
  };

  const lang = params.get('lang');
  if (lang === 'en' || lang === 'ja') localStorage.setItem('fieldchart.lang', lang);

  window.__TAURI__ = {
    core: {
      invoke(name, args) {
        const command = commands[name];
        if (!command) return Promise.reject(`command ${name} not found`);
        return new Promise((resolve, reject) => {
          // A short delay, like IPC, so the busy state can be seen.
          setTimeout(() => Promise.resolve().then(() => command(args ?? {})).then(resolve, reject), 60);
        });
      },
    },
  };
})();
