//! The hub's consent list (issue 4 §2 "Consent"): which patients consented to sharing and which
//! refused. SS-MIX2 storage does not carry consent, so the hub keeps it beside the storage and hands
//! it to the build with `--consent FILE`.
//!
//! The file is UTF-8 CSV, one patient per line: `facility,patient_id,state`, where state is
//! `consented` or `refused` (同意 / 拒否 also read), or `unknown` to list a patient explicitly
//! without a decision. Blank lines and lines starting with `#` are skipped, and a first line
//! `facility,patient_id,state` is a header. A line that does not read is an error naming its
//! number: a consent list is not something to guess at.

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
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if n == 1 && fields.first() == Some(&"facility") {
            continue;
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

#[cfg(test)]
mod tests {
    use super::*;

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
