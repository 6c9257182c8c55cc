//! The logical records of a chart and the condition flags of their versions (guide §2, §6): a
//! standardized-storage record is one (patient ID, care date, data type, order number) key, an
//! extended-storage record one content-folder key (patient ID, care date, data type, 特定キー).
//! Updates, deletions and cancels change flags here, and nowhere else.

use crate::calendar::{CivilDate, Moment};
use crate::extended::DocumentType;

/// A condition flag (guide §2): `1` current, `2` superseded (past history), `0` deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    Deleted,
    Current,
    Superseded,
}

impl Flag {
    pub(crate) fn digit(self) -> char {
        match self {
            Flag::Deleted => '0',
            Flag::Current => '1',
            Flag::Superseded => '2',
        }
    }
}

/// How a logical record resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its newest `_1` file is a positive event.
    Current,
    /// All its files are `_0`.
    Deleted,
    /// Its newest `_1` file is an ADT cancel event (A11, A13), which voids the record.
    Cancelled,
}

/// The order number of records that have none: 15 nines (guide §1.2).
pub(crate) const NO_ORDER: &str = "999999999999999";

pub(crate) struct Version {
    pub(crate) event: Moment,
    pub(crate) flag: Flag,
    /// The decoded HL7 message; encoded to ISO-2022-JP when written.
    pub(crate) message: String,
}

pub(crate) struct StandardRecord {
    pub(crate) data_type: &'static str,
    pub(crate) care_date: Option<CivilDate>,
    pub(crate) order_no: String,
    /// 診療科コード of the file names; `None` writes `-`.
    pub(crate) department: Option<&'static str>,
    pub(crate) versions: Vec<Version>,
    pub(crate) outcome: Outcome,
}

impl StandardRecord {
    pub(super) fn new(
        data_type: &'static str,
        care_date: Option<CivilDate>,
        order_no: &str,
        department: Option<&'static str>,
        event: Moment,
        message: String,
    ) -> StandardRecord {
        StandardRecord {
            data_type,
            care_date,
            order_no: order_no.to_owned(),
            department,
            versions: vec![Version {
                event,
                flag: Flag::Current,
                message,
            }],
            outcome: Outcome::Current,
        }
    }

    /// Guide §2, INS on an existing key: the `_1` file is renamed `_2`, the new file is `_1`.
    pub(crate) fn update(&mut self, event: Moment, message: String) {
        for v in &mut self.versions {
            if v.flag == Flag::Current {
                v.flag = Flag::Superseded;
            }
        }
        self.versions.push(Version {
            event,
            flag: Flag::Current,
            message,
        });
    }

    /// Guide §2, DEL: `_1` and `_2` files are renamed `_0`, and the deletion message itself is
    /// stored as a new `_0` file (standardized storage only).
    pub(crate) fn delete(&mut self, event: Moment, message: String) {
        for v in &mut self.versions {
            v.flag = Flag::Deleted;
        }
        self.versions.push(Version {
            event,
            flag: Flag::Deleted,
            message,
        });
        self.outcome = Outcome::Deleted;
    }

    /// An ADT cancel event stored under the key of the event it cancels (guide §2): written like
    /// an update, so the cancel is the `_1` file and the record resolves as cancelled.
    pub(super) fn cancel(&mut self, event: Moment, message: String) {
        self.update(event, message);
        self.outcome = Outcome::Cancelled;
    }
}

/// A file inside an extended-storage content folder.
pub(crate) struct Attachment {
    pub(crate) name: &'static str,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) struct ExtendedVersion {
    pub(crate) event: Moment,
    pub(crate) flag: Flag,
    pub(crate) files: Vec<Attachment>,
}

pub(crate) struct ExtendedRecord {
    pub(crate) doc_type: &'static DocumentType,
    pub(crate) care_date: CivilDate,
    /// 特定キー (specific key) of the content folder name.
    pub(crate) key: String,
    pub(crate) department: Option<&'static str>,
    pub(crate) versions: Vec<ExtendedVersion>,
    pub(crate) outcome: Outcome,
}

impl ExtendedRecord {
    pub(super) fn update(&mut self, event: Moment, files: Vec<Attachment>) {
        for v in &mut self.versions {
            if v.flag == Flag::Current {
                v.flag = Flag::Superseded;
            }
        }
        self.versions.push(ExtendedVersion {
            event,
            flag: Flag::Current,
            files,
        });
    }

    /// Guide §6: in extended storage a deletion renames folders to `_0` and adds nothing.
    pub(super) fn delete(&mut self) {
        for v in &mut self.versions {
            v.flag = Flag::Deleted;
        }
        self.outcome = Outcome::Deleted;
    }
}
