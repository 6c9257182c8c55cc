//! Bytes to HL7 v2.5 messages, for SS-MIX2 files.
//!
//! This crate owns two steps and nothing else: [`decode`] turns a file's bytes into Unicode [`Text`]
//! (ISO-2022-JP, falling back to UTF-8 and then Shift_JIS/CP932), and [`Message::parse`] splits that text
//! into segments, fields, repetitions, components and subcomponents, undoing escapes on demand.
//!
//! It knows nothing of SS-MIX2 folders, condition flags or clinical meaning; that is the storage and
//! reader crates' business.
//!
//! Architecture invariants:
//! - Decode first, then split. [`Message::parse`] takes a [`Text`], which only [`decode`] or a Rust
//!   string can make, so raw bytes are never split (SS-MIX2 guide §4: delimiter bytes occur inside JIS
//!   two-byte runs).
//! - Nothing here panics or returns `Err` on bad input. Every function returns what it could read plus
//!   issues.
//!
//! ```
//! use fieldchart_hl7::{decode, Message};
//! let bytes = b"MSH|^~\\&|HIS|||||20111220||ADT^A08^ADT_A01|1|P|2.5\rPID|1||0001||\x1b$B45<T\x1b(B^\x1b$BB@O:\x1b(B";
//! let decoded = decode(bytes);
//! let (message, issues) = Message::parse(decoded.text);
//! assert!(issues.is_empty());
//! assert_eq!(message.first("PID").unwrap().field(5).comp(1).as_deref(), Some("患者"));
//! ```

pub mod decode;
pub mod escape;
pub mod message;
pub mod time;

pub use decode::{DecodeIssue, Decoded, Encoding, Text, decode};
pub use message::{Delimiters, Field, Message, MessageType, ParseIssue, Rep, Segment, Severity};
pub use time::{Hl7Time, Precision};
