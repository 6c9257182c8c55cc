//! The hub's consent list (requirements POL-10, POL-12): which patients consented to sharing and
//! which refused. SS-MIX2 storage does not carry consent, so the hub keeps it beside the storage
//! and hands it to the build with `--consent FILE`.
//!
//! The file is UTF-8 CSV, one patient per line: `facility,patient_id,state`, where state is
//! `consented` or `refused` (同意 / 拒否 also read), or `unknown` to list a patient explicitly
//! without a decision. Blank lines and lines starting with `#` are skipped. The first other line may
//! be the header docs/policy.md shows, `facility,patient_id,state` (any case, spaces around the
//! commas allowed); only a line naming exactly those three columns is a header, anything else is a
//! data line. A line that does not read is an error naming its number: a consent list is not
//! something to guess at.

use std::path::Path;

use fieldchart_policy::Consent;

use crate::BuildError;

/// One patient's consent as the hub recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    pub facility: String,
    pub patient_id: String,
    pub consent: Consent,
}

/// Reads a consent list file.
pub fn read_consent(path: &Path) -> Result<Vec<ConsentRow>, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|source| BuildError::Io {
        what: format!("reading the consent list {}", path.display()),
        source,
    })?;
    parse_consent(&text).map_err(|(line, reason)| BuildError::Consent {
        path: path.to_path_buf(),
        line,
        reason,
    })
}

/// Parses a consent list; on failure, the 1-based line number and the reason.
pub fn parse_consent(text: &str) -> Result<Vec<ConsentRow>, (usize, String)> {
    let mut rows: Vec<ConsentRow> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut first = true;
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if std::mem::take(&mut first) {
            if is_header(&fields) {
                continue;
            }
            // A header naming other columns must not become a patient called "patient_id".
            if fields
                .first()
                .is_some_and(|f| f.eq_ignore_ascii_case("facility"))
            {
                return Err((
                    n,
                    "this looks like a header but is not the documented one; write \
                     facility,patient_id,state or leave the header out"
                        .into(),
                ));
            }
        }
        let [facility, patient_id, state] = fields[..] else {
            return Err((
                n,
                format!(
                    "expected facility,patient_id,state (3 fields), found {}",
                    fields.len()
                ),
            ));
        };
        if facility.is_empty() || patient_id.is_empty() {
            return Err((n, "facility and patient_id must not be empty".into()));
        }
        let consent = Consent::parse(state).ok_or_else(|| {
            (
                n,
                format!("unknown consent state {state:?} (consented, refused or unknown)"),
            )
        })?;
        let key = (facility.to_string(), patient_id.to_string());
        if let Some(first) = seen.insert(key, n) {
            return Err((
                n,
                format!("{facility},{patient_id} is listed twice (first on line {first})"),
            ));
        }
        rows.push(ConsentRow {
            facility: facility.into(),
            patient_id: patient_id.into(),
            consent,
        });
    }
    Ok(rows)
}

/// The documented header: the three column names, in order.
fn is_header(fields: &[&str]) -> bool {
    const COLUMNS: [&str; 3] = ["facility", "patient_id", "state"];
    fields.len() == COLUMNS.len()
        && fields
            .iter()
            .zip(COLUMNS)
            .all(|(field, column)| field.eq_ignore_ascii_case(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CSV example of docs/policy.md's consent section, as the operator copies it.
    fn documented_example() -> String {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/policy.md"))
                .expect("docs/policy.md");
        let section = doc
            .split("## 4. Consent")
            .nth(1)
            .expect("the consent section");
        let block = section
            .split("```")
            .nth(1)
            .expect("a code block in the consent section");
        block.trim_start_matches('\n').to_string()
    }

    #[test]
    fn the_documented_example_with_its_header_reads() {
        let example = documented_example();
        assert!(
            example.starts_with("facility,patient_id,state\n"),
            "{example}"
        );
        let rows = parse_consent(&example).expect("the documented example reads");
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r.facility != "facility"));
        // Also after a comment, in capitals and with spaces.
        let rows = parse_consent(&format!(
            "# exported by the hub\n\nFacility , Patient_ID , State\n{}",
            example.lines().skip(1).collect::<Vec<_>>().join("\n")
        ))
        .unwrap();
        assert_eq!(rows.len(), parse_consent(&example).unwrap().len());
    }

    #[test]
    fn only_a_line_naming_the_three_columns_is_a_header() {
        for not_a_header in [
            "facility,patient_id",
            "facility,patient_id,state,extra",
            "facility,patient,consent",
        ] {
            let err = parse_consent(&format!("{not_a_header}\n0101,P1,consented\n")).unwrap_err();
            assert_eq!(err.0, 1, "{not_a_header}: {err:?}");
            assert!(err.1.contains("not the documented one"), "{err:?}");
        }
        // A header later in the file is a bad data line, with its number.
        let (line, reason) =
            parse_consent("0101,P1,consented\nfacility,patient_id,state\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(reason.contains("\"state\""), "{reason}");
    }

    #[test]
    fn a_consent_list_reads_with_header_comments_and_japanese_states() {
        let rows = parse_consent(
            "\u{feff}facility,patient_id,state\n# 2026-11-20 from the regional hub\n\n0101,P001,consented\n0101, P002 ,拒否\n0102,P001,unknown\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].patient_id, "P002");
        assert_eq!(rows[1].consent, Consent::Refused);
        assert_eq!(
            rows[2].facility, "0102",
            "same ID at another facility is another patient"
        );
    }

    #[test]
    fn a_bad_consent_line_is_an_error_naming_the_line() {
        assert_eq!(
            parse_consent("0101,P1,consented\n0101,P2\n").unwrap_err().0,
            2
        );
        let (line, reason) = parse_consent("0101,P1,maybe\n").unwrap_err();
        assert_eq!(line, 1);
        assert!(reason.contains("maybe"));
        let (line, reason) = parse_consent("0101,P1,consented\n0101,P1,refused\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(reason.contains("first on line 1"), "{reason}");
    }
}
