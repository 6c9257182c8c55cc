//! The audit trail of a field laptop (requirements AUD-1 to AUD-14).
//!
//! [`event`] says what is recorded: who looked, at what, on what basis, and what the clock said. The
//! log itself (append-only, hash-chained, device-signed, contents encrypted to the hub's audit
//! recipient) is [`log`]: [`AuditLog`] writes it, [`verify()`] checks it without any key, [`read`]
//! decrypts it with the hub's audit key and [`raw_lines`] hands the verified lines to the forwarder.
//!
//! Not here: deciding what may be viewed (the policy), the export formats and the forwarding
//! transport. They build on these types.

pub mod event;
pub mod floor;
pub mod log;

pub use event::{
    Actor, ClockAnomaly, ClockInfo, Entry, Event, LegalBasis, Outcome, PatientRef, Record,
    SessionRef, UnlockMethod,
};
pub use log::{
    Appended, AuditError, AuditLog, Clock, ClockReading, DeviceKey, RawLine, Recovered,
    SystemClock, VerifyError, VerifyReport, head_path, raw_lines, read, verify,
};
