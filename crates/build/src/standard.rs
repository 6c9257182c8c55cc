//! The standard code masters at the build (issue 16 §2, docs/masters.md "At the build"): each
//! drug, diagnosis and lab code an item carries is looked up in the masters the hub loaded, and
//! what they found is stored beside the facility's own text (`Code::standard`), never instead of
//! it. With the masters, a drug's critical class comes from its YJ code's 薬効分類 and a lab's
//! infection-marker flag from its JLAC10 analyte; without them, both are as before (the tables of
//! `fieldchart_store::codes`). The codes no master knew are collected per facility for the build
//! report.
//!
//! Which masters count for which kind of code (a code is "unknown" only where one of them is
//! loaded, so a hub with only the HOT master does not report every lab code):
//! - drugs (prescriptions, injections, administrations, drug allergens): the HOT master or a
//!   facility mapping table;
//! - diagnoses: the MEDIS disease-name master or a mapping table;
//! - lab tests: a JLAC10 table or a mapping table.

use std::sync::Arc;

use fieldchart_masters::{Masters, StandardCode, UnknownCodes};
use fieldchart_store::manifest::MasterRef;
use fieldchart_store::rows::{Code, Entry, StandardRef};

/// Which kind of code a value is, for which masters answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Domain {
    Drug,
    Disease,
    Lab,
}

/// The masters a build reads codes against; empty: none (behaviour as without masters).
#[derive(Debug, Clone, Default)]
pub struct Coder {
    masters: Arc<Masters>,
}

impl Coder {
    pub fn new(masters: Arc<Masters>) -> Coder {
        Coder { masters }
    }

    /// What the snapshot's manifest records: every master file read.
    pub fn manifest(&self) -> Vec<MasterRef> {
        self.masters
            .infos()
            .into_iter()
            .map(|i| MasterRef {
                master: i.kind.name().to_owned(),
                file: i.file_name.clone(),
                version: i.version.clone(),
                sha256: i.sha256.clone(),
                skipped_lines: i.report.skipped.len() as u64,
            })
            .collect()
    }

    fn answers(&self, domain: Domain) -> bool {
        let m = &self.masters;
        m.local.is_some()
            || match domain {
                Domain::Drug => m.hot.is_some(),
                Domain::Disease => m.disease.is_some(),
                Domain::Lab => m.jlac10.is_some(),
            }
    }

    /// Adds the standard codes to one item's coded values, and notes those no master knew.
    pub fn enrich(&self, facility: &str, entry: &mut Entry, unknown: &mut UnknownCodes) {
        if self.masters.is_empty() {
            return;
        }
        match entry {
            Entry::Medication(m) => {
                for d in &mut m.drugs {
                    self.code(facility, Domain::Drug, &mut d.code, Some(unknown));
                }
            }
            Entry::Administration(a) => {
                self.code(facility, Domain::Drug, &mut a.drug, Some(unknown));
            }
            Entry::Allergy(a) if a.is_drug() => {
                // An allergen's code is often a text-only or allergen-table value: it is looked
                // up, but one not found is not a facility's coding gap to report.
                self.code(facility, Domain::Drug, &mut a.allergen, None);
            }
            Entry::Problem(p) => {
                self.code(facility, Domain::Disease, &mut p.diagnosis, Some(unknown));
            }
            Entry::Observation(o) => {
                self.code(facility, Domain::Lab, &mut o.item, Some(unknown));
                if let Some(marker) = self.infection(facility, &o.item) {
                    o.infection = marker;
                }
            }
            Entry::LabOrder(l) => {
                for item in &mut l.items {
                    self.code(facility, Domain::Lab, item, Some(unknown));
                }
            }
            _ => {}
        }
    }

    /// The value's (system, code) pairs, the message's first triplet first.
    fn pairs(code: &Code) -> impl Iterator<Item = (&str, &str)> {
        [
            (code.system.as_deref(), code.code.as_deref()),
            (code.local_system.as_deref(), code.local_code.as_deref()),
        ]
        .into_iter()
        .filter_map(|(s, c)| Some((s?.trim(), c?.trim())))
        .filter(|(s, c)| !s.is_empty() && !c.is_empty())
    }

