//! The vocabulary the desk and the window share, as types: every error kind, refusal rule, validity
//! state, identifier, step, language and sync outcome the front end has words for.
//!
//! Each is an enum whose wire name comes from serde and whose list of every variant comes from the
//! type itself (strum's `VariantArray`), so a variant cannot be left out of a list. The lists the
//! front end imports (`ui/src/contract.js`) are written from these types by `tests/contract.rs`,
//! never by hand, and the UI's tests fail on any name in them that has no sentence in both
//! languages. Screen models name their step through [`Screen`]: the step is a property of the
//! screen's type, not a number typed at each place a screen is made.

use std::fmt;
use std::marker::PhantomData;

use fieldchart_policy::Rule;
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

/// Why a command did not answer with a screen: the name the front end turns into a sentence.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ErrorKind {
    /// The path is not among the snapshots listed on the start screen.
    NoSnapshot,
    /// Signed by a key this laptop does not trust.
    Untrusted,
    /// The device key does not open the snapshot, or the key file cannot be read.
    WrongKey,
    /// This laptop has no device key.
    NoDeviceKey,
    /// The device key is protected by a PIN, and the PIN was not typed or is wrong.
    WrongPin,
    /// The emergency passphrase is wrong (or missing, or the snapshot has none).
    WrongPassphrase,
    /// Damaged or altered, found at opening or while reading a part mid-session.
    Tampered,
    /// The file is shorter than the snapshot it claims to be (an interrupted copy).
    Truncated,
    /// Past its validity end; it opens only by break-glass.
    Expired,
    /// Dated in the future: this laptop's clock is wrong.
    ClockWrong,
    /// The sync's repository serves metadata older than this laptop has already seen (a replay,
    /// or a repository restored from an old copy): nothing was changed.
    Rollback,
    /// The sync's repository metadata has expired: nobody refreshed it, or it is replayed; the
    /// laptop may be cut off from fresh data and keeps the snapshots it has.
    Frozen,
    /// The hub revoked this laptop: it destroyed its device key and the hub's snapshot it held.
    Revoked,
    /// Made in a format or content version this FieldChart does not read.
    UnsupportedVersion,
    /// Not a snapshot (any more) at that path.
    Damaged,
    /// The signed policy refused; `rule` says by which rule.
    Refused,
    /// Consent is unknown: the viewer must choose a legal basis.
    NeedsBasis,
    /// Fewer than two identifiers were confirmed.
    NeedsConfirmation,
    /// The session is locked (by the viewer, or by itself after the idle time).
    Locked,
    /// The audit log cannot be written or is damaged: nothing is shown unaudited.
    Audit,
    /// A command out of order: the front end's bug, or a double click.
    State,
    /// An argument the command cannot use (the message says which).
    BadInput,
    /// A file could not be read or written.
    Io,
    /// A failure only a programming error can cause.
    Internal,
}

impl ErrorKind {
    /// The wire name (`wrong-passphrase`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every rule the policy can refuse by, as `AppError.rule` names it (the policy's own serde names).
///
/// The list lives here because the policy crate keeps none; `every_rule_is_listed` stops a new
/// `Rule` variant from compiling until it is added here too.
pub const RULES: [Rule; 9] = [
    Rule::Declaration,
    Rule::Authorisation,
    Rule::EventWindow,
    Rule::Expired,
    Rule::LeaseEnded,
    Rule::ConsentBasis,
    Rule::ConsentRefused,
    Rule::BreakGlass,
    Rule::Section,
];

/// Never called: a `match` without a wildcard, so that a rule added to the policy does not compile
/// until [`RULES`] has it (and then the UI's tests ask for its words).
#[allow(dead_code)]
fn every_rule_is_listed(rule: Rule) {
    match rule {
        Rule::Declaration
        | Rule::Authorisation
        | Rule::EventWindow
        | Rule::Expired
        | Rule::LeaseEnded
        | Rule::ConsentBasis
        | Rule::ConsentRefused
        | Rule::BreakGlass
        | Rule::Section => {}
    }
}

/// Whether a snapshot on the start screen can be used, read from its signed envelope without a key.
/// The variants are in the start screen's order: most usable first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ValidityState {
    Valid,
    /// Valid, but this laptop holds a newer valid snapshot signed by the same hub: its data is older
    /// than it needs to be.
    Superseded,
    /// Past its validity end: it opens only by break-glass.
    Expired,
    /// Dated in the future (this laptop's clock is wrong).
    NotYetValid,
    /// Signed by a key this laptop does not trust.
    Untrusted,
    /// It does not check out (damaged, altered, cut short, an unknown version, not a snapshot).
    Damaged,
}

