//! The codes no standard master knew, per facility, written by a base build as one CSV file per
//! facility in `reports/` (`unknown-codes-<facility>.csv`): what the hub's operator sends back to
//! the hospital so its IT staff can map those codes (docs/masters.md "At the build"). Codes and
//! their display texts only: no patient is named.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use fieldchart_masters::FacilityUnknowns;

use crate::HubError;

/// The folder of the hub the reports are written to.
pub const REPORTS_DIR: &str = "reports";

/// The CSV's header row.
pub const HEADER: &str = "system,code,text,count";

/// The report file of one facility.
pub fn report_path(folder: &Path, facility: &str) -> PathBuf {
    // A facility code is digits in practice; anything else is kept out of the file name.
    let safe: String = facility
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    folder
        .join(REPORTS_DIR)
        .join(format!("unknown-codes-{safe}.csv"))
}

/// Writes each facility's file (replacing the one before, in one rename), and removes the file of
/// a facility that now has none. Returns the files written.
pub fn write_reports(
    folder: &Path,
    facilities: &[String],
    unknown: &[FacilityUnknowns],
) -> Result<Vec<PathBuf>, HubError> {
    let mut written = Vec::new();
    for facility in facilities {
        let path = report_path(folder, facility);
        let io = |source| HubError::Io {
            path: path.clone(),
            source,
        };
        match unknown
            .iter()
            .find(|u| &u.facility == facility)
            .filter(|u| !u.codes.is_empty())
        {
            Some(u) => {
                write_atomically(&path, csv(u).as_bytes()).map_err(io)?;
                written.push(path);
            }
            None => match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            },
        }
    }
    Ok(written)
}

/// The CSV (RFC 4180 quoting, UTF-8 with a byte-order mark so Excel on Japanese Windows reads it).
pub fn csv(u: &FacilityUnknowns) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(HEADER);
    out.push_str("\r\n");
    for c in &u.codes {
        let fields = [
            quoted(&c.system),
            quoted(&c.code),
            quoted(&c.text),
            c.count.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension("csv.new");
    let done = (|| {
        let mut f = fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&temp, path)
    })();
    if done.is_err() {
        let _ = fs::remove_file(&temp);
    }
    done
}

#[cfg(test)]
mod tests {
    use fieldchart_masters::UnknownCodes;

    use super::*;

    #[test]
    fn each_facility_gets_its_file_and_one_without_unknown_codes_loses_its_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut u = UnknownCodes::new();
        u.note_unknown(
            "F001",
            "99ZZZ",
            "222249",
            "(後)バイアスピリン錠, １００ｍｇ",
        );
        u.note_unknown("F001", "99ZZZ", "222249", "");
        u.note_unknown("F001", "99LAB", "10222", "ＴＰ");
        let stale = report_path(dir.path(), "F002");
        fs::create_dir_all(stale.parent().unwrap()).unwrap();
        fs::write(&stale, "old").unwrap();

        let written =
            write_reports(dir.path(), &["F001".into(), "F002".into()], &u.report()).unwrap();
        assert_eq!(written, vec![report_path(dir.path(), "F001")]);
        assert!(!stale.exists());
        let text = fs::read_to_string(&written[0]).unwrap();
        assert_eq!(
            text,
            "\u{feff}system,code,text,count\r\n\
             99ZZZ,222249,\"(後)バイアスピリン錠, １００ｍｇ\",2\r\n\
             99LAB,10222,ＴＰ,1\r\n"
        );
    }

    #[test]
    fn a_facility_code_cannot_lead_out_of_the_reports_folder() {
        let p = report_path(Path::new("/hub"), "../../etc/x");
        assert_eq!(p, Path::new("/hub/reports/unknown-codes-______etc_x.csv"));
    }
}