    fn code(
        &self,
        facility: &str,
        domain: Domain,
        code: &mut Code,
        unknown: Option<&mut UnknownCodes>,
    ) {
        if !self.answers(domain) {
            return;
        }
        let m = &self.masters;
        let found: Option<StandardCode> =
            Self::pairs(code).find_map(|(s, c)| m.standard_for(facility, s, c));
        let yj = match domain {
            Domain::Drug => Self::pairs(code).find_map(|(s, c)| m.yj_for(facility, s, c)),
            _ => None,
        };
        let standard = match (found, yj) {
            (Some(s), yj) => Some(StandardRef {
                system: s.system.id().to_owned(),
                code: s.code,
                name: s.name,
                master: s.master.map(|k| k.name().to_owned()),
                via_local_map: s.via_local_map,
                yj: yj.clone(),
                drug_class: yj
                    .as_deref()
                    .and_then(fieldchart_store::codes::yj_critical_class),
            }),
            // A YJ code the HOT master did not name (a YJ-coded drug without the HOT master, a
            // 薬価基準 code): its 薬効分類 still decides.
            (None, Some(yj)) => Some(StandardRef {
                system: "YJ".into(),
                code: yj.clone(),
                drug_class: fieldchart_store::codes::yj_critical_class(&yj),
                yj: Some(yj),
                ..StandardRef::default()
            }),
            (None, None) => None,
        };
        match standard {
            Some(s) => code.standard = Some(s),
            None => {
                if let Some(unknown) = unknown
                    && let Some((system, value)) = self.unknown_pair(code)
                {
                    unknown.note_unknown(facility, system, value, &code.text);
                }
            }
        }
    }