/// What a search result is recognised by. All but sex can confirm who the patient is: a record
/// opens only after two different ones were confirmed with the patient.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum Identifier {
    Name,
    Dob,
    Sex,
    Address,
    Phone,
    PatientId,
}

impl Identifier {
    /// Whether confirming it with the patient counts towards the two a record needs. Sex does not:
    /// half the region shares it.
    pub fn confirms(self) -> bool {
        self != Identifier::Sex
    }

    /// Those that confirm, in order.
    pub fn confirming() -> Vec<Identifier> {
        Identifier::VARIANTS
            .iter()
            .copied()
            .filter(|i| i.confirms())
            .collect()
    }

    /// The identifier a query's matched field stands for (`name_kana` is the name).
    pub fn of_field(field: &str) -> Option<Identifier> {
        match field {
            "name_kanji" | "name_kana" => Some(Identifier::Name),
            "dob" => Some(Identifier::Dob),
            "sex" => Some(Identifier::Sex),
            "address" => Some(Identifier::Address),
            "phone" => Some(Identifier::Phone),
            "patient_id" => Some(Identifier::PatientId),
            _ => None,
        }
    }
}

/// The emergency manual's eight steps (docs/emergency-manual.{ja,en}.md), with its headings. On the
/// wire a step is its number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, VariantArray,
)]
#[serde(into = "u8", try_from = "u8")]
pub enum Step {
    Start = 1,
    Unlock = 2,
    Declare = 3,
    Find = 4,
    Summary = 5,
    Details = 6,
    Print = 7,
    LockOrEnd = 8,
}

impl Step {
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The Japanese manual's heading, word for word ("**5. まず要約**").
    pub fn ja(self) -> &'static str {
        match self {
            Step::Start => "開始",
            Step::Unlock => "解錠",
            Step::Declare => "閲覧者の申告",
            Step::Find => "患者を探す",
            Step::Summary => "まず要約",
            Step::Details => "詳細",
            Step::Print => "印刷",
            Step::LockOrEnd => "ロック・終了",
        }
    }

    /// The English manual's heading, word for word ("**5. Summary first**").
    pub fn en(self) -> &'static str {
        match self {
            Step::Start => "Start",
            Step::Unlock => "Unlock",
            Step::Declare => "Who is viewing",
            Step::Find => "Find the patient",
            Step::Summary => "Summary first",
            Step::Details => "Details",
            Step::Print => "Print",
            Step::LockOrEnd => "Lock or end",
        }
    }

    pub fn title(self, lang: Language) -> &'static str {
        match lang {
            Language::Ja => self.ja(),
            Language::En => self.en(),
        }
    }
}

impl From<Step> for u8 {
    fn from(s: Step) -> u8 {
        s.number()
    }
}

impl TryFrom<u8> for Step {
    type Error = String;

    fn try_from(n: u8) -> Result<Step, String> {
        Step::VARIANTS
            .iter()
            .copied()
            .find(|s| s.number() == n)
            .ok_or_else(|| format!("the manual has no step {n}"))
    }
}

/// The languages the window speaks; Japanese, the default, first.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The other one (the drill report gives both, the chosen one first).
    pub fn other(self) -> Language {
        match self {
            Language::Ja => Language::En,
            Language::En => Language::Ja,
        }
    }
}

/// How a snapshot was unlocked, which is what resuming after a lock asks for again.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Method {
    /// This laptop's device key: one press to resume.
    DeviceKey,
    /// The emergency passphrase: typed again to resume.
    Passphrase,
}

/// Where a snapshot file was found.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Location {
    /// This laptop's own snapshot folders (listed before media when all else is equal).
    Local,
    /// A mounted removable medium.
    Removable,
}

/// How a "Sync now" ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum SyncOutcome {
    /// The laptop now opens the repository's chain (its card is on the start screen).
    Switched,
    /// The laptop already held exactly the repository's chain: nothing changed.
    AlreadyCurrent,
}

/// What a running sync is doing, for its progress bar.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum SyncPhase {
    /// Fetching a file of the chain from the repository.
    Fetching,
    /// Checking a fetched file whole with the laptop's key.
    Verifying,
}

/// A screen model: the manual's step it belongs to is part of its type.
pub trait Screen {
    const STEP: Step;
}

