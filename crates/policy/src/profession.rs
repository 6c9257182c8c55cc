//! The fixed list of professions a viewer declares (requirements POL-4), by their Japanese names,
//! with the ASCII keys the policy file uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profession {
    Doctor,
    Dentist,
    Pharmacist,
    Nurse,
    PublicHealthNurse,
    Midwife,
    Paramedic,
    Radiographer,
    LabTechnician,
    /// 事務・その他: needs an authorisation code.
    Clerk,
}

impl Profession {
    pub const ALL: [Profession; 10] = [
        Profession::Doctor,
        Profession::Dentist,
        Profession::Pharmacist,
        Profession::Nurse,
        Profession::PublicHealthNurse,
        Profession::Midwife,
        Profession::Paramedic,
        Profession::Radiographer,
        Profession::LabTechnician,
        Profession::Clerk,
    ];

    /// The name on the fixed list.
    pub fn ja(self) -> &'static str {
        match self {
            Profession::Doctor => "医師",
            Profession::Dentist => "歯科医師",
            Profession::Pharmacist => "薬剤師",
            Profession::Nurse => "看護師",
            Profession::PublicHealthNurse => "保健師",
            Profession::Midwife => "助産師",
            Profession::Paramedic => "救急救命士",
            Profession::Radiographer => "診療放射線技師",
            Profession::LabTechnician => "臨床検査技師",
            Profession::Clerk => "事務・その他",
        }
    }

    /// The policy file's key.
    pub fn key(self) -> &'static str {
        match self {
            Profession::Doctor => "doctor",
            Profession::Dentist => "dentist",
            Profession::Pharmacist => "pharmacist",
            Profession::Nurse => "nurse",
            Profession::PublicHealthNurse => "public_health_nurse",
            Profession::Midwife => "midwife",
            Profession::Paramedic => "paramedic",
            Profession::Radiographer => "radiographer",
            Profession::LabTechnician => "lab_technician",
            Profession::Clerk => "clerk",
        }
    }
}

impl fmt::Display for Profession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ja())
    }
}

/// The profession named `s`: its Japanese name (事務 and その他 alone also count), or its key, with
/// `-` for `_`.
impl FromStr for Profession {
    type Err = String;

    fn from_str(s: &str) -> Result<Profession, String> {
        let s = s.trim();
        let key = s.to_ascii_lowercase().replace('-', "_");
        Profession::ALL
            .into_iter()
            .find(|p| p.ja() == s || p.key() == key)
            .or(match s {
                "事務" | "その他" | "事務その他" => Some(Profession::Clerk),
                _ => None,
            })
            .ok_or_else(|| {
                let names: Vec<&str> = Profession::ALL.iter().map(|p| p.ja()).collect();
                format!("unknown profession {s:?}; one of: {}", names.join(", "))
            })
    }
}
