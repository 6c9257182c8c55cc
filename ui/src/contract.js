// The desk's vocabulary, generated from crates/desk/src/contract.rs by
// crates/desk/tests/contract.rs: do not edit. After a change to the desk's types, run
// `UPDATE_EXPECT=1 cargo test -p fieldchart-desk --test contract` to rewrite it.

export const ERROR_KINDS = Object.freeze([
  "no-snapshot",
  "untrusted",
  "wrong-key",
  "no-device-key",
  "wrong-pin",
  "wrong-passphrase",
  "tampered",
  "truncated",
  "expired",
  "clock-wrong",
  "rollback",
  "frozen",
  "revoked",
  "unsupported-version",
  "damaged",
  "refused",
  "needs-basis",
  "needs-confirmation",
  "locked",
  "audit",
  "state",
  "bad-input",
  "io",
  "internal"
]);

export const REFUSAL_RULES = Object.freeze([
  "declaration",
  "authorisation",
  "event-window",
  "expired-snapshot",
  "lease-ended",
  "consent-basis",
  "consent-refused",
  "break-glass",
  "section"
]);

export const VALIDITY_STATES = Object.freeze([
  "valid",
  "superseded",
  "expired",
  "not-yet-valid",
  "untrusted",
  "damaged"
]);

export const IDENTIFIERS = Object.freeze([
  "name",
  "dob",
  "address",
  "phone",
  "patientId"
]);

export const STEPS = Object.freeze([
  {
    "en": "Start",
    "ja": "開始",
    "step": 1
  },
  {
    "en": "Unlock",
    "ja": "解錠",
    "step": 2
  },
  {
    "en": "Who is viewing",
    "ja": "閲覧者の申告",
    "step": 3
  },
  {
    "en": "Find the patient",
    "ja": "患者を探す",
    "step": 4
  },
  {
    "en": "Summary first",
    "ja": "まず要約",
    "step": 5
  },
  {
    "en": "Details",
    "ja": "詳細",
    "step": 6
  },
  {
    "en": "Print",
    "ja": "印刷",
    "step": 7
  },
  {
    "en": "Lock or end",
    "ja": "ロック・終了",
    "step": 8
  }
]);

export const LANGUAGES = Object.freeze([
  "ja",
  "en"
]);

export const METHODS = Object.freeze([
  "device-key",
  "passphrase"
]);

export const LOCATIONS = Object.freeze([
  "local",
  "removable"
]);

export const SYNC_OUTCOMES = Object.freeze([
  "switched",
  "already-current"
]);

export const SYNC_PHASES = Object.freeze([
  "fetching",
  "verifying"
]);
