//! One audit-log line as an RFC 5424 syslog message: the validated parts ([`Message`], [`Origin`])
//! and the byte-exact formatting, including structured-data escaping.
//!
//! Every value that ends up in the header is checked when it is built, so formatting cannot fail
//! and never writes a header the collector would misparse (RFC 5424 §6: PRINTUSASCII fields with
//! length limits).

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike};

/// RFC 5424 §6.2.1 facility 13, "log audit": the facility meant for audit records. We do not use
/// authpriv (10): on a hub it carries the machine's own logins and sudo, and IHE ATNA uses it for
/// DICOM audit messages, which these are not (those come from `fieldchart audit export`).
pub const FACILITY_LOG_AUDIT: u8 = 13;

/// The SD-ID of our structured-data element. 32473 is the private enterprise number that
/// RFC 5612 reserves for documentation and examples; a site that registers its own PEN with
/// IANA should put it here (and in the hub's rsyslog configuration).
pub const SD_ID: &str = "fieldchart@32473";

/// RFC 5424 APP-NAME of every message we send.
pub const APP_NAME: &str = "fieldchart";

/// The largest SYSLOG-MSG we send. RFC 5425 §4.3.1 only requires receivers to take 2048 octets;
/// the hub configuration this crate writes raises rsyslog's limit (8 KiB by default) to this.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The collector compares sequence numbers as signed 64-bit integers (rsyslog's `cnum`).
const MAX_SEQ: u64 = i64::MAX as u64;

/// RFC 5424 §6.4: MSG-UTF8 starts with a byte-order mark so the receiver knows the body is UTF-8.
const BOM: &str = "\u{feff}";

/// Severity of an audit message (RFC 5424 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// 5: normal but significant. For entries the privacy officer must see: break-glass, views
    /// without consent, refusals, clock anomalies.
    Notice,
    /// 6: informational. Every other look at the data.
    Info,
}

impl Severity {
    fn code(self) -> u8 {
        match self {
            Severity::Notice => 5,
            Severity::Info => 6,
        }
    }
}

/// Why a value cannot go into an RFC 5424 message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error(
        "audit entry {seq}: its kind {msgid:?} cannot be a syslog MSGID (1 to 32 printable ASCII characters, no spaces)"
    )]
    MsgId { seq: u64, msgid: String },
    #[error(
        "audit entry {seq}: its time {at} is outside the years 0000-9999 that a syslog timestamp can carry"
    )]
    Time { seq: u64, at: String },
    #[error(
        "audit entry {seq}: sequence numbers above {MAX_SEQ} cannot be compared by the hub's collector"
    )]
    SeqTooLarge { seq: u64 },
    #[error(
        "the audit log id {0:?} cannot be sent: it must be 1 to 128 characters without control characters"
    )]
    LogId(String),
    #[error(
        "the host name {0:?} cannot be a syslog HOSTNAME (1 to 255 printable ASCII characters, no spaces)"
    )]
    Hostname(String),
}

/// One audit-log entry to send. `body` is the log line itself, treated as opaque UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    seq: u64,
    at: DateTime<FixedOffset>,
    msgid: String,
    severity: Severity,
    body: String,
}

impl Message {
    /// An informational message. `msgid` names the kind of entry ("view", "search", ...).
    pub fn new(
        seq: u64,
        at: DateTime<FixedOffset>,
        msgid: &str,
        body: String,
    ) -> Result<Self, MessageError> {
        if seq > MAX_SEQ {
            return Err(MessageError::SeqTooLarge { seq });
        }
        if !is_print_us_ascii(msgid, 32) {
            return Err(MessageError::MsgId {
                seq,
                msgid: msgid.to_owned(),
            });
        }
        if !(0..=9999).contains(&at.year()) {
            return Err(MessageError::Time {
                seq,
                at: at.to_string(),
            });
        }
        Ok(Message {
            seq,
            at,
            msgid: msgid.to_owned(),
            severity: Severity::Info,
            body,
        })
    }

