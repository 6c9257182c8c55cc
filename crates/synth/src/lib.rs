//! Synthetic SS-MIX2 regions: deterministic, realistic standardized and extended storage for
//! drills, end-to-end tests and benchmarks of FieldChart. It writes files and never reads their
//! content (a next day reads names and sizes only), and it depends on no other FieldChart crate
//! (the reader is checked against it, not built from it).
//!
//! Speed and size on a 2-core machine (release build): 10,000 patients in about 7 s; 100,000
//! patients in about 2 minutes, 1.2 million files and 1.7 GB (about 12 files and 17 KB per
//! patient). `cargo run --release -p fieldchart-synth --example generate -- 10000 3 1 /tmp/region`
//! tries it; `fieldchart demo-data` is the supported front end.
//!
//! # What it writes
//!
//! [`generate`] with a [`RegionSpec`] `{ patients, facilities, seed, as_of, match_traps }` writes:
//!
//! ```text
//! DIR/region.json                      RegionSummary: counts the reader must reproduce
//! DIR/pix-xref.tsv                     facility_a, id_a, facility_b, id_b (same person twice)
//! DIR/match-truth.tsv                  only with match_traps > 0: facility_a, id_a, facility_b,
//!                                      id_b, trap, expected (probable | weaker | never); the
//!                                      hub never reads it
//! DIR/MEDIS<as-of>.TXT, nmain<as-of>.txt, jlac10-*.csv, facility-code-map.csv
//!                                      drill masters of the generator's own codes (masters.rs)
//! DIR/<facility id>/standard/…         standardized storage (guide §1): ISO-2022-JP HL7 v2.5
//! DIR/<facility id>/extended/…         extended storage (guide §6): CDA, ORU^R30, PDF, JPEG
//! ```
//!
//! Facility IDs are 10-digit medical institution codes of Miyagi (`041…`, synthetic, see
//! `facility.rs`). Patients are spread evenly over facilities; about 5% of the patients of every
//! facility after the first are people already registered at the previous facility (same name,
//! birth date, sex, address; another ID and history), listed in `pix-xref.tsv`.
//!
//! # Matching traps (opt-in)
//!
//! With `match_traps` = N > 0 (`fieldchart demo-data --match-traps N`), N cases are added after
//! the ordinary patients, each two registrations at two facilities that `pix-xref.tsv` does
//! **not** link, made with one trap for a finder of probable matches: a kana spelling variant,
//! a variant kanji (異体字), the name written whole without a space or with an ideographic one, a
//! married name (weaker), same-sex twins, and look-alikes whose date of birth or sex differs
//! (never). `match-truth.tsv` says which is which; `region.json` counts them under
//! `match_traps`, and `patients` and each facility's count include them. See `traps.rs` for how
//! each is made, and why an era date of birth is not among them (PID-7 is always Western). A
//! region with traps has no next day. With N = 0 (the default) nothing of this is written and a
//! region is byte for byte what it was before traps existed (a test pins two).
//!
//! # Determinism
//!
//! Same `(seed, patients, facilities, as_of, match_traps)` → byte-identical tree, whatever the
//! thread count. Every patient draws from a ChaCha8 stream keyed by `(seed, facility, patient)`,
//! nothing is iterated from a hash map, and no clock or locale is read. `as_of` defaults to
//! [`DEFAULT_AS_OF`] (2026-11-01); drills pass today's date. Memory does not grow with the
//! number of patients: patients are generated and written in batches of 256 (the matching
//! traps' layout, a few words per case, is the one exception).
//!
//! # Next days
//!
//! [`next_day`] with a [`NextDaySpec`] `{ share, seed }` changes a region written before, in
//! place: `as_of` moves one day on, round(share × patients) patients get a visit, an update or a
//! deletion that day, a few are new and one is removed. No other file is written or renamed.
//! `region.json` gets `generated` (the region as first written, from which every patient's
//! first chart is rendered again) and `next_day` (who changed, in the last step), and its counts
//! stay exact. Same region and change seed → byte-identical day. See `next_day.rs`.
//!
//! # Conventions a reader must know
//!
//! - **Files**: ISO-2022-JP, CR after every segment, no LF, no extension, names
//!   `<id>_<date|->_<type>_<order>_<発生日時17>_<dept|->_<flag>` in `<id[0..3]>/<id[3..6]>/<id>/<date|->/<type>/`.
//!   Every character is ASCII or JIS X 0208: a table entry outside it is an error, never `&#…;`.
//! - **Care dates** follow guide §1.3: the folder date equals PV1-44 (A04, A01, A11), PV1-45
//!   (A03, A13), EVN-6 (A02), ORC-9 (RDE, OMD, OML^O33, OMG^O19), RXA-3 (RAS), SPM-17 (OUL),
//!   OBR-7 (OMI, ORU^R01); ADT-00, ADT-61 and PPR-01 live under `-`.
//! - **Updates, deletions, cancels** (guide §2): an update leaves the old file `_2` and a newer
//!   `_1` with the same key (ORC-1 `XO` for orders); a deletion leaves every file of the key `_0`
//!   plus the deletion message (ORC-1 `CA`) as a new `_0`; an ADT-22 admission or ADT-52
//!   discharge may be cancelled by ADT^A11 / ADT^A13 under the same key (old `_2`, cancel `_1`).
//!   In extended storage an update adds a `_1` content folder and renames the old one `_2`; a
//!   deletion renames folders `_0` and adds nothing. PPR-01 holds the whole problem list in
//!   every version.
//! - **未告知**: a positive infection result (HBs抗原, HCV抗体, TPHA, RPR, HIV-1/2抗体) that the
//!   patient has not been told about is followed by `NTE|1||未告知` right after its OBX. Viewers
//!   must show such results to clinicians with that warning.
//! - **Qualitative and below-detection values** stay text: OBX-2 `ST` with `(+)`, `(-)`, `(±)`,
//!   `(2+)`; OBX-2 `SN` with `< 0.03` (NHO's SN rule with `^` written as a space).
//! - **Codes are synthetic**: MEDIS 8-digit problem numbers and exchange codes, HOT9, JAMISDP01
//!   usage codes, JLAC10 lab codes, insurer numbers and facility codes have the right shape but
//!   are made up (`clinical.rs`). ICD-10 codes and product names are real. Some facilities
//!   (odd positions) also send local lab codes in OBX-3 components 4–6.
//! - **Extended storage**: data-type folders `L-xxx^名称^99ZL01^LOINC^標準名称^LN`
//!   (referral 57133-1, scanned referral 57133-1, discharge summary 18842-5, J-SPEED 74465-6,
//!   photo 11506-3) and `L-OBSERVATIONS^OBSERVATIONS^99ZL01` for ORU^R30 vitals (one folder per
//!   day, 特定キー = the date). Content folders have 7 parts and repeat the whole data-type folder
//!   name as their type part. Main documents: `main_document.xml` (CDA R2, UTF-8),
//!   `main_document.hl7`, `main_document.pdf`, `main_document.jpg`. The J-SPEED CSV line
//!   approximates the form's items; it is not the official item order.
//!
//! # Drill personas
//!
//! With 10 or more patients, the first facility's first five patient IDs are fixed people, the
//! same whatever the seed (their charts use their own stream; dates are relative to `as_of`):
//!
//! 0. **山田 花子 / ヤマダ ハナコ**, F, born 1970-03-12 (S45.3.12), 石巻市中央. Severe penicillin
//!    allergy (`AL1|1|DA^薬剤アレルギー^HL70127|1^ペニシリン系^99XYZ|SV^重度^HL70128|アナフィラキシー`,
//!    also in ADT-61), 心房細動 and 高血圧症, current ワーファリン錠1mg 3錠 + アムロジピン錠5mg
//!    (every 28 days, the last 10 days before `as_of`), PT-INR at each of six visits, a referral
//!    letter in extended storage. With 2+ facilities she is also patient 0 of the second facility,
//!    which alone recorded a severe ヨード造影剤 (iodine contrast) allergy (血圧低下, 2024-03): only
//!    the record linked through `pix-xref.tsv` shows it when her main hospital's row is opened.
//! 1. **佐藤 健一**, M, 1952-07-21, 気仙沼市: 末期腎不全 with 維持血液透析状態, ２型糖尿病 on
//!    ランタス注ソロスター (insulin), HBs抗原 `(+)` marked 未告知, Cre/BUN/K every two weeks, a
//!    J-SPEED record.
//! 2. **阿部 陽葵**, F, 2020-08-17 (R2.8.17), 東松島市: てんかん on イーケプラドライシロップ50%, egg
//!    allergy.
//! 3. **千葉 和子**, F, 1941-11-03, 南三陸町: her only prescription (OMP-01) is deleted, so no
//!    prescription is current.
//! 4. **鈴木 茂**, M, 1938-02-25, 女川町: his last prescription was corrected from
//!    アムロジピン錠2.5mg (`_2`) to アムロジピン錠5mg (`_1`).
//!
//! `region.json` lists them with facility and patient IDs.

mod address;
mod calendar;
mod chart;
mod clinical;
mod error;
mod extended;
mod facility;
mod hl7_writer;
mod layout;
mod masters;
mod messages;
mod names;
mod next_day;
mod person;
mod personas;
mod plan;
mod region;
mod rng;
pub mod signing;
mod summary;
mod traps;

pub use calendar::CivilDate;
pub use error::SynthError;
pub use masters::{DrillMasters, drill_masters};
pub use next_day::{DEFAULT_SHARE, NextDaySpec, next_day};
pub use person::Sex;
pub use region::{DEFAULT_AS_OF, GENERATOR, REGION_FILE, RegionSpec, XREF_FILE, generate};
pub use summary::{
    Change, FacilitySummary, FlagCounts, Generated, MatchTrapSummary, NextDaySummary,
    OutcomeCounts, PatientChange, PersonaSummary, RecordCounts, RegionSummary, Registration,
    TypeCounts,
};
pub use traps::{Expected, TRUTH_FILE, TRUTH_HEADER, TrapKind};