    /// The pair to report for a value no master knew: a local code (what the facility has to
    /// map), else a standard code whose master is loaded and does not have it. A standard code
    /// whose master is not loaded is not the facility's to clean.
    fn unknown_pair<'c>(&self, code: &'c Code) -> Option<(&'c str, &'c str)> {
        let pairs: Vec<(&str, &str)> = Self::pairs(code).collect();
        let is_standard = |s: &str, c: &str| fieldchart_masters::StandardSystem::parse(s, c);
        if let Some(local) = pairs.iter().find(|(s, c)| is_standard(s, c).is_none()) {
            return Some(*local);
        }
        let m = &self.masters;
        pairs.into_iter().find(|(s, c)| {
            use fieldchart_masters::StandardSystem as S;
            match is_standard(s, c) {
                Some(S::Mdcdx2) => m.disease.is_some(),
                Some(S::Hot13 | S::Hot9 | S::Hot7 | S::Yj | S::Receipt) => m.hot.is_some(),
                Some(S::Jlac10) => m.jlac10.is_some(),
                Some(S::Icd10 | S::Yakka) | None => false,
            }
        })
    }

    /// Whether a lab code marks an infection, when the masters can say: the value resolved to a
    /// JLAC10 code (as written or through the facility's mapping). None: the name rule stands.
    fn infection(&self, facility: &str, item: &Code) -> Option<bool> {
        if !self.answers(Domain::Lab) {
            return None;
        }
        let jlac10 = item
            .standard
            .as_ref()
            .is_some_and(|s| s.system == fieldchart_masters::StandardSystem::Jlac10.id())
            || Self::pairs(item).any(|(s, c)| {
                fieldchart_masters::StandardSystem::parse(s, c)
                    == Some(fieldchart_masters::StandardSystem::Jlac10)
            });
        jlac10.then(|| {
            Self::pairs(item).any(|(s, c)| self.masters.infection_marker(facility, s, c).is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use fieldchart_masters::{Jlac10Table, TextEncoding};
    use fieldchart_store::rows::{Drug, MedicationEntry, ObservationEntry};

    use super::*;

    /// A JLAC10 analyte table and a mapping table, as handwritten excerpts in their layouts.
    fn coder(with_jlac10: bool) -> (tempfile::TempDir, Coder) {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Masters::new();
        if with_jlac10 {
            let analyte = dir.path().join("analyte.csv");
            std::fs::write(
                &analyte,
                "分析物コード,分析物名称\n5F016,HBs\n3C015,クレアチニン\n",
            )
            .unwrap();
            m.load_jlac10(Jlac10Table::Analyte, &analyte, TextEncoding::Utf8)
                .unwrap();
        }
        let map = dir.path().join("map.csv");
        std::fs::write(
            &map,
            "facility,local_system,local_code,standard_system,standard_code\n\
             F001,99LAB,HBS,JC10,5F016141002327151\n\
             F001,99LAB,CRE,JC10,3C015000002327101\n",
        )
        .unwrap();
        m.load_local_map(&map, TextEncoding::Utf8).unwrap();
        (dir, Coder::new(Arc::new(m)))
    }

    fn lab(code: &str, system: &str, text: &str) -> Entry {
        Entry::Observation(ObservationEntry {
            item: Code {
                text: text.into(),
                code: Some(code.into()),
                system: Some(system.into()),
                ..Code::default()
            },
            ..ObservationEntry::default()
        })
    }

    fn observation(e: &Entry) -> &ObservationEntry {
        match e {
            Entry::Observation(o) => o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_mapped_local_lab_code_decides_the_infection_flag_by_its_jlac10_analyte() {
        let (_dir, coder) = coder(true);
        let mut unknown = UnknownCodes::new();
        // A facility's own name for HBs antigen that no name table knows.
        let mut hbs = lab("HBS", "99LAB", "肝炎ウイルスＢ表面");
        coder.enrich("F001", &mut hbs, &mut unknown);
        let o = observation(&hbs);
        assert!(o.infection);
        let s = o.item.standard.as_ref().unwrap();
        assert_eq!(
            (s.system.as_str(), s.code.as_str()),
            ("JC10", "5F016141002327151")
        );
        assert_eq!(s.name.as_deref(), Some("HBs"));
        assert!(s.via_local_map);
        assert_eq!(
            o.item.text, "肝炎ウイルスＢ表面",
            "the facility's text is kept"
        );

        // A name the table calls an infection marker, but whose JLAC10 analyte is creatinine.
        let mut cre = lab("CRE", "99LAB", "HCV（記入誤り）");
        if let Entry::Observation(o) = &mut cre {
            o.infection = true; // as the name rule set it at conversion
        }
        coder.enrich("F001", &mut cre, &mut unknown);
        assert!(!observation(&cre).infection);
        assert!(unknown.report().is_empty());
    }

    #[test]
    fn unknown_codes_are_noted_per_facility_only_where_a_master_could_have_known_them() {
        let (_dir, coder) = coder(false);
        let mut unknown = UnknownCodes::new();
        // Not in the mapping: a local code the facility has to map.
        let mut local = lab("XYZ", "99LAB", "院内検査");
        coder.enrich("F001", &mut local, &mut unknown);
        // A JLAC10 code while no JLAC10 table is loaded: not the facility's to clean.
        let mut standard = lab("3A010000002327101", "JC10", "総蛋白");
        coder.enrich("F001", &mut standard, &mut unknown);
        let mut med = Entry::Medication(MedicationEntry {
            drugs: vec![Drug {
                code: Code {
                    text: "院内薬".into(),
                    code: Some("A1".into()),
                    system: Some("99ZZZ".into()),
                    ..Code::default()
                },
                ..Drug::default()
            }],
            ..MedicationEntry::default()
        });
        coder.enrich("F002", &mut med, &mut unknown);
        let report = unknown.report();
        let listed: Vec<(&str, &str, &str)> = report
            .iter()
            .flat_map(|f| {
                f.codes
                    .iter()
                    .map(move |c| (f.facility.as_str(), c.system.as_str(), c.code.as_str()))
            })
            .collect();
        assert_eq!(listed, [("F001", "99LAB", "XYZ"), ("F002", "99ZZZ", "A1")]);
        assert!(observation(&standard).item.standard.is_none());
    }

    #[test]
    fn without_masters_nothing_changes() {
        let coder = Coder::default();
        let mut unknown = UnknownCodes::new();
        let mut e = lab("HBS", "99LAB", "HBs抗原");
        if let Entry::Observation(o) = &mut e {
            o.infection = true;
        }
        let before = e.clone();
        coder.enrich("F001", &mut e, &mut unknown);
        assert_eq!(e, before);
        assert!(unknown.report().is_empty());
        assert!(coder.manifest().is_empty());
    }
}
