//! The parts of a record the policy grants by: coarse, clinician-facing areas. The viewing session
//! maps the store's sections onto them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Who the patient is: always visible to a declared viewer, it is how identity is confirmed.
    Identity,
    Encounters,
    Allergies,
    Infections,
    Problems,
    Medications,
    Labs,
    Reports,
    Documents,
}

impl Area {
    /// Every area a policy can grant or withhold (identity is always granted).
    pub const VIEWABLE: [Area; 8] = [
        Area::Encounters,
        Area::Allergies,
        Area::Infections,
        Area::Problems,
        Area::Medications,
        Area::Labs,
        Area::Reports,
        Area::Documents,
    ];

    /// The areas whose text feeds the clinical search index.
    pub const CLINICAL: [Area; 7] = [
        Area::Allergies,
        Area::Problems,
        Area::Medications,
        Area::Labs,
        Area::Reports,
        Area::Documents,
        Area::Encounters,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Identity => "identity",
            Area::Encounters => "encounters",
            Area::Allergies => "allergies",
            Area::Infections => "infections",
            Area::Problems => "problems",
            Area::Medications => "medications",
            Area::Labs => "labs",
            Area::Reports => "reports",
            Area::Documents => "documents",
        }
    }

    /// Whether a profession's look-back limits this area. Allergies, infections and problems are
    /// shown whole whatever their age, as the snapshot keeps them (requirements POL-7, SNAP-4).
    pub fn time_limited(self) -> bool {
        matches!(
            self,
            Area::Encounters | Area::Medications | Area::Labs | Area::Reports | Area::Documents
        )
    }
}
