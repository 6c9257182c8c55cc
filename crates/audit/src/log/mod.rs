//! The audit log file (requirements AUD-7 to AUD-9): append-only, hash-chained, signed by the
//! device, each entry's content encrypted to the hub's audit recipient.
//!
//! A log is one UTF-8 file, one JSON object per line, each line ending in a newline:
//!
//! ```text
//! {"seq":0,"format":"fieldchart-audit","version":1,"log":"<32 hex>","device":"<ed25519 public key, base64>","created":"<RFC 3339>","sig":"…"}
//! {"seq":1,"at":"<RFC 3339, local offset>","boot":"<kernel boot id>","mono":<CLOCK_BOOTTIME ns>,"recipient":"age1…","prev":"<hex SHA-256 of line 1>","body":"<base64 age ciphertext of the Entry JSON>","sig":"…"}
//! {"seq":2,…,"prev":"<hex SHA-256 of line 2>",…}
//! ```
//!
//! Beside it, `<log>.head` holds the last finished entry's number and line hash, signed, replaced
//! atomically after every entry: a log cut at an entry boundary is shorter than its head.
//!
//! The plaintext says only when, in which order and to whom the body is encrypted; who looked at
//! what is inside the body, which only the hub's audit key opens. Signatures and chain hashes are
//! checked without it. Exact signed byte strings: [`mod@format`]. Verification rules: [`mod@verify`].
//!
//! What this cannot catch on its own: someone holding the laptop's device key can rewrite the whole
//! log, and someone deleting both the log and its head leaves nothing to check. The forwarded copy
//! at the hub (`fieldchart audit forward`) is the defence against both.

mod clock;
pub mod collected;
mod error;
pub mod format;
mod key;
mod read;
pub mod verify;
mod write;

use std::path::{Path, PathBuf};

pub use clock::{Clock, ClockReading, JUMP_TOLERANCE, SystemClock, WallFrom};
pub use error::{AuditError, VerifyError};
pub use format::FORMAT_VERSION;
pub use key::{DEVICE_KEY_HEADER, DeviceKey, key_made_on, machine_fingerprint};
pub use read::{RawLine, raw_lines, read, read_collected};
pub use verify::{VerifyReport, verify};
pub use write::{Appended, AuditLog, Recovered};

/// The head file of the log at `path`: `<path>.head`.
pub fn head_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".head");
    PathBuf::from(name)
}