/// A screen model's `step` field: it holds nothing and serialises as `S::STEP`, so no screen can be
/// built with another step than its own.
pub struct StepOf<S>(PhantomData<fn() -> S>);

impl<S: Screen> StepOf<S> {
    pub fn new() -> StepOf<S> {
        StepOf(PhantomData)
    }

    pub fn get(&self) -> Step {
        S::STEP
    }
}

impl<S: Screen> Default for StepOf<S> {
    fn default() -> Self {
        StepOf::new()
    }
}

impl<S> Clone for StepOf<S> {
    fn clone(&self) -> Self {
        StepOf(PhantomData)
    }
}

impl<S: Screen> fmt::Debug for StepOf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&S::STEP, f)
    }
}

impl<S: Screen> Serialize for StepOf<S> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        S::STEP.serialize(serializer)
    }
}

/// One manual step with both headings, as the contract lists them.
#[derive(Debug, Clone, Serialize)]
pub struct StepTitle {
    pub step: Step,
    pub ja: &'static str,
    pub en: &'static str,
}

/// Every name the front end must have words for, from the types above.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    pub error_kinds: Vec<ErrorKind>,
    pub refusal_rules: Vec<Rule>,
    pub validity_states: Vec<ValidityState>,
    /// The identifiers a viewer can confirm a patient on (each needs a "confirmed" sentence).
    pub identifiers: Vec<Identifier>,
    pub steps: Vec<StepTitle>,
    pub languages: Vec<Language>,
    pub methods: Vec<Method>,
    pub locations: Vec<Location>,
    pub sync_outcomes: Vec<SyncOutcome>,
    pub sync_phases: Vec<SyncPhase>,
}

impl Contract {
    pub fn get() -> Contract {
        Contract {
            error_kinds: ErrorKind::VARIANTS.to_vec(),
            refusal_rules: RULES.to_vec(),
            validity_states: ValidityState::VARIANTS.to_vec(),
            identifiers: Identifier::confirming(),
            steps: Step::VARIANTS
                .iter()
                .map(|&step| StepTitle {
                    step,
                    ja: step.ja(),
                    en: step.en(),
                })
                .collect(),
            languages: Language::VARIANTS.to_vec(),
            methods: Method::VARIANTS.to_vec(),
            locations: Location::VARIANTS.to_vec(),
            sync_outcomes: SyncOutcome::VARIANTS.to_vec(),
            sync_phases: SyncPhase::VARIANTS.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// strum's names (used for `as_str`) and serde's (on the wire) are one name.
    fn same_names<T: Serialize + Copy + Into<&'static str>>(all: &[T]) {
        for &v in all {
            let wire = serde_json::to_value(v).unwrap();
            assert_eq!(wire.as_str(), Some(v.into()));
        }
    }

    #[test]
    fn each_name_on_the_wire_is_the_name_the_desk_uses() {
        same_names(ErrorKind::VARIANTS);
        same_names(ValidityState::VARIANTS);
        same_names(Identifier::VARIANTS);
        same_names(Language::VARIANTS);
        same_names(Method::VARIANTS);
        same_names(Location::VARIANTS);
        same_names(SyncOutcome::VARIANTS);
        same_names(SyncPhase::VARIANTS);
    }

    #[test]
    fn a_step_is_its_number_on_the_wire_and_nothing_else_is_a_step() {
        for step in Step::VARIANTS {
            let n = serde_json::to_value(step).unwrap();
            assert_eq!(n, serde_json::json!(step.number()));
            assert_eq!(serde_json::from_value::<Step>(n).unwrap(), *step);
        }
        assert!(serde_json::from_value::<Step>(serde_json::json!(9)).is_err());
        assert!(serde_json::from_value::<Step>(serde_json::json!(0)).is_err());
        let numbers: Vec<u8> = Step::VARIANTS.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, (1..=8).collect::<Vec<u8>>());
    }

    #[test]
    fn the_refusal_rules_are_the_policys_own_names() {
        let names: Vec<String> = RULES
            .iter()
            .map(|r| {
                serde_json::to_value(r)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let as_str: Vec<&str> = RULES.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, as_str);
        assert!(as_str.contains(&"authorisation") && as_str.contains(&"section"));
    }

    #[test]
    fn sex_narrows_a_search_but_confirms_nobody() {
        assert!(!Identifier::confirming().contains(&Identifier::Sex));
        assert_eq!(
            Identifier::confirming().len(),
            Identifier::VARIANTS.len() - 1
        );
    }
}