    /// The same message at another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn at(&self) -> DateTime<FixedOffset> {
        self.at
    }

    pub fn msgid(&self) -> &str {
        &self.msgid
    }

    pub fn severity(&self) -> Severity {
        self.severity
    }

    pub fn body(&self) -> &str {
        &self.body
    }

    /// The RFC 5424 SYSLOG-MSG:
    /// `<PRI>1 TIMESTAMP HOSTNAME fieldchart - MSGID [fieldchart@32473 log=".." seq=".."] BOM body`.
    pub fn to_rfc5424(&self, origin: &Origin) -> String {
        let pri = u16::from(FACILITY_LOG_AUDIT) * 8 + u16::from(self.severity.code());
        format!(
            "<{pri}>1 {time} {host} {APP_NAME} - {msgid} [{SD_ID} log=\"{log}\" seq=\"{seq}\"] {BOM}{body}",
            time = timestamp(self.at),
            host = origin.hostname,
            msgid = self.msgid,
            log = escape_sd_value(origin.log.as_str()),
            seq = self.seq,
            body = self.body,
        )
    }
}

/// RFC 5424 §6.2.3 TIMESTAMP: RFC 3339 with at most six fractional digits, and no leap second
/// (chrono keeps one as a nanosecond count of a second or more; we show it as the second before).
fn timestamp(at: DateTime<FixedOffset>) -> String {
    let at = if at.nanosecond() >= 1_000_000_000 {
        at.with_nanosecond(999_999_999).unwrap_or(at)
    } else {
        at
    };
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Which log the messages come from, and from which machine: the parts of every message that do
/// not change from one entry to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    hostname: Hostname,
    log: LogId,
}

impl Origin {
    pub fn new(hostname: Hostname, log: LogId) -> Self {
        Origin { hostname, log }
    }

    pub fn hostname(&self) -> &Hostname {
        &self.hostname
    }

    pub fn log(&self) -> &LogId {
        &self.log
    }
}

/// The id of one audit log: the hub keys replay detection on (log id, seq).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogId(String);

