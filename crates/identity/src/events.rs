//! HL7 v2 link events, where the hub receives them from the regional index: one folder of message
//! files (one message or several per file, any name but a hidden one).
//!
//! - **ADT^A24** (link patient information): the first PID's identifier and the second's are one
//!   person.
//! - **ADT^A37** (unlink patient information): the second PID's identifier is no longer linked
//!   with the first's; a wrong link is undone so.
//! - **ADT^A40** (merge patient identifier list): within one facility, MRG-1's prior ID is the
//!   same patient as PID-3's surviving ID. The storage may still hold data under the prior ID, so
//!   it joins the surviving ID's person rather than vanishing.
//!
//! Each PID's identifier is the first repetition of PID-3 with an ID (CX.1); its facility is CX.4
//! (the assigning authority), else the message's sending facility (MSH-4). Events apply in the
//! order of their time (EVN-2, else MSH-7), then file name and place in the file. Bytes are
//! decoded before anything is split (ISO-2022-JP like the storage; `fieldchart_hl7`).

use std::path::Path;

use fieldchart_hl7::{Hl7Time, Message, Segment, Text};

use crate::{IdentityError, Member};

/// One link event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEvent {
    /// File name and message number (`a24-0001.hl7#1`).
    pub origin: String,
    /// EVN-2, else MSH-7: the start of the period it names, local time, as `YYYYMMDDHHMMSS`
    /// (compared as text).
    pub at: Option<String>,
    /// MSH-10, the message control ID.
    pub control_id: String,
    pub kind: LinkKind,
}

/// What a link event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    Link { a: Member, b: Member },
    Unlink { a: Member, b: Member },
    Merge { surviving: Member, prior: Member },
}

impl LinkKind {
    pub fn name(&self) -> &'static str {
        match self {
            LinkKind::Link { .. } => "link",
            LinkKind::Unlink { .. } => "unlink",
            LinkKind::Merge { .. } => "merge",
        }
    }
}

/// Reads every link event in `dir` (regular files, not hidden ones), in the order they apply.
pub fn read_events(dir: &Path) -> Result<Vec<LinkEvent>, IdentityError> {
    let io = |source| IdentityError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut events = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|source| IdentityError::Io {
            path: path.clone(),
            source,
        })?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let found = parse_events(&bytes, &name).map_err(|reason| IdentityError::Event {
            path: path.clone(),
            reason,
        })?;
        events.extend(found);
    }
    // Stable: equal times keep file and message order.
    events.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(events)
}

/// The link events in one file's bytes; the reason names the message and segment that failed.
pub fn parse_events(bytes: &[u8], name: &str) -> Result<Vec<LinkEvent>, String> {
    let decoded = fieldchart_hl7::decode(bytes);
    let text = decoded.text.as_str();
    let starts: Vec<usize> = text
        .match_indices("MSH|")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || matches!(text.as_bytes()[i - 1], b'\r' | b'\n'))
        .collect();
    if starts.is_empty() {
        return Err("no HL7 message in it (no MSH segment)".into());
    }
    let mut out = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(text.len());
        let origin = format!("{name}#{}", k + 1);
        let (message, _) = Message::parse(Text::from_unicode(&text[start..end]));
        out.extend(
            message_events(&message, &origin)
                .map_err(|reason| format!("message {}: {reason}", k + 1))?,
        );
    }
    Ok(out)
}

