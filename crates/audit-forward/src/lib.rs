//! Forwards a field laptop's audit log to the hub: RFC 5424 messages over TLS (RFC 5425),
//! store-and-forward (requirements AUD-17,
//! `fieldchart audit forward LOG --syslog HOST:PORT --ca FILE`).
//!
//! In: the log's entries as [`Message`]s (sequence number, time, kind, the line itself), the log's
//! id and this machine's name ([`Origin`]), the hub ([`Destination`]) and the CA its certificate
//! must chain to ([`TrustedCa`]). Out: each entry delivered once to the hub, and beside the log a
//! state file (`<log>.forwarded`, [`state_path_for`]) holding, per hub, the highest sequence number
//! it acknowledged. This crate knows nothing of the log's file format, hash chain or encryption
//! (that is `fieldchart-audit`): lines are opaque UTF-8, and nothing here prints them.
//!
//! # The message
//! `<110>1 2026-03-11T14:46:18.000000+09:00 HOST fieldchart - view [fieldchart@32473 log="…"
//! seq="…"] BOM line`: facility 13 "log audit" ([`FACILITY_LOG_AUDIT`] says why not authpriv),
//! severity info, or notice for what the privacy officer must see; `32473` is the documentation
//! PEN of RFC 5612, to be replaced by a registered one. Frames are octet-counted
//! (`MSG-LEN SP SYSLOG-MSG`, a byte count), one TLS record per entry.
//!
//! # What "acknowledged" means
//! RFC 5425 has no application-level acknowledgement. Entries go in batches (64 by default), one
//! TLS connection per batch. After the batch we send TLS close_notify and shut down our write
//! half; the batch is acknowledged only when the hub then sends its own close_notify *and* its
//! TCP side ends with FIN, not a reset. TLS delivers in order, so a hub that has read our
//! close_notify has read every entry before it. Only then is the state advanced (and fsync'd). Any
//! other ending — a write error, a reset, a timeout, a TCP close without close_notify — makes the
//! batch unacknowledged: we reconnect (bounded retries, doubling backoff, [`RetryPolicy`]) and
//! resend from the last acknowledged entry. Each entry carries its (log, seq), so the hub drops
//! the part of a broken batch it had already received ([`RsyslogCollector`]).
//!
//! Measured against rsyslog 8.2302 (Debian 12) on loopback:
//! - The `ossl` driver answers our close_notify with its own, 0.07–0.45 ms after we send ours, then
//!   closes with FIN. The `gtls` driver closes TCP *without* close_notify, which is what a proxy or
//!   middlebox cutting the connection also looks like; accepting that as an acknowledgement lost
//!   entries in the cut-connection test. So the hub must use `ossl`, and against `gtls` every
//!   batch fails (test `a_collector_that_closes_without_close_notify_never_counts_as_acknowledging`).
//! - rsyslogd stopped mid-batch still sends close_notify on its way out, but closes with our
//!   entries unread in its socket, so the kernel sends a reset. Without the FIN check, 14 stops
//!   during a 3000-entry batch gave 8 acknowledgements of batches the hub had not fully written
//!   (1151–2537 of 3000); with it, 16 stops gave none (2 batches acknowledged, both complete).
//! - With two connections cut at random points of a 500-entry run, 23 to 108 entries arrived
//!   twice on the wire; the hub's replay filter wrote each once.
//! - rsyslog 8.2302's ossl driver closes each session's socket twice (fixed upstream by rsyslog
//!   PR #6375). When an output file was opened between the two closes, the collector wrote
//!   accepted entries in plain text onto the next device's TLS connection (about 1 test run in
//!   4). The forwarder saw garbage after the hub's close_notify, refused the acknowledgement and
//!   resent, so nothing was lost on the device's side; the hub's file missed those entries. The
//!   test harness opens the hub's files before any session closes; a hub needs the fixed
//!   rsyslog (see `deploy/rsyslog/fieldchart-audit.conf`).
//!
//! What remains: acknowledged means rsyslogd's input read the entry, not that it is on disk (a
//! hub that crashes before its queue is written loses it); the hub's replay filter lives in
//! memory, so after a hub restart a resent entry can be written twice (readers key on (log, seq)).
//! RELP, with its per-message acknowledgements, is the protocol without these gaps.

mod collector;
mod destination;
mod forward;
mod message;
mod state;
mod transport;

use std::path::PathBuf;

pub use collector::RsyslogCollector;
pub use destination::{Destination, DestinationError};
pub use forward::{ForwardReport, Forwarder, RetryPolicy};
pub use message::{
    APP_NAME, FACILITY_LOG_AUDIT, Hostname, LogId, MAX_MESSAGE_BYTES, Message, MessageError,
    Origin, SD_ID, Severity, octet_counted,
};
pub use state::{ForwardState, StateError, state_path_for};
pub use transport::{Failure, Timeouts, TrustedCa};

/// Why forwarding stopped. Each message names the hub or file at fault and what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("cannot read the CA file {path}: {source}")]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the CA file {path} cannot be used: {reason}")]
    CaCertificate { path: PathBuf, reason: String },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(
        "audit entry {seq} comes after entry {previous}; entries must be given in increasing sequence order"
    )]
    OutOfOrder { previous: u64, seq: u64 },
    #[error(
        "audit entry {seq} is {bytes} bytes as a syslog message, more than the {max} the hub is set up to take"
    )]
    TooLarge { seq: u64, bytes: usize, max: usize },
    #[error(
        "{destination} has acknowledged entries up to {acknowledged}, but this log {}: it may have been truncated or replaced; run `fieldchart audit verify` on it",
        ends(*.last)
    )]
    LogBehindHub {
        destination: String,
        acknowledged: u64,
        last: Option<u64>,
    },
    #[error(
        "the syslog server {destination} presented a certificate that {ca} does not vouch for ({source}); the TLS handshake stopped before any entry was sent. Check --ca and that the hub's certificate names {destination}. {}",
        progress(*.acknowledged)
    )]
    Untrusted {
        destination: String,
        ca: PathBuf,
        source: Box<rustls::Error>,
        acknowledged: Option<u64>,
    },
    #[error(
        "could not deliver the audit log to {destination} ({} failed); last: {last}. {}",
        tries(*.attempts), progress(*.acknowledged)
    )]
    Undelivered {
        destination: String,
        attempts: u32,
        last: Failure,
        acknowledged: Option<u64>,
    },
    /// Mid-run, the destination answered with another collector's certificate (a failover, a DNS
    /// change): nothing more is sent to it as if it were the first.
    #[error(
        "{destination} answered as another collector mid-run ({found}, not {expected}); stopped, and the next run starts from what that collector has. {}",
        progress(*.acknowledged)
    )]
    OtherHub {
        destination: String,
        expected: String,
        found: String,
        acknowledged: Option<u64>,
    },
}

fn ends(last: Option<u64>) -> String {
    match last {
        Some(last) => format!("ends at entry {last}"),
        None => "is empty".to_owned(),
    }
}

fn tries(attempts: u32) -> String {
    match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    }
}

fn progress(acknowledged: Option<u64>) -> String {
    match acknowledged {
        Some(seq) => format!(
            "The hub has confirmed entries up to {seq}; run the command again to send the rest."
        ),
        None => "The hub has confirmed no entry yet; run the command again once it is reachable."
            .to_owned(),
    }
}
