// A stand-in for the Tauri side, for looking at the UI in a plain browser (ui/dev/serve.mjs injects
// it; it is never copied into dist). It answers every command from the unit-test fixtures
// (window.__FIXTURES__, served as /dev/fixtures.js) and plays the desk's refusals so each screen and
// message can be seen:
//   passphrase "wrong" → wrong-passphrase; an expired card without a reason → expired;
//   a "consent unknown" patient without a basis → needs-basis; a refused patient → refused until
//   break-glass; a clerk sees record-clerk.json; query "none" finds nobody; query "stale" makes the
//   data old. Add ?lang=en to start in English (the app itself keeps the choice in localStorage).
(() => {
  const F = window.__FIXTURES__;
  const copy = (value) => JSON.parse(JSON.stringify(value));
  const state = { banner: null, profession: null, breakGlass: null, basis: null, stale: false };

  function fail(kind, message, rule) {
    const error = { kind, message, step: null };
    if (rule) error.rule = rule;
    return Promise.reject(error);
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

  const commands = {
    start: () => copy(F.start),
    unlock: ({ path, method, passphrase, breakGlass }) => {
      const card = F.start.snapshots.find((s) => s.path === path);
      if (!card) return fail('no-snapshot', `no snapshot at ${path}`);
      if (method === 'passphrase' && passphrase === 'wrong') return fail('wrong-passphrase', 'the emergency passphrase is wrong');
      if (method === 'device-key' && !card.deviceKey) return fail('no-device-key', "this laptop's device key was not found");
      if (card.validity.state === 'expired' && !(breakGlass && breakGlass.length >= 8)) {
        return fail('expired', card.validity.message ?? 'the snapshot has expired');
      }
      state.breakGlass = breakGlass ?? null;
      state.method = method;
      const declare = copy(F.declare);
      declare.banner = banner();
      declare.banner.viewer = null;
      return declare;
    },
    declare: ({ name, profession, team, event, authCode }) => {
      const p = F.declare.professions.find((x) => x.key === profession);
      if (!p) return fail('bad-input', `unknown profession ${profession}`);
      if (p.needsAuthCode && authCode !== 'DRILL-0000') return fail('refused', 'the authorisation code is not one the hub issued', 'clerk-authorisation');
      state.viewer = { name, profession: { key: p.key, ja: p.ja, en: p.en }, team, event };
      state.profession = profession;
      return withBanner(F.search);
    },
    search: ({ query }) => {
      if (!query && query !== '') return fail('bad-input', 'the query is empty');
      state.stale = /stale/.test(query);
      const results = withBanner(F.results);
      results.query = query;
      if (/none/.test(query)) results.results = [];
      return results;
    },
    open_record: ({ facility, patientId, confirmed, basis }) => {
      const r = F.results.results.find((x) => x.facility.code === facility && x.patientId === patientId);
      if (!r) return fail('bad-input', 'no such patient');
      if (!(confirmed.includes('name') && confirmed.includes('dob'))) return fail('needs-confirmation', 'fewer than two identifiers confirmed');
      if (r.consent === 'refused' && !state.breakGlass) return fail('refused', 'the patient refused consent', 'consent-refused');
      if (r.consent === 'unknown' && !basis && !state.breakGlass) return fail('needs-basis', 'consent is unknown: choose vital-interest or verbal-consent');
      const record = withBanner(state.profession === 'clerk' ? F['record-clerk'] : F['record-doctor']);
      record.patient = { ...record.patient, facility: r.facility, patientId: r.patientId, nameKanji: r.nameKanji, nameKana: r.nameKana, dob: r.dob, age: r.age };
      record.access = { ...record.access, consent: r.consent, basis: state.breakGlass ? 'break-glass' : basis ?? 'consent' };
      state.record = record;
      return record;
    },
    break_glass: ({ reason }) => {
      if (!reason || [...reason].length < 8) return fail('bad-input', 'a break-glass reason needs at least 8 characters');
      if (state.profession === 'clerk') return fail('refused', 'this profession may not use break-glass', 'profession-section');
      state.breakGlass = reason;
      return banner();
    },
    document: ({ blob }) => {
      if (blob === 13) return { mediaType: 'image/png', base64: picture(200, 140, 'scan.jpg (thumbnail)') };
      if (blob === 12) return { mediaType: 'image/png', base64: picture(1600, 1100, 'scan.jpg full size') };
      if (blob === 14) return { mediaType: 'application/pdf', base64: window.__FIXTURES__.pdf };
      return fail('bad-input', `no blob ${blob}`);
    },
    mark_step: () => null,
    print_summary: () => {
      const p = withBanner(F.print);
      if (state.record) Object.assign(p, { patient: state.record.patient, access: state.record.access, critical: state.record.critical, summary: state.record.summary });
      return p;
    },
    activity: () => null,
    lock: () => ({ ...copy(F.lock), viewer: state.viewer, method: state.method }),
    resume: ({ passphrase }) => {
      if (state.method === 'passphrase' && passphrase === 'wrong') return fail('wrong-passphrase', 'the emergency passphrase is wrong');
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

  const lang = new URLSearchParams(location.search).get('lang');
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