fn message_events(message: &Message, origin: &str) -> Result<Vec<LinkEvent>, String> {
    let kind = message.message_type();
    let msh = message.first("MSH").ok_or("no MSH segment")?;
    if kind.code != "ADT" || !matches!(kind.trigger.as_str(), "A24" | "A37" | "A40") {
        return Err(format!(
            "{}^{} is not a link event: this folder takes ADT^A24 (link), ADT^A37 (unlink) and \
             ADT^A40 (merge)",
            kind.code, kind.trigger
        ));
    }
    let sending = msh.field(4).comp(1).map(|s| s.into_owned());
    let at = message
        .first("EVN")
        .and_then(|e| time(&e, 2))
        .or_else(|| time(&msh, 7))
        .ok_or("neither EVN-2 nor MSH-7 gives the event's time")?;
    let control_id = msh
        .field(10)
        .value()
        .map(|s| s.into_owned())
        .unwrap_or_else(|| origin.to_owned());
    let pids: Vec<Segment> = message.all("PID").collect();
    let event = |kind| LinkEvent {
        origin: origin.to_owned(),
        at: Some(at.clone()),
        control_id: control_id.clone(),
        kind,
    };
    match kind.trigger.as_str() {
        "A24" | "A37" => {
            let [first, second] = pids.as_slice() else {
                return Err(format!(
                    "ADT^{} needs two PID segments (the two patients), not {}",
                    kind.trigger,
                    pids.len()
                ));
            };
            let a = identifier(first, 3, sending.as_deref())?;
            let b = identifier(second, 3, sending.as_deref())?;
            if a == b {
                return Err(format!("both PID segments name {a}"));
            }
            Ok(vec![event(if kind.trigger == "A24" {
                LinkKind::Link { a, b }
            } else {
                LinkKind::Unlink { a, b }
            })])
        }
        _ => {
            let mrgs: Vec<Segment> = message.all("MRG").collect();
            if pids.is_empty() || pids.len() != mrgs.len() {
                return Err(format!(
                    "ADT^A40 needs a PID and an MRG segment for each merge, not {} PID and {} MRG",
                    pids.len(),
                    mrgs.len()
                ));
            }
            let mut out = Vec::new();
            for (pid, mrg) in pids.iter().zip(&mrgs) {
                let surviving = identifier(pid, 3, sending.as_deref())?;
                let prior = identifier(mrg, 1, Some(&surviving.facility))?;
                if prior.facility != surviving.facility {
                    return Err(format!(
                        "ADT^A40 merges within one facility, but MRG-1 {prior} and PID-3 \
                         {surviving} are at two; two facilities are linked with ADT^A24"
                    ));
                }
                if prior == surviving {
                    return Err(format!("MRG-1 and PID-3 both name {prior}"));
                }
                out.push(event(LinkKind::Merge { surviving, prior }));
            }
            Ok(out)
        }
    }
}

/// The first repetition of a CX field with an ID, and its facility: CX.4, else `fallback`.
fn identifier(seg: &Segment, field: usize, fallback: Option<&str>) -> Result<Member, String> {
    let label = format!("{}-{field} (line {})", seg.id(), seg.line());
    for rep in seg.field(field).reps() {
        let Some(id) = rep.sub(1, 1).filter(|s| !s.trim().is_empty()) else {
            continue;
        };
        let facility = rep
            .sub(4, 1)
            .map(|s| s.into_owned())
            .or_else(|| fallback.map(str::to_owned))
            .filter(|f| !f.trim().is_empty())
            .ok_or_else(|| {
                format!("{label} names no facility (CX.4), and MSH-4 names no sending facility")
            })?;
        return Ok(Member::new(facility.trim(), id.trim()));
    }
    Err(format!("{label} holds no patient ID"))
}