impl LogId {
    /// 1 to 128 characters, none of them a control character (the collector writes control
    /// characters as `#012`-style escapes, which would split one log into two).
    pub fn new(id: &str) -> Result<Self, MessageError> {
        let chars = id.chars().count();
        if (1..=128).contains(&chars) && !id.chars().any(char::is_control) {
            Ok(LogId(id.to_owned()))
        } else {
            Err(MessageError::LogId(id.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5424 §6.2.4 HOSTNAME of the sending machine, or `-` when it is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostname(String);

impl Hostname {
    pub fn new(name: &str) -> Result<Self, MessageError> {
        if is_print_us_ascii(name, 255) {
            Ok(Hostname(name.to_owned()))
        } else {
            Err(MessageError::Hostname(name.to_owned()))
        }
    }

    /// The NILVALUE: the sender does not know its name.
    pub fn unknown() -> Self {
        Hostname("-".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5424 PRINTUSASCII (%d33-126), 1 to `max` characters.
fn is_print_us_ascii(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.bytes().all(|b| (33..=126).contains(&b))
}

/// RFC 5424 §6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` MUST be escaped with a backslash.
fn escape_sd_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// RFC 5425 §4.3 octet-counting framing: `MSG-LEN SP SYSLOG-MSG`, where MSG-LEN counts bytes,
/// not characters (a kanji is three).
pub fn octet_counted(syslog_msg: &str) -> Vec<u8> {
    let mut frame = format!("{} ", syslog_msg.len()).into_bytes();
    frame.extend_from_slice(syslog_msg.as_bytes());
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The parts of a SYSLOG-MSG as a receiver reads them back: the reverse of `to_rfc5424`,
    /// written from RFC 5424 §6 rather than from the formatter, so a round trip checks both.
    #[derive(Debug, PartialEq)]
    struct Parsed {
        pri: u16,
        timestamp: String,
        hostname: String,
        app_name: String,
        procid: String,
        msgid: String,
        sd_id: String,
        params: Vec<(String, String)>,
        msg: String,
    }

    fn parse(msg: &str) -> Option<Parsed> {
        let rest = msg.strip_prefix('<')?;
        let (pri, rest) = rest.split_once('>')?;
        let rest = rest.strip_prefix("1 ")?;
        let mut header = rest.splitn(6, ' ');
        let timestamp = header.next()?.to_owned();
        let hostname = header.next()?.to_owned();
        let app_name = header.next()?.to_owned();
        let procid = header.next()?.to_owned();
        let msgid = header.next()?.to_owned();
        let rest = header.next()?.strip_prefix('[')?;
        let (sd_id, mut rest) = rest.split_once(' ')?;
        let mut params = Vec::new();
        loop {
            let (name, after) = rest.split_once("=\"")?;
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => value.push(chars.next()?.1),
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            params.push((name.to_owned(), value));
            rest = after.get(end + 1..)?;
            if let Some(after_sd) = rest.strip_prefix(']') {
                rest = after_sd;
                break;
            }
            rest = rest.strip_prefix(' ')?;
        }
        let msg = rest.strip_prefix(' ')?.strip_prefix(BOM)?.to_owned();
        Some(Parsed {
            pri: pri.parse().ok()?,
            timestamp,
            hostname,
            app_name,
            procid,
            msgid,
            sd_id: sd_id.to_owned(),
            params,
            msg,
        })
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn origin(log: &str) -> Origin {
        Origin::new(
            Hostname::new("dmat-laptop-07").expect("host"),
            LogId::new(log).expect("log id"),
        )
    }

    #[test]
    fn message_is_formatted_as_rfc5424_with_our_structured_data() {
        let m = Message::new(
            42,
            at("2026-03-11T14:46:18.123456789+09:00"),
            "view",
            r#"{"k":"v"}"#.to_owned(),
        )
        .expect("valid");
        assert_eq!(
            m.to_rfc5424(&origin("log-1")),
            "<110>1 2026-03-11T14:46:18.123456+09:00 dmat-laptop-07 fieldchart - view \
             [fieldchart@32473 log=\"log-1\" seq=\"42\"] \u{feff}{\"k\":\"v\"}"
        );
    }

    #[test]
    fn notice_entries_carry_pri_109_and_utc_times_end_in_z() {
        let m = Message::new(1, at("2026-03-11T05:46:18Z"), "break-glass", "x".into())
            .expect("valid")
            .with_severity(Severity::Notice);
        assert!(
            m.to_rfc5424(&origin("l"))
                .starts_with("<109>1 2026-03-11T05:46:18.000000Z ")
        );
    }

    #[test]
    fn a_leap_second_is_sent_as_the_last_instant_of_the_minute() {
        let leap = at("2016-12-31T23:59:59Z")
            .with_nanosecond(1_500_000_000)
            .expect("chrono represents leap seconds");
        let m = Message::new(1, leap, "view", String::new()).expect("valid");
        assert!(
            m.to_rfc5424(&origin("l"))
                .contains(" 2016-12-31T23:59:59.999999Z ")
        );
    }

    #[test]
    fn structured_data_escapes_quote_backslash_and_bracket() {
        assert_eq!(escape_sd_value(r#"a"b\c]d[e"#), r#"a\"b\\c\]d[e"#);
        let m = Message::new(7, at("2026-01-01T00:00:00Z"), "view", "body".into()).expect("ok");
        let text = m.to_rfc5424(&origin(r#"ward "7" \ [east]"#));
        assert!(text.contains(r#"[fieldchart@32473 log="ward \"7\" \\ [east\]" seq="7"]"#));
    }

    #[test]
    fn framing_counts_bytes_not_characters() {
        let m = Message::new(3, at("2026-01-01T00:00:00Z"), "view", "山田太郎".into()).expect("ok");
        let text = m.to_rfc5424(&origin("l"));
        let frame = octet_counted(&text);
        let (len, rest) = std::str::from_utf8(&frame)
            .expect("utf-8")
            .split_once(' ')
            .expect("length prefix");
        assert_eq!(len.parse::<usize>().expect("number"), rest.len());
        // Four kanji are twelve bytes and the byte-order mark three more.
        assert_eq!(rest.len(), text.chars().count() + 4 * 2 + 2);
    }

    #[test]
    fn invalid_header_values_are_refused_when_the_message_is_built() {
        let t = at("2026-01-01T00:00:00Z");
        assert!(matches!(
            Message::new(1, t, "two words", String::new()),
            Err(MessageError::MsgId { .. })
        ));
        assert!(matches!(
            Message::new(1, t, "", String::new()),
            Err(MessageError::MsgId { .. })
        ));
        assert!(matches!(
            Message::new(1, t, &"x".repeat(33), String::new()),
            Err(MessageError::MsgId { .. })
        ));
        assert!(matches!(
            Message::new(1, t, "閲覧", String::new()),
            Err(MessageError::MsgId { .. })
        ));
        assert!(matches!(
            Message::new(u64::MAX, t, "view", String::new()),
            Err(MessageError::SeqTooLarge { .. })
        ));
        let far = at("9999-12-31T23:59:59+00:00") + chrono::Duration::days(2);
        assert!(matches!(
            Message::new(1, far, "view", String::new()),
            Err(MessageError::Time { .. })
        ));
        assert!(Hostname::new("has space").is_err());
        assert!(Hostname::new("").is_err());
        assert!(LogId::new("").is_err());
        assert!(LogId::new("line\nbreak").is_err());
        assert!(LogId::new(&"x".repeat(129)).is_err());
    }

    fn print_us_ascii(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[!-~]{{1,{max}}}")).expect("regex")
    }

    proptest! {
        #[test]
        fn every_valid_message_parses_back_to_its_parts(
            seq in 0..=MAX_SEQ,
            secs in 0i64..253_402_300_799,
            micros in 0u32..1_000_000,
            offset_min in -(23 * 60 + 59)..=(23 * 60 + 59),
            msgid in print_us_ascii(32),
            host in print_us_ascii(255),
            log in "[^\\p{Cc}]{1,128}",
            body in any::<String>(),
            notice in any::<bool>(),
        ) {
            let offset = FixedOffset::east_opt(offset_min * 60).expect("offset");
            let at = DateTime::from_timestamp(secs, micros * 1000).expect("time").with_timezone(&offset);
            prop_assume!((0..=9999).contains(&at.year()));
            let severity = if notice { Severity::Notice } else { Severity::Info };
            let m = Message::new(seq, at, &msgid, body.clone()).expect("valid").with_severity(severity);
            let text = m.to_rfc5424(&origin_of(&host, &log));
            let parsed = parse(&text).expect("parses");
            prop_assert_eq!(parsed.pri, 13 * 8 + u16::from(severity.code()));
            prop_assert_eq!(DateTime::parse_from_rfc3339(&parsed.timestamp).expect("rfc3339"), at);
            prop_assert_eq!(parsed.hostname, host);
            prop_assert_eq!(parsed.app_name, "fieldchart");
            prop_assert_eq!(parsed.procid, "-");
            prop_assert_eq!(parsed.msgid, msgid);
            prop_assert_eq!(parsed.sd_id, SD_ID);
            prop_assert_eq!(parsed.params, vec![("log".to_owned(), log), ("seq".to_owned(), seq.to_string())]);
            prop_assert_eq!(parsed.msg, body);
        }

        #[test]
        fn escaped_sd_values_never_end_the_value_or_the_element_early(value in any::<String>()) {
            let escaped = escape_sd_value(&value);
            let mut unescaped = String::new();
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                prop_assert!(c != '"' && c != ']', "unescaped {:?} in {:?}", c, escaped);
                if c == '\\' {
                    let next = chars.next();
                    prop_assert!(matches!(next, Some('"' | '\\' | ']')), "dangling escape in {:?}", escaped);
                    unescaped.extend(next);
                } else {
                    unescaped.push(c);
                }
            }
            prop_assert_eq!(unescaped, value);
        }

        #[test]
        fn frame_length_is_the_byte_length_of_any_message(text in any::<String>()) {
            let frame = octet_counted(&text);
            let digits = frame.iter().position(|&b| b == b' ').expect("space after the length");
            let len: usize = std::str::from_utf8(&frame[..digits]).expect("ascii").parse().expect("number");
            prop_assert_eq!(len, frame.len() - digits - 1);
            prop_assert_eq!(&frame[digits + 1..], text.as_bytes());
        }
    }

    fn origin_of(host: &str, log: &str) -> Origin {
        Origin::new(
            Hostname::new(host).expect("host"),
            LogId::new(log).expect("log id"),
        )
    }
}
