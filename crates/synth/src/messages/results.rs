//! Observations: specimen test orders (OML-01, OML^O33) and results (OML-11, OUL^R22), radiology
//! orders (OMG-01, OMG^O19) and performed studies (OMG-11, OMI^Z23), ECGs (OMG-13, ORU^R01) and
//! ward vitals for extended storage (ORU^R30). Care dates (guide §1.3): ORC-9 for OML/OMG, SPM-17
//! for OUL, OBR-7 for OMI and ORU^R01, OBX-14 for vitals (guide §6, NHO rule).

use super::{Encounter, Stamp, Subject, coded, decimal, orc, pid, pv1, start, xcn};
use crate::calendar::Moment;
use crate::clinical::{Coded, Imaging, LabKind, LabTest, full_width};
use crate::hl7_writer::{Hl7, Segment};

/// A result value as reported.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LabValue {
    /// OBX-2 `NM`.
    Number(f64),
    /// OBX-2 `ST`: qualitative `(+)`, `(-)`, `(±)`.
    Text(&'static str),
    /// OBX-2 `SN` below the detection limit, written `< 0.02` (NHO: SN with `^` as a space).
    BelowDetection(&'static str),
}

#[derive(Clone, Debug)]
pub(crate) struct LabResult {
    pub(crate) test: &'static LabTest,
    pub(crate) value: LabValue,
    /// The patient has not been told of this (positive infection) result: an `NTE|1||未告知`
    /// follows the OBX (see the crate documentation).
    pub(crate) untold: bool,
}

impl LabResult {
    /// OBX-8 abnormal flag: H/L against the reference range, `A` for a positive qualitative result.
    pub(crate) fn flag(&self) -> &'static str {
        match (&self.value, &self.test.kind) {
            (LabValue::Number(v), LabKind::Numeric { low, high, .. }) => {
                if v > high {
                    "H"
                } else if v < low {
                    "L"
                } else {
                    ""
                }
            }
            (LabValue::Text(t), _) if t.contains('+') => "A",
            _ => "",
        }
    }

    /// The value as written in OBX-5.
    pub(crate) fn value_text(&self) -> String {
        match (&self.value, &self.test.kind) {
            (LabValue::Number(v), LabKind::Numeric { decimals, .. }) => {
                format!("{v:.prec$}", prec = usize::from(*decimals))
            }
            (LabValue::Number(v), LabKind::Qualitative) => decimal(*v),
            (LabValue::Text(t), _) | (LabValue::BelowDetection(t), _) => (*t).to_owned(),
        }
    }

    fn value_type(&self) -> &'static str {
        match self.value {
            LabValue::Number(_) => "NM",
            LabValue::Text(_) => "ST",
            LabValue::BelowDetection(_) => "SN",
        }
    }
}

pub(crate) fn reference_range(test: &LabTest) -> String {
    match test.kind {
        LabKind::Numeric {
            low,
            high,
            decimals,
            ..
        } => {
            format!("{low:.p$}-{high:.p$}", p = usize::from(decimals))
        }
        LabKind::Qualitative => "(-)".to_owned(),
    }
}

/// OBX-3: JLAC10 code^name^JC10, plus local code^name^99X03 in components 4–6 where the facility
/// sends them (guide §5).
fn test_code(test: &LabTest, local_codes: bool) -> Hl7 {
    if local_codes {
        Hl7::c(&[
            test.jlac10,
            test.name,
            "JC10",
            test.local_code,
            &full_width(test.local_name),
            "99X03",
        ])
    } else {
        Hl7::c(&[test.jlac10, test.name, "JC10"])
    }
}

/// OBR-4 battery of a specimen group (local codes as in the samples).
fn battery(spec: &Coded) -> Hl7 {
    let (code, name) = match spec.code {
        "019" => ("E001", "血液学的検査"),
        "022" => ("E003", "凝固・血糖検査"),
        "001" => ("E004", "尿一般検査"),
        _ => ("E002", "生化学的検査"),
    };
    Hl7::c(&[code, name, "99O03"])
}

