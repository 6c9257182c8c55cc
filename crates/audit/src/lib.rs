//! The audit trail of a field laptop (issue 4 §3).
//!
//! [`event`] says what is recorded: who looked, at what, on what basis, and what the clock said. The
//! log itself (append-only, hash-chained, device-signed, contents encrypted to the hub's audit
//! recipient) is [`log`].

pub mod event;

pub use event::{
    Actor, ClockAnomaly, ClockInfo, Entry, Event, LegalBasis, Outcome, PatientRef, Record,
    SessionRef, UnlockMethod,
};
