//! The hub's cross-references for a build: the index's export and the HL7 link events, read and
//! resolved (crates/identity) into the rows every file of the chain holds. A line or event that
//! does not read stops the build with its place (exit 2).

use std::path::Path;

use fieldchart_build::LinkRow;
use fieldchart_identity::{Applied, Links};

/// What the build is given, and what the events did (for its report).
pub struct ReadLinks {
    pub rows: Vec<LinkRow>,
    pub applied: Vec<Applied>,
}

/// Reads `xref` (the export) and then applies every event in `events` (a folder) in time order.
pub fn read(xref: Option<&Path>, events: Option<&Path>) -> anyhow::Result<ReadLinks> {
    let mut links = match xref {
        Some(path) => {
            let text = crate::input::read_text(
                path,
                crate::input::MAX_CONSENT_BYTES,
                "the cross-reference file",
            )?;
            fieldchart_identity::links_of_xref(&text).map_err(|(line, reason)| {
                fieldchart_identity::IdentityError::Line {
                    path: path.to_owned(),
                    line,
                    reason,
                }
            })?
        }
        None => Links::default(),
    };
    if let Some(dir) = events {
        links.apply(&fieldchart_identity::read_events(dir)?);
    }
    Ok(ReadLinks {
        rows: LinkRow::all(&links),
        applied: links.applied,
    })
}