/// Specimens in first-seen order, each with its results.
fn by_specimen(results: &[LabResult]) -> Vec<(&'static Coded, Vec<&LabResult>)> {
    let mut groups: Vec<(&'static Coded, Vec<&LabResult>)> = Vec::new();
    for r in results {
        match groups
            .iter_mut()
            .find(|(s, _)| s.code == r.test.specimen.code)
        {
            Some((_, list)) => list.push(r),
            None => groups.push((r.test.specimen, vec![r])),
        }
    }
    groups
}

pub(crate) struct LabReport<'a> {
    pub(crate) order_no: &'a str,
    pub(crate) specimen_no: &'a str,
    pub(crate) ordered: Moment,
    pub(crate) collected: Moment,
    pub(crate) reported: Moment,
    pub(crate) results: &'a [LabResult],
    pub(crate) encounter: &'a Encounter,
    pub(crate) local_codes: bool,
}

fn spm(set_id: usize, specimen_no: &str, spec: &Coded, collected: Moment) -> Segment {
    Segment::new("SPM")
        .f(1, set_id.to_string())
        .f(2, specimen_no)
        .f(4, coded(spec))
        .f(17, collected.to_minute())
}

/// OML-01: the order, with empty OBX items per test (guide §7: empty OBX-2 on order items).
pub(crate) fn lab_order(subject: &Subject<'_>, stamp: &Stamp, report: &LabReport<'_>) -> String {
    let mut m = start(subject, stamp, ["OML", "O33", "OML_O33"]);
    m.push(pid(subject));
    m.push(pv1(subject, report.encounter));
    let doctor = xcn(&subject.facility.doctor(report.encounter.department));
    for (i, (spec, results)) in by_specimen(report.results).into_iter().enumerate() {
        m.push(spm(i + 1, "", spec, report.collected));
        m.push(orc(
            subject,
            report.encounter,
            "NW",
            report.order_no,
            "",
            report.ordered,
        ));
        m.push(
            Segment::new("OBR")
                .f(1, "1")
                .f(2, report.order_no)
                .f(4, battery(spec))
                .f(16, doctor.clone()),
        );
        for (j, r) in results.iter().enumerate() {
            m.push(
                Segment::new("OBX")
                    .f(1, (j + 1).to_string())
                    .f(3, test_code(r.test, report.local_codes))
                    .f(11, "O"),
            );
        }
    }
    m.finish()
}

/// OML-11: results grouped by specimen: SPM, OBR, ORC, OBX (+NTE) as in the NHO sample.
pub(crate) fn lab_result(subject: &Subject<'_>, stamp: &Stamp, report: &LabReport<'_>) -> String {
    let mut m = start(subject, stamp, ["OUL", "R22", "OUL_R22"]);
    m.push(pid(subject));
    m.push(pv1(subject, report.encounter));
    let doctor = xcn(&subject.facility.doctor(report.encounter.department));
    let department = report.encounter.department;
    for (i, (spec, results)) in by_specimen(report.results).into_iter().enumerate() {
        let specimen_no = format!("{}{}", report.specimen_no, i + 1);
        m.push(spm(i + 1, &specimen_no, spec, report.collected));
        m.push(
            Segment::new("OBR")
                .f(1, "1")
                .f(2, report.order_no)
                .f(3, specimen_no.as_str())
                .f(4, battery(spec))
                .f(7, report.collected.date().compact())
                .f(8, report.collected.date().compact())
                .f(16, doctor.clone())
                .f(22, report.reported.to_second()),
        );
        m.push(
            Segment::new("ORC")
                .f(1, "SC")
                .f(2, report.order_no)
                .f(3, specimen_no.as_str())
                .f(5, "CM")
                .f(9, report.ordered.to_second())
                .f(12, doctor.clone())
                .f(13, super::location(&report.encounter.setting, department))
                .f(17, Hl7::c(&[department.code, department.name, "99XY1"]))
                .f(21, subject.facility.name.as_str())
                .f(29, super::order_type(&report.encounter.setting)),
        );
        for (j, r) in results.iter().enumerate() {
            let unit = if r.test.unit.is_empty() {
                Hl7::default()
            } else {
                Hl7::c(&[r.test.unit, r.test.unit, "ISO+"])
            };
            m.push(
                Segment::new("OBX")
                    .f(1, (j + 1).to_string())
                    .f(2, r.value_type())
                    .f(3, test_code(r.test, report.local_codes))
                    .f(5, r.value_text())
                    .f(6, unit)
                    .f(7, reference_range(r.test))
                    .f(8, r.flag())
                    .f(11, "F")
                    .f(14, report.collected.to_minute()),
            );
            if r.untold {
                m.push(Segment::new("NTE").f(1, "1").f(3, "未告知"));
            }
        }
    }
    m.finish()
}