fn time(seg: &Segment, field: usize) -> Option<String> {
    let raw = seg.field(field).value()?;
    let start = Hl7Time::parse(&raw).start?;
    Some(start.format("%Y%m%d%H%M%S").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(trigger: &str, control: &str, at: &str, rest: &str) -> String {
        format!("MSH|^~\\&|MPI|REGION|HUB|HUB|{at}||ADT^{trigger}^ADT_A24|{control}|P|2.5\r{rest}")
    }

    #[test]
    fn the_three_events_read_with_their_facilities() {
        let a24 = msg(
            "A24",
            "L1",
            "20261201093000",
            "EVN||20261201092500\rPID|1||0001^^^0410610011^PI\rPID|2||A-9^^^0410610029^PI\r",
        );
        let e = parse_events(a24.as_bytes(), "a.hl7").unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].at.as_deref(), Some("20261201092500"), "EVN-2 first");
        assert_eq!(e[0].origin, "a.hl7#1");
        assert_eq!(
            e[0].kind,
            LinkKind::Link {
                a: Member::new("0410610011", "0001"),
                b: Member::new("0410610029", "A-9")
            }
        );
        // MSH-4 names the facility when CX.4 does not; two messages in one file.
        let a40 = format!(
            "{}\n{}",
            "MSH|^~\\&|HIS|0410610011|HUB|HUB|20261202||ADT^A40^ADT_A39|M1|P|2.5\rPID|1||0009^^^^PI\rMRG|0007\r",
            msg(
                "A37",
                "U1",
                "20261203",
                "PID|1||0001^^^0410610011\rPID|2||A-9^^^0410610029\r"
            )
        );
        let e = parse_events(a40.as_bytes(), "b.hl7").unwrap();
        assert_eq!(
            e[0].kind,
            LinkKind::Merge {
                surviving: Member::new("0410610011", "0009"),
                prior: Member::new("0410610011", "0007")
            }
        );
        assert_eq!(e[1].kind.name(), "unlink");
        assert_eq!(e[1].origin, "b.hl7#2");
    }

    #[test]
    fn kanji_in_iso_2022_jp_does_not_split_a_field() {
        // 患者 in JIS holds bytes that are HL7 delimiters in ASCII: decoded first, it stays whole.
        let mut bytes = msg("A24", "L1", "20261201", "PID|1||0001^^^0410610011||").into_bytes();
        bytes.extend_from_slice(b"\x1b$B45<T\x1b(B\rPID|2||0002^^^0410610029\r");
        let e = parse_events(&bytes, "j.hl7").unwrap();
        assert_eq!(e[0].kind.name(), "link");
    }

    #[test]
    fn an_event_that_does_not_read_names_why() {
        let bad = |text: String| parse_events(text.as_bytes(), "x.hl7").unwrap_err();
        assert!(bad("hello".into()).contains("no HL7 message"));
        assert!(bad(msg("A08", "X", "20261201", "PID|1||1^^^F\r")).contains("not a link event"));
        assert!(bad(msg("A24", "X", "20261201", "PID|1||1^^^F\r")).contains("two PID"));
        assert!(bad(msg("A24", "X", "", "PID|1||1^^^F\rPID|2||2^^^G\r")).contains("time"));
        assert!(
            bad(msg("A24", "X", "20261201", "PID|1||1^^^F\rPID|2||\r")).contains("no patient ID")
        );
        let cross = "MSH|^~\\&|HIS|F|HUB|HUB|20261202||ADT^A40|M1|P|2.5\rPID|1||9^^^F\rMRG|7^^^G\r";
        assert!(bad(cross.into()).contains("within one facility"));
    }

    #[test]
    fn a_folder_is_read_in_time_order_whatever_the_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "1-unlink.hl7",
            msg("A37", "U1", "20261203", "PID|1||1^^^F\rPID|2||2^^^G\r"),
        );
        write(
            "2-link.hl7",
            msg("A24", "L1", "20261201", "PID|1||1^^^F\rPID|2||2^^^G\r"),
        );
        write(".partial", "junk".into());
        let e = read_events(dir.path()).unwrap();
        let kinds: Vec<&str> = e.iter().map(|e| e.kind.name()).collect();
        assert_eq!(kinds, ["link", "unlink"]);
        write("3-bad.hl7", "nothing".into());
        let err = read_events(dir.path()).unwrap_err().to_string();
        assert!(err.contains("3-bad.hl7") && err.contains("no HL7"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_events(&bytes, "p.hl7");
        }

        #[test]
        fn parsing_a_message_like_text_never_panics(rest in "[A-Z0-9|^~&\\r]{0,200}") {
            let _ = parse_events(msg("A24", "X", "20261201", &rest).as_bytes(), "p.hl7");
        }
    }
}
