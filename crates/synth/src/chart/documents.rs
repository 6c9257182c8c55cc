//! Extended-storage documents: the referral letter (with its revision), the scanned referral, the
//! J-SPEED record and the discharge summary, each a content folder of one main document.

use crate::calendar::Moment;
use crate::clinical::{self, ConditionKind};
use crate::extended::{self, CdaHeader, DocumentType, Section, SectionText};
use crate::facility::Staff;
use crate::plan::{Edit, Stay};
use crate::signing::{self, DrillSigner};

use super::{Attachment, Builder, ExtendedRecord, ExtendedVersion, Flag, Outcome};

impl Builder<'_> {
    fn allergy_lines(&self) -> Vec<String> {
        self.input
            .person
            .allergies
            .iter()
            .map(|a| format!("{}：{}（{}）", a.allergen.name, a.reaction, a.severity.text))
            .collect()
    }

    /// Adds an extended-storage record; returns its index for a later revision.
    pub(super) fn document(
        &mut self,
        doc_type: &'static DocumentType,
        at: Moment,
        department: Option<&'static str>,
        files: Vec<Attachment>,
        edit: Edit,
    ) -> usize {
        let key = self.order_no();
        self.chart.extended.push(ExtendedRecord {
            doc_type,
            care_date: at.date(),
            key,
            department,
            versions: vec![ExtendedVersion {
                event: at,
                flag: Flag::Current,
                files,
            }],
            outcome: Outcome::Current,
        });
        let index = self.chart.extended.len() - 1;
        if edit == Edit::Delete {
            self.chart.extended[index].delete();
        }
        index
    }

    pub(super) fn documents(&mut self) {
        let plan = self.input.plan;
        if let Some((date, edit)) = plan.referral.clone() {
            let at = self.time_on(date, 13, 17);
            let bytes = self.referral_letter(at, "経過観察中です。");
            let dept = crate::plan::main_department(self.input.person, self.input.as_of).code;
            // Only a version that stays current is signed: region.json counts a superseded or
            // deleted record once per version while `fieldchart check` counts its files, so a
            // replaced or deleted letter stays one file (the two agree only so).
            let files = if edit == Edit::None {
                self.signed_letter(bytes, at)
            } else {
                vec![Attachment {
                    name: "main_document.xml",
                    bytes,
                }]
            };
            let index = self.document(&extended::REFERRAL, at, Some(dept), files, edit.clone());
            if let Edit::Update(_) = edit {
                let revised = self.later(at, 60, 600);
                let bytes = self
                    .referral_letter(revised, "経過観察中です。（追記）検査結果を追加しました。");
                let files = self.signed_letter(bytes, revised);
                self.chart.extended[index].update(revised, files);
            }
        }
        if let Some(date) = plan.scanned_referral {
            let at = self.time_on(date, 9, 12);
            let lines = vec![
                "FieldChart synthetic scanned document".to_owned(),
                "Referral letter received from another institution (scan)".to_owned(),
                format!("Facility: {}", self.input.facility.id),
                format!("Patient ID: {}", self.input.patient_id),
                format!("Scanned: {}", at.date()),
                "Original on paper; see the referral letter for details.".to_owned(),
            ];
            self.document(
                &extended::SCANNED_REFERRAL,
                at,
                None,
                vec![Attachment {
                    name: "main_document.pdf",
                    bytes: extended::pdf(&lines),
                }],
                Edit::None,
            );
        }
        if let Some(date) = plan.jspeed {
            let at = self
                .time_on(date, 8, 12)
                .min(Moment::at(self.input.as_of, 12, 0));
            let bytes = self.jspeed(at);
            self.document(
                &extended::JSPEED,
                at,
                None,
                vec![Attachment {
                    name: "main_document.xml",
                    bytes,
                }],
                Edit::None,
            );
        }
    }

    /// A referral letter with its HPKI signature, made when the letter was (crate::signing): for
    /// one patient in five an enveloped XAdES signature inside the CDA letter, else a detached
    /// CAdES signature beside it. One patient in seven has their letter signed by a pharmacist,
    /// so a drill meets a letter whose signer is not a physician. Both choices are by the patient
    /// ID, not a draw, so the rest of the region is as it was.
    fn signed_letter(&self, bytes: Vec<u8>, at: Moment) -> Vec<Attachment> {
        let digits: u32 = self.input.patient_id.bytes().map(u32::from).sum();
        let who = if digits % 7 == 3 {
            DrillSigner::Pharmacist
        } else {
            DrillSigner::Doctor
        };
        // The drill keys are compiled in and their signing is tested (signing.rs): a failure is
        // a broken build of the generator, not bad input.
        if digits % 5 == 1 {
            let signed =
                signing::sign_letter_enveloped(&bytes, at, who).expect("the drill HPKI keys sign");
            return vec![Attachment {
                name: "main_document.xml",
                bytes: signed,
            }];
        }
        let signature = signing::sign_letter(&bytes, at, who).expect("the drill HPKI keys sign");
        vec![
            Attachment {
                name: "main_document.xml",
                bytes,
            },
            Attachment {
                name: "main_document.xml.p7s",
                bytes: signature,
            },
        ]
    }

    fn header_author(&self, department: &'static clinical::Department) -> Staff {
        self.input.facility.doctor(department)
    }

    fn referral_letter(&mut self, at: Moment, course: &str) -> Vec<u8> {
        let person = self.input.person;
        let department = crate::plan::main_department(person, self.input.as_of);
        let author = self.header_author(department);
        let recipient = format!("{}災害医療支援チーム 御中", crate::address::PREFECTURE);
        let document_id = self.order_no();
        let subject = self.subject();
        let problems = self.active_problems();
        let main = problems
            .first()
            .cloned()
            .unwrap_or_else(|| "経過観察".to_owned());
        let sections = [
            Section {
                loinc: "42349-1",
                title: "紹介目的",
                body: SectionText::Paragraph(format!(
                    "災害に伴う避難のため、今後の診療をお願い申し上げます。主病名：{main}。{course}"
                )),
            },
            Section {
                loinc: "11450-4",
                title: "傷病名",
                body: SectionText::List(problems),
            },
            Section {
                loinc: "10160-0",
                title: "現在の処方",
                body: SectionText::List(self.medicine_lines()),
            },
            Section {
                loinc: "48765-2",
                title: "アレルギー・不適応反応",
                body: SectionText::List(self.allergy_lines()),
            },
        ];
        let header = CdaHeader {
            subject: &subject,
            author: &author,
            department: department.name,
            time: at,
            document_id: &document_id,
            loinc: "57133-1",
            title: "診療情報提供書",
            recipient: Some(&recipient),
        };
        extended::cda(&header, &sections)
    }

    pub(super) fn discharge_summary(&mut self, stay: &Stay, admitted: Moment, discharged: Moment) {
        let author = self.header_author(stay.department);
        let document_id = self.order_no();
        let subject = self.subject();
        let course = format!(
            "{}に{}のため入院。入院後は輸液・投薬にて加療し、全身状態改善したため{}に退院とした。",
            admitted.date().wareki(),
            stay.reason.name,
            discharged.date().wareki()
        );
        let sections = [
            Section {
                loinc: "46241-6",
                title: "入院時診断",
                body: SectionText::List(vec![stay.reason.name.to_owned()]),
            },
            Section {
                loinc: "8648-8",
                title: "入院経過",
                body: SectionText::Paragraph(course),
            },
            Section {
                loinc: "11450-4",
                title: "既往歴・併存症",
                body: SectionText::List(self.active_problems()),
            },
            Section {
                loinc: "10183-2",
                title: "退院時処方",
                body: SectionText::List(self.medicine_lines()),
            },
            Section {
                loinc: "48765-2",
                title: "アレルギー・不適応反応",
                body: SectionText::List(self.allergy_lines()),
            },
        ];
        let at = discharged.plus_minutes(self.draw.range(120, 360));
        let header = CdaHeader {
            subject: &subject,
            author: &author,
            department: stay.department.name,
            time: at,
            document_id: &document_id,
            loinc: "18842-5",
            title: "退院時サマリー",
            recipient: None,
        };
        let bytes = extended::cda(&header, &sections);
        self.document(
            &extended::DISCHARGE_SUMMARY,
            at,
            Some(stay.department.code),
            vec![Attachment {
                name: "main_document.xml",
                bytes,
            }],
            Edit::None,
        );
    }

    fn jspeed(&mut self, at: Moment) -> Vec<u8> {
        let person = self.input.person;
        let has = |k| person.has(k);
        let items: Vec<bool> = extended::JSPEED_ITEMS
            .iter()
            .map(|item| match *item {
                "高血圧状態" => has(ConditionKind::Hypertension) && self.draw.chance(0.5),
                "喘息発作" => has(ConditionKind::Asthma) && self.draw.chance(0.3),
                "透析の必要" => has(ConditionKind::EndStageRenalDisease),
                "慢性疾患の悪化" => !person.treatments.is_empty() && self.draw.chance(0.2),
                "服薬中断" => !person.treatments.is_empty() && self.draw.chance(0.3),
                _ => self.draw.chance(0.06),
            })
            .collect();
        let line = extended::jspeed_line(
            at.date(),
            &self.input.facility.id,
            person.municipality.name,
            person.age_on(at.date()),
            person.sex.code(),
            &items,
        );
        let author = self.header_author(&clinical::INTERNAL);
        let document_id = self.order_no();
        let subject = self.subject();
        let sections = [Section {
            loinc: "77599-9",
            title: "Additional Documentation",
            body: SectionText::Paragraph(line),
        }];
        let header = CdaHeader {
            subject: &subject,
            author: &author,
            department: clinical::INTERNAL.name,
            time: at,
            document_id: &document_id,
            loinc: "74465-6",
            title: "災害時JSPEED記録",
            recipient: None,
        };
        extended::cda(&header, &sections)
    }
}
