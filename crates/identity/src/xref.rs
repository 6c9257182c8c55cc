//! The master patient index's export: linked (facility, patient ID) groups, one file.
//!
//! UTF-8 text, tab- or comma-separated (as the header line is), `#` comments and blank lines
//! skipped. The first other line is a header naming one of two layouts:
//!
//! ```text
//! group_id   facility     patient_id       one row per identifier a linked person has
//! P-000017   0410610011   0000012345
//! P-000017   0410610029   A-88231
//!
//! facility_a id_a  facility_b  id_b        one row per linked pair (the drill generator's)
//! 0410610011 0000012345  0410610029  A-88231
//! ```
//!
//! In the group layout the index's own group ID is kept; one identifier in two groups is refused
//! (one ID belongs to one person). In the pair layout, pairs that share an identifier make one
//! group. Anything that does not read is refused with its line number.

use std::path::Path;

use crate::{IdentityError, Member};

/// The longest facility code or patient ID accepted: SS-MIX2's are 10 digits and a few dozen
/// characters at most; anything longer is a column mix-up.
const MAX_ID: usize = 64;

/// One data line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XrefRow {
    /// 1-based line number in the file.
    pub line: usize,
    /// The index's group ID (group layout), or None for a linked pair.
    pub group: Option<String>,
    /// One member (group layout) or two (pair layout).
    pub members: Vec<Member>,
}

/// Reads a cross-reference file.
pub fn read_xref(path: &Path) -> Result<Vec<XrefRow>, IdentityError> {
    let text = std::fs::read_to_string(path).map_err(|source| IdentityError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_xref(&text).map_err(|(line, reason)| IdentityError::Line {
        path: path.to_owned(),
        line,
        reason,
    })
}

/// The persons an export's text makes ([`parse_xref`], then [`crate::Links::from_rows`]); on
/// failure, the line number and the reason.
pub fn links_of_xref(text: &str) -> Result<crate::Links, (usize, String)> {
    crate::Links::from_rows(&parse_xref(text)?)
}

#[derive(Clone, Copy)]
enum Layout {
    Groups,
    Pairs,
}

/// Parses a cross-reference file's text; on failure, the 1-based line number and the reason.
pub fn parse_xref(text: &str) -> Result<Vec<XrefRow>, (usize, String)> {
    let mut rows = Vec::new();
    let mut layout: Option<(Layout, char)> = None;
    for (i, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((layout, sep)) = layout else {
            layout = Some(header(line).map_err(|reason| (n, reason))?);
            continue;
        };
        let fields: Vec<&str> = line.split(sep).map(str::trim).collect();
        let want = match layout {
            Layout::Groups => 3,
            Layout::Pairs => 4,
        };
        if fields.len() != want {
            return Err((
                n,
                format!(
                    "{} columns where the header has {want}{}",
                    fields.len(),
                    if sep == '\t' && fields.len() == 1 && line.contains(',') {
                        " (the header is tab-separated, this line is not)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let member = |facility: &str, id: &str| -> Result<Member, (usize, String)> {
            check("facility code", facility).map_err(|r| (n, r))?;
            check("patient ID", id).map_err(|r| (n, r))?;
            Ok(Member::new(facility, id))
        };
        rows.push(match layout {
            Layout::Groups => {
                check("group ID", fields[0]).map_err(|r| (n, r))?;
                XrefRow {
                    line: n,
                    group: Some(fields[0].to_owned()),
                    members: vec![member(fields[1], fields[2])?],
                }
            }
            Layout::Pairs => {
                let a = member(fields[0], fields[1])?;
                let b = member(fields[2], fields[3])?;
                if a == b {
                    return Err((n, format!("links {a} with itself")));
                }
                XrefRow {
                    line: n,
                    group: None,
                    members: vec![a, b],
                }
            }
        });
    }
    Ok(rows)
}

/// The layout and separator a header line names.
fn header(line: &str) -> Result<(Layout, char), String> {
    let line = line.trim_start_matches('\u{feff}');
    let sep = if line.contains('\t') { '\t' } else { ',' };
    let names: Vec<String> = line
        .split(sep)
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match names.as_slice() {
        ["group_id", "facility", "patient_id"] => Ok((Layout::Groups, sep)),
        ["facility_a", "id_a", "facility_b", "id_b"] => Ok((Layout::Pairs, sep)),
        _ => Err(format!(
            "the first line must be a header: group_id, facility, patient_id (one row per \
             identifier) or facility_a, id_a, facility_b, id_b (one row per linked pair), tab- or \
             comma-separated; it is {line:?}"
        )),
    }
}

fn check(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if value.chars().count() > MAX_ID {
        return Err(format!(
            "the {what} is longer than {MAX_ID} characters (columns mixed up?)"
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '/')
    {
        return Err(format!(
            "the {what} {value:?} holds a space, a slash or a control character"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_read_in_tabs_or_commas() {
        let groups = "\u{feff}# exported 2026-12-01\ngroup_id\tfacility\tpatient_id\nP1\t0410610011\t0001\nP1\t0410610029\tA-9\n";
        let rows = parse_xref(groups).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].group.as_deref(), Some("P1"));
        assert_eq!(rows[1].members, [Member::new("0410610029", "A-9")]);
        let pairs = "Facility_A, ID_A, Facility_B, ID_B\r\n0410610011, 0001, 0410610029, A-9\r\n";
        let rows = parse_xref(pairs).unwrap();
        assert_eq!(rows[0].members.len(), 2);
        assert_eq!(rows[0].group, None);
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number() {
        let bad = |text: &str| parse_xref(text).unwrap_err();
        assert_eq!(bad("facility,patient_id\n").0, 1);
        assert!(bad("facility,patient_id\n").1.contains("header"));
        let (n, why) = bad("group_id\tfacility\tpatient_id\nP1\t0410610011\n");
        assert_eq!(n, 2);
        assert!(why.contains("2 columns"), "{why}");
        let (n, why) = bad("group_id\tfacility\tpatient_id\n\nP1\t0410610011\t\n");
        assert_eq!(n, 3);
        assert!(why.contains("patient ID is empty"), "{why}");
        let (_, why) = bad("facility_a\tid_a\tfacility_b\tid_b\nF\t1\tF\t1\n");
        assert!(why.contains("itself"), "{why}");
        let (_, why) = bad("group_id\tfacility\tpatient_id\nP1\t0410610011\tyamada hanako\n");
        assert!(why.contains("space"), "{why}");
        let (_, why) = bad("group_id\tfacility\tpatient_id\nP1,0410610011,0001\n");
        assert!(why.contains("tab-separated"), "{why}");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,400}") {
            let _ = parse_xref(&text);
        }

        #[test]
        fn a_written_group_file_reads_back(ids in proptest::collection::vec(("[0-9]{10}", "[A-Z0-9-]{1,12}"), 1..20)) {
            let mut text = String::from("group_id\tfacility\tpatient_id\n");
            for (i, (f, p)) in ids.iter().enumerate() {
                text.push_str(&format!("G{}\t{f}\t{p}\n", i / 2));
            }
            let rows = parse_xref(&text).unwrap();
            proptest::prop_assert_eq!(rows.len(), ids.len());
        }
    }
}