/// OMG-01: a radiology order (ORC-9 care date; OBR-4 JJ1017).
pub(crate) fn imaging_order(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    ordered: Moment,
    study: &Imaging,
) -> String {
    let mut m = start(subject, stamp, ["OMG", "O19", "OMG_O19"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    m.push(orc(subject, encounter, "NW", order_no, "", ordered));
    m.push(
        Segment::new("TQ1")
            .f(1, "1")
            .f(9, Hl7::c(&["R", "", "HL70485"])),
    );
    m.push(
        Segment::new("OBR")
            .f(2, order_no)
            .f(4, Hl7::c(&[study.jj1017, study.name, "JJ1017"]))
            .f(16, xcn(&subject.facility.doctor(encounter.department))),
    );
    m.push(
        Segment::new("OBX")
            .f(2, "NM")
            .f(3, Hl7::c(&["01-02", "体重", "JSHR001"]))
            .f(5, format!("{:.0}", subject.person.weight_kg))
            .f(6, Hl7::c(&["kg", "kg", "ISO+"]))
            .f(11, "F"),
    );
    m.finish()
}

/// OMG-11: the study was performed (OBR-7 care date; IPC accession, Study Instance UID, modality).
pub(crate) fn imaging_done(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    ordered: Moment,
    performed: Moment,
    study: &Imaging,
) -> String {
    let mut m = start(subject, stamp, ["OMI", "Z23", "OMI_Z23"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    m.push(orc(subject, encounter, "NW", order_no, "", ordered));
    m.push(
        Segment::new("TQ1")
            .f(1, "1")
            .f(9, Hl7::c(&["R", "", "HL70485"])),
    );
    m.push(
        Segment::new("OBR")
            .f(2, order_no)
            .f(4, Hl7::c(&[study.jj1017, study.name, "JJ1017"]))
            .f(7, performed.to_minute())
            .f(16, xcn(&subject.facility.doctor(encounter.department)))
            .f(22, stamp.time.to_second())
            .f(25, "F"),
    );
    let accession = format!("A{order_no}");
    let uid = format!(
        "1.2.392.200036.9999.{}.{}",
        subject.facility.id,
        order_no.trim_start_matches('0')
    );
    m.push(
        Segment::new("IPC")
            .f(1, accession.as_str())
            .f(
                2,
                format!(
                    "P{}",
                    order_no
                        .get(order_no.len().saturating_sub(6)..)
                        .unwrap_or(order_no)
                ),
            )
            .f(3, uid.as_str())
            .f(5, Hl7::c(&[study.modality, "", "DCM"])),
    );
    m.finish()
}

/// An ECG reading (OMG-13).
pub(crate) struct Ecg {
    pub(crate) finding: &'static str,
    pub(crate) heart_rate: u32,
    pub(crate) qrs_ms: u32,
    pub(crate) qt_ms: u32,
    pub(crate) pq_ms: Option<u32>,
}

/// OMG-13: ECG result, ORU^R01 (OBR-7 care date; TX finding and NM measurements, local 99MFR).
pub(crate) fn ecg(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    recorded: Moment,
    reading: &Ecg,
) -> String {
    let mut m = start(subject, stamp, ["ORU", "R01", "ORU_R01"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    m.push(
        Segment::new("OBR")
            .f(1, "1")
            .f(2, order_no)
            .f(4, Hl7::c(&["9A110", "標準１２誘導心電図", "JC10"]))
            .f(7, recorded.to_minute())
            .f(16, xcn(&subject.facility.doctor(encounter.department)))
            .f(22, stamp.time.to_second())
            .f(25, "F"),
    );
    m.push(
        Segment::new("OBX")
            .f(1, "1")
            .f(2, "TX")
            .f(
                3,
                Hl7::comps([
                    Hl7::s(&["9A100", "IMP"]),
                    Hl7::text("心電図所見"),
                    Hl7::text("JC10"),
                ]),
            )
            .f(4, "1")
            .f(5, reading.finding)
            .f(11, "F"),
    );
    let mut measures = vec![("32769", "心拍数", reading.heart_rate, "bpm")];
    if let Some(pq) = reading.pq_ms {
        measures.push(("32770", "PQ 時間", pq, "msec"));
    }
    measures.push(("58240", "QRS 幅", reading.qrs_ms, "msec"));
    measures.push(("56008", "QT 時間", reading.qt_ms, "msec"));
    for (i, (code, name, value, unit)) in measures.into_iter().enumerate() {
        m.push(
            Segment::new("OBX")
                .f(1, (i + 2).to_string())
                .f(2, "NM")
                .f(3, Hl7::c(&[code, name, "99MFR"]))
                .f(4, "2")
                .f(5, value.to_string())
                .f(6, unit)
                .f(11, "F"),
        );
    }
    m.finish()
}

/// One round of ward vital signs.
pub(crate) struct Vitals {
    pub(crate) at: Moment,
    pub(crate) temperature: f64,
    pub(crate) systolic: u32,
    pub(crate) diastolic: u32,
    pub(crate) pulse: u32,
    pub(crate) spo2: u32,
    pub(crate) respiration: u32,
}

/// Extended-storage vitals: ORU^R30 with one OBX per measurement, OBX-14 the measurement time
/// (the care date, NHO rule in guide §6). Vital codes are synthetic JLAC10-shaped `9A…` codes.
pub(crate) fn vitals(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    key: &str,
    rounds: &[Vitals],
) -> String {
    let mut m = start(subject, stamp, ["ORU", "R30", "ORU_R30"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    let first = rounds.first().map_or(stamp.time, |r| r.at);
    m.push(orc(subject, encounter, "NW", key, "", first));
    m.push(
        Segment::new("OBR")
            .f(1, "1")
            .f(2, key)
            .f(4, Hl7::c(&["VITAL", "バイタルサイン", "99ZL02"]))
            .f(7, first.to_minute()),
    );
    let mut set_id = 0;
    for round in rounds {
        let values = [
            (
                "9A751000000000001",
                "体温",
                format!("{:.1}", round.temperature),
                ["Cel", "℃", "ISO+"],
            ),
            (
                "9A611000000000001",
                "収縮期血圧",
                round.systolic.to_string(),
                ["mm[Hg]", "mmHg", "ISO+"],
            ),
            (
                "9A616000000000001",
                "拡張期血圧",
                round.diastolic.to_string(),
                ["mm[Hg]", "mmHg", "ISO+"],
            ),
            (
                "9A621000000000001",
                "脈拍",
                round.pulse.to_string(),
                ["/min", "回／分", "ISO+"],
            ),
            (
                "9A763000000000001",
                "SpO2",
                round.spo2.to_string(),
                ["%", "%", "ISO+"],
            ),
            (
                "9A631000000000001",
                "呼吸数",
                round.respiration.to_string(),
                ["/min", "回／分", "ISO+"],
            ),
        ];
        for (code, name, value, unit) in values {
            set_id += 1;
            m.push(
                Segment::new("OBX")
                    .f(1, set_id.to_string())
                    .f(2, "NM")
                    .f(3, Hl7::c(&[code, name, "JC10"]))
                    .f(5, value)
                    .f(6, Hl7::c(&unit))
                    .f(11, "F")
                    .f(14, round.at.to_minute()),
            );
        }
    }
    m.finish()
}
