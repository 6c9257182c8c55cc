//! Who may see what (requirements POL-6 to POL-16): by profession, which sections and how far back;
//! the event window emergency access is open in; consent and the legal basis for opening a record
//! without it; and break-glass.
//!
//! The hub signs a [`Policy`] into the snapshot; the laptop's viewing session asks it before every
//! search and record, so the CLI and the app only ever receive what it allows. This crate is pure:
//! no I/O, no clock of its own, nothing about SQLite or the UI.

mod profession;
mod section;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use fieldchart_failure::Failure;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use profession::Profession;
pub use section::Area;

/// The policy file format this FieldChart reads.
pub const POLICY_VERSION: u32 = 1;

/// The shipped default (documented in docs/policy.md).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../default-policy.toml");

/// What is wrong with a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not TOML, an unknown key, or a value of the wrong kind (the TOML reader's own words).
    #[error("{0}")]
    Syntax(String),
    #[error(
        "policy version {found} is not supported (this FieldChart reads version {POLICY_VERSION})"
    )]
    Version { found: u32 },
    #[error(
        "the policy has no rule for {ja} (add a [professions.{key}] table): every profession in the fixed list needs one"
    )]
    MissingProfession { ja: &'static str, key: &'static str },
    #[error("the policy's event window ends ({end}) before it starts ({start})")]
    EmptyWindow {
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    },
    #[error("the policy's event window is incomplete: give both start and end, or neither")]
    HalfWindow { given: &'static str },
    #[error("clerk.authorisation_sha256 holds {hash:?}, which is not a 64-digit hex SHA-256")]
    BadHash { hash: String, index: usize },
    #[error(
        "the emergency passphrase has {given} visible characters, and this policy asks for at least {min} (emergency.min_passphrase_chars): anyone who learns it opens every copy, so choose a longer one"
    )]
    ShortPassphrase { given: usize, min: usize },
    #[error("{table}.{key} is {value}, but it must be {allowed}")]
    OutOfRange {
        table: &'static str,
        key: &'static str,
        value: u64,
        allowed: &'static str,
    },
}

impl PolicyError {
    /// Which row of the exit-code table: a policy that cannot be used is an input to fix.
    pub fn failure(&self) -> Failure {
        Failure::Usage
    }

    /// Where in the file the fault sits, as a path of tables and keys (and the array element), when
    /// the fault is about something written there.
    fn place(&self) -> Option<(Vec<&'static str>, Option<usize>)> {
        match self {
            PolicyError::Syntax(_) => None,
            PolicyError::Version { .. } => Some((vec!["version"], None)),
            PolicyError::MissingProfession { .. } => Some((vec!["professions"], None)),
            PolicyError::EmptyWindow { .. } => Some((vec!["event", "end"], None)),
            PolicyError::HalfWindow { given } => Some((vec!["event", given], None)),
            PolicyError::BadHash { index, .. } => {
                Some((vec!["clerk", "authorisation_sha256"], Some(*index)))
            }
            PolicyError::OutOfRange { table, key, .. } => Some((vec![table, key], None)),
            // About the passphrase file, not about anything the policy file says.
            PolicyError::ShortPassphrase { .. } => None,
        }
    }
}

/// A place in a policy file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text`.
    fn of(text: &str, offset: usize) -> Position {
        let before = &text[..text.floor_char_boundary(offset)];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// A policy file that cannot be used: what is wrong, and where, when the file shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyFileError {
    pub error: PolicyError,
    pub at: Option<Position>,
}

impl std::fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(Position { line, column }) => {
                write!(f, "line {line}, column {column}: {}", self.error)
            }
            None => write!(f, "{}", self.error),
        }
    }
}

impl PolicyFileError {
    pub fn failure(&self) -> Failure {
        self.error.failure()
    }
}

/// Where the key at `path` (and, for an array, its element `index`) is written in `text`.
fn locate(text: &str, path: &[&str], index: Option<usize>) -> Option<Position> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut span = None;
    for (i, name) in path.iter().enumerate() {
        let (key, value) = table.iter().find(|(k, _)| k.get_ref() == name)?;
        span = Some(key.span());
        match value.get_ref() {
            DeValue::Table(inner) if i + 1 < path.len() => table = inner,
            DeValue::Array(items) if i + 1 == path.len() => {
                if let Some(item) = index.and_then(|n| items.get(n)) {
                    span = Some(item.span());
                }
            }
            _ if i + 1 < path.len() => return None,
            _ => {}
        }
    }
    span.map(|s| Position::of(text, s.start))
}

/// Characters of a typed reason that a reader can see: letters, numbers, punctuation and symbols
/// (Unicode general categories L, N, P, S) after NFKC. Whitespace, control (Cc) and format (Cf)
/// characters, marks on their own, unassigned code points and the Hangul fillers (letters that
/// draw nothing) do not count, so a reason of zero-width spaces is no reason.
pub fn visible_chars(text: &str) -> usize {
    use unicode_normalization::UnicodeNormalization;
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    const FILLERS: [char; 4] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}'];
    text.nfkc()
        .filter(|c| !c.is_whitespace() && !FILLERS.contains(c))
        .filter(|c| {
            matches!(
                c.general_category_group(),
                GeneralCategoryGroup::Letter
                    | GeneralCategoryGroup::Number
                    | GeneralCategoryGroup::Punctuation
                    | GeneralCategoryGroup::Symbol
            )
        })
        .count()
}

/// A whole policy, as the hub writes it (TOML) and as the snapshot carries it (JSON, window filled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub version: u32,
    pub event: EventWindow,
    #[serde(default)]
    pub consent: ConsentRules,
    #[serde(default)]
    pub break_glass: BreakGlassRules,
    #[serde(default)]
    pub clerk: ClerkRules,
    #[serde(default)]
    pub session: SessionRules,
    #[serde(default)]
    pub emergency: EmergencyRules,
    pub professions: BTreeMap<Profession, ProfessionRule>,
}

/// How a viewing session behaves on the laptop. A key left out takes its default, so a snapshot
/// signed before a key existed still opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionRules {
    /// The app locks itself after this many minutes without input.
    pub idle_lock_minutes: u32,
    /// A facility's data older than this many days (its data-as-of against the laptop's clock) is
    /// shown with a warning that it may be out of date.
    pub stale_data_days: u32,
    /// The most patients one search may list. A search that matches more lists none of them and
    /// asks the viewer to narrow it (name and date of birth, say): a viewer never pages through the
    /// region's identities.
    pub max_results: u32,
}

/// The emergency passphrase, which opens every copy of a snapshot without a laptop's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmergencyRules {
    /// The shortest passphrase a build accepts, counted in [`visible_chars`].
    pub min_passphrase_chars: usize,
}

/// The least `emergency.min_passphrase_chars` a policy may set.
pub const MIN_PASSPHRASE_FLOOR: usize = 12;

impl Default for EmergencyRules {
    fn default() -> Self {
        EmergencyRules {
            min_passphrase_chars: MIN_PASSPHRASE_FLOOR,
        }
    }
}

/// The largest `session.max_results` a policy may set: a search answer stays a short list.
pub const MAX_RESULTS_CEILING: u32 = 1000;

impl Default for SessionRules {
    fn default() -> Self {
        SessionRules {
            idle_lock_minutes: 5,
            stale_data_days: 7,
            max_results: 100,
        }
    }
}

/// The disaster emergency access is opened for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventWindow {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRules {
    /// The state of a patient the hub's consent list does not name.
    pub default: Consent,
}

impl Default for ConsentRules {
    fn default() -> Self {
        ConsentRules {
            default: Consent::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRules {
    /// The shortest reason accepted, counted in [`visible_chars`].
    pub min_reason_chars: usize,
    /// Whether break-glass may open a snapshot past its "not after".
    pub expired_snapshot: bool,
    /// The lease: how many days past its "not after" break-glass may still open a snapshot. Past
    /// that, nothing opens it. A key left out (a snapshot signed before it existed) takes the default.
    #[serde(default = "default_expired_grace_days")]
    pub expired_grace_days: u32,
}

/// The lease's grace when a policy does not set `break_glass.expired_grace_days`.
pub const DEFAULT_EXPIRED_GRACE_DAYS: u32 = 14;

/// The longest grace a policy may set: a lost laptop's data stays readable at most this long after
/// its last snapshot expires.
pub const MAX_EXPIRED_GRACE_DAYS: u32 = 90;

fn default_expired_grace_days() -> u32 {
    DEFAULT_EXPIRED_GRACE_DAYS
}

impl Default for BreakGlassRules {
    fn default() -> Self {
        BreakGlassRules {
            min_reason_chars: 8,
            expired_snapshot: false,
            expired_grace_days: DEFAULT_EXPIRED_GRACE_DAYS,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClerkRules {
    /// SHA-256 (lowercase hex) of each authorisation code the hub issued to 事務・その他 users.
    #[serde(default)]
    pub authorisation_sha256: Vec<String>,
}

/// What one profession may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfessionRule {
    /// Visible sections besides identity, which is always visible.
    pub sections: BTreeSet<Area>,
    /// How far back dated items of the time-limited sections are shown; 0 = no limit.
    #[serde(default)]
    pub lookback_days: u32,
    #[serde(default)]
    pub break_glass: bool,
}

/// A patient's consent as the hub's consent list records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consent {
    Consented,
    Refused,
    Unknown,
}

impl Consent {
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Consented => "consented",
            Consent::Refused => "refused",
            Consent::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Consent> {
        match s.trim().to_ascii_lowercase().as_str() {
            "consented" | "consent" | "yes" | "同意" | "同意あり" => Some(Consent::Consented),
            "refused" | "refuse" | "no" | "拒否" | "同意なし" => Some(Consent::Refused),
            "unknown" | "" | "不明" | "未確認" => Some(Consent::Unknown),
            _ => None,
        }
    }
}

/// The legal basis a viewer chooses for opening a record the hub has no consent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The hub's list says the patient consented (chosen by the policy, never by the viewer).
    Consent,
    /// The patient consents now, in person.
    VerbalConsent,
    /// The vital-interest exception: the patient cannot consent and care is needed to protect life.
    VitalInterest,
    /// An emergency override with a typed reason.
    BreakGlass,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Consent => "consent",
            Basis::VerbalConsent => "verbal-consent",
            Basis::VitalInterest => "vital-interest",
            Basis::BreakGlass => "break-glass",
        }
    }
}

/// Who is looking, as declared at the start of a session (requirements POL-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub name: String,
    pub profession: Profession,
    pub team: String,
    pub event: String,
    /// Required for [`Profession::Clerk`]: the code the hub issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation: Option<String>,
}

/// Why a request was refused: a stable rule name (audited, listed in review) and a message saying
/// what was refused and why, and what would allow it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub rule: Rule,
    pub message: String,
}

/// The rule behind a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The declaration is incomplete (no name, team or event).
    Declaration,
    /// A clerk without a valid authorisation code.
    Authorisation,
    /// Outside the event window, without break-glass.
    EventWindow,
    /// The snapshot is past its validity end, without break-glass.
    #[serde(rename = "expired-snapshot")]
    Expired,
    /// The snapshot is past its validity end and the lease's grace: nothing opens it.
    LeaseEnded,
    /// No consent and no legal basis chosen.
    ConsentBasis,
    /// The patient refused consent; only break-glass opens the record.
    ConsentRefused,
    /// This profession may not use break-glass, or the reason is too short.
    BreakGlass,
    /// This profession may not see the requested section.
    Section,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Declaration => "declaration",
            Rule::Authorisation => "authorisation",
            Rule::EventWindow => "event-window",
            Rule::Expired => "expired-snapshot",
            Rule::LeaseEnded => "lease-ended",
            Rule::ConsentBasis => "consent-basis",
            Rule::ConsentRefused => "consent-refused",
            Rule::BreakGlass => "break-glass",
            Rule::Section => "section",
        }
    }
}

fn refuse(rule: Rule, message: impl Into<String>) -> Refusal {
    Refusal {
        rule,
        message: message.into(),
    }
}

/// What a record request is allowed to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// Visible sections besides identity.
    pub sections: BTreeSet<Area>,
    /// Sections the profession may not see (the record says they were withheld, not that they are
    /// empty).
    pub withheld: BTreeSet<Area>,
    /// Dated items of time-limited sections before this day are not shown.
    pub since: Option<NaiveDate>,
    pub basis: Basis,
}

impl Grant {
    pub fn allows(&self, area: Area) -> bool {
        area == Area::Identity || self.sections.contains(&area)
    }

    /// Whether an item of `area` dated `date` (None: undated) is shown.
    pub fn shows(&self, area: Area, date: Option<NaiveDate>) -> bool {
        if !self.allows(area) {
            return false;
        }
        match (self.since, date) {
            (Some(since), Some(date)) if area.time_limited() => date >= since,
            _ => true,
        }
    }
}

/// A search request's allowance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchGrant {
    /// Whether words may match clinical text (drugs, diagnoses, labs, documents). Only a profession
    /// that sees every clinical section may search them: a match would otherwise reveal what it may
    /// not see.
    pub clinical: bool,
}

impl Policy {
    /// The shipped default policy.
    pub fn default_policy() -> Policy {
        // The default is part of the binary and tested; failing to parse it is a build defect.
        Policy::parse(DEFAULT_POLICY_TOML).expect("the shipped default policy parses")
    }

    /// Reads and checks a policy file's text; a fault says where it is (line and column).
    pub fn parse(toml_text: &str) -> Result<Policy, PolicyFileError> {
        let policy: Policy = toml::from_str(toml_text).map_err(|e| PolicyFileError {
            error: PolicyError::Syntax(e.message().trim().to_string()),
            at: e.span().map(|s| Position::of(toml_text, s.start)),
        })?;
        policy.validate().map_err(|error| PolicyFileError {
            at: error
                .place()
                .and_then(|(path, index)| locate(toml_text, &path, index)),
            error,
        })?;
        Ok(policy)
    }

    /// The policy as TOML with every default written out: what `fieldchart policy check` prints.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a policy serialises to TOML")
    }

    /// Reads the policy as the snapshot carries it.
    pub fn from_json(json: &[u8]) -> Result<Policy, PolicyError> {
        let policy: Policy =
            serde_json::from_slice(json).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a policy serialises")
    }

    fn validate(&self) -> Result<(), PolicyError> {
        if self.version != POLICY_VERSION {
            return Err(PolicyError::Version {
                found: self.version,
            });
        }
        for p in Profession::ALL {
            if !self.professions.contains_key(&p) {
                return Err(PolicyError::MissingProfession {
                    ja: p.ja(),
                    key: p.key(),
                });
            }
        }
        match (self.event.start, self.event.end) {
            (Some(start), Some(end)) if end <= start => {
                return Err(PolicyError::EmptyWindow { start, end });
            }
            (Some(_), None) => return Err(PolicyError::HalfWindow { given: "start" }),
            (None, Some(_)) => return Err(PolicyError::HalfWindow { given: "end" }),
            _ => {}
        }
        if self.session.idle_lock_minutes == 0 {
            return Err(PolicyError::OutOfRange {
                table: "session",
                key: "idle_lock_minutes",
                value: 0,
                allowed: "at least 1 (a lock that never comes is no lock)",
            });
        }
        if !(1..=MAX_RESULTS_CEILING).contains(&self.session.max_results) {
            return Err(PolicyError::OutOfRange {
                table: "session",
                key: "max_results",
                value: u64::from(self.session.max_results),
                allowed: "from 1 to 1000",
            });
        }
        if !(MIN_PASSPHRASE_FLOOR..=1024).contains(&self.emergency.min_passphrase_chars) {
            return Err(PolicyError::OutOfRange {
                table: "emergency",
                key: "min_passphrase_chars",
                value: self.emergency.min_passphrase_chars as u64,
                allowed: "from 12 to 1024",
            });
        }
        if self.break_glass.expired_grace_days > MAX_EXPIRED_GRACE_DAYS {
            return Err(PolicyError::OutOfRange {
                table: "break_glass",
                key: "expired_grace_days",
                value: u64::from(self.break_glass.expired_grace_days),
                allowed: "from 0 to 90 (days a lost laptop can still open an expired snapshot)",
            });
        }
        for (index, h) in self.clerk.authorisation_sha256.iter().enumerate() {
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(PolicyError::BadHash {
                    hash: h.clone(),
                    index,
                });
            }
        }
        Ok(())
    }

    /// The policy as signed into a snapshot: an event window left open in the file becomes the
    /// snapshot's validity window.
    pub fn resolved(mut self, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> Policy {
        if self.event.start.is_none() {
            self.event.start = Some(not_before.fixed_offset());
            self.event.end = Some(not_after.fixed_offset());
        }
        self
    }

    fn rule(&self, p: Profession) -> &ProfessionRule {
        // validate() guarantees a rule for every profession.
        &self.professions[&p]
    }

    /// Checks a declaration (requirements POL-4, POL-5): name, team and event given; a clerk's code
    /// is one the hub issued.
    pub fn check_declaration(&self, d: &Declaration) -> Result<(), Refusal> {
        let missing: Vec<&str> = [("name", &d.name), ("team", &d.team), ("event", &d.event)]
            .into_iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(k, _)| k)
            .collect();
        if !missing.is_empty() {
            return Err(refuse(
                Rule::Declaration,
                format!(
                    "declare who you are before viewing: {} missing",
                    missing.join(", ")
                ),
            ));
        }
        if d.profession == Profession::Clerk {
            let ok = d.authorisation.as_deref().is_some_and(|code| {
                let digest = hex(&Sha256::digest(code.trim().as_bytes()));
                self.clerk
                    .authorisation_sha256
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(&digest))
            });
            if !ok {
                return Err(refuse(
                    Rule::Authorisation,
                    "事務・その他 needs an authorisation code issued by the hub for this event; the code given is missing or not on the snapshot's list",
                ));
            }
        }
        Ok(())
    }

    /// Whether emergency access is open at `now` (requirements POL-9). Break-glass opens it
    /// outside the window, for professions allowed to use it.
    pub fn check_window(
        &self,
        d: &Declaration,
        now: DateTime<Utc>,
        break_glass: Option<&str>,
    ) -> Result<(), Refusal> {
        let (Some(start), Some(end)) = (self.event.start, self.event.end) else {
            return Ok(());
        };
        if now >= start && now <= end {
            return Ok(());
        }
        if let Some(reason) = break_glass {
            return self.check_break_glass(d, reason);
        }
        let when = if now < start { "before" } else { "after" };
        Err(refuse(
            Rule::EventWindow,
            format!(
                "emergency access for {} is open from {} to {}; it is now {} it. Only break-glass (with a typed reason) opens records outside the window",
                self.event.name,
                start.format("%Y-%m-%d %H:%M %:z"),
                end.format("%Y-%m-%d %H:%M %:z"),
                when
            ),
        ))
    }

    /// Whether a snapshot that expired at `not_after` may be opened at `now`: only by break-glass,
    /// only if the policy allows, and only within the lease's grace after `not_after`. `now` should
    /// be the latest time the laptop can vouch for, not just its clock, so that a clock turned back
    /// does not stretch the grace.
    pub fn check_expired(
        &self,
        d: &Declaration,
        break_glass: Option<&str>,
        now: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let grace = Duration::days(i64::from(self.break_glass.expired_grace_days));
        let lease_end = not_after.checked_add_signed(grace).unwrap_or(not_after);
        if self.break_glass.expired_snapshot && now > lease_end {
            return Err(refuse(
                Rule::LeaseEnded,
                format!(
                    "this snapshot expired on {} and its lease ended on {} ({} days later): not even break-glass opens it now (judged at {}, the latest time this laptop has recorded). Sync a current snapshot from the hub",
                    not_after.format("%Y-%m-%d %H:%M UTC"),
                    lease_end.format("%Y-%m-%d %H:%M UTC"),
                    self.break_glass.expired_grace_days,
                    now.format("%Y-%m-%d %H:%M UTC"),
                ),
            ));
        }
        match break_glass {
            Some(reason) if self.break_glass.expired_snapshot => self.check_break_glass(d, reason),
            Some(_) => Err(refuse(
                Rule::Expired,
                "this snapshot has expired and its policy does not let break-glass open it; sync a current snapshot",
            )),
            None => Err(refuse(
                Rule::Expired,
                "this snapshot has expired; sync a current one, or use break-glass with a typed reason if care cannot wait",
            )),
        }
    }

    /// Whether an emergency passphrase is long enough to build a snapshot with (checked by the
    /// build, before anything is encrypted to it).
    pub fn check_emergency_passphrase(&self, passphrase: &str) -> Result<(), PolicyError> {
        let given = visible_chars(passphrase);
        let min = self.emergency.min_passphrase_chars;
        if given < min {
            return Err(PolicyError::ShortPassphrase { given, min });
        }
        Ok(())
    }

    /// Whether `d` may use break-glass with this reason.
    pub fn check_break_glass(&self, d: &Declaration, reason: &str) -> Result<(), Refusal> {
        if !self.rule(d.profession).break_glass {
            return Err(refuse(
                Rule::BreakGlass,
                format!(
                    "{} may not use break-glass under this snapshot's policy",
                    d.profession.ja()
                ),
            ));
        }
        let chars = visible_chars(reason);
        if chars < self.break_glass.min_reason_chars {
            return Err(refuse(
                Rule::BreakGlass,
                format!(
                    "break-glass needs a reason of at least {} visible characters (given: {chars}; spaces and invisible characters do not count)",
                    self.break_glass.min_reason_chars
                ),
            ));
        }
        Ok(())
    }

    /// What a search may look at.
    pub fn search(&self, d: &Declaration) -> SearchGrant {
        let rule = self.rule(d.profession);
        SearchGrant {
            clinical: Area::CLINICAL.iter().all(|a| rule.sections.contains(a))
                && rule.lookback_days == 0,
        }
    }

    /// Whether a record may be opened, and what of it is shown (requirements POL-6, POL-7, POL-11,
    /// POL-15).
    ///
    /// `consent` is the hub's state for the patient (None: not on the list, so the policy default);
    /// `basis` is what the viewer chose; `break_glass` the reason of an override in force. The
    /// declaration and the window are checked by [`check_declaration`](Self::check_declaration) and
    /// [`check_window`](Self::check_window) first.
    pub fn grant(
        &self,
        d: &Declaration,
        consent: Option<Consent>,
        basis: Option<Basis>,
        break_glass: Option<&str>,
        today: NaiveDate,
    ) -> Result<Grant, Refusal> {
        let consent = consent.unwrap_or(self.consent.default);
        let basis = match (consent, basis, break_glass) {
            (_, _, Some(reason)) => {
                self.check_break_glass(d, reason)?;
                match consent {
                    Consent::Consented => Basis::Consent,
                    _ => Basis::BreakGlass,
                }
            }
            (Consent::Consented, _, None) => Basis::Consent,
            (Consent::Refused, _, None) => {
                return Err(refuse(
                    Rule::ConsentRefused,
                    "this patient refused consent to sharing; the record opens only by break-glass, with a typed reason, when care cannot go on without it",
                ));
            }
            (Consent::Unknown, Some(b @ (Basis::VitalInterest | Basis::VerbalConsent)), None) => b,
            (Consent::Unknown, _, None) => {
                return Err(refuse(
                    Rule::ConsentBasis,
                    "the hub has no consent for this patient: choose the legal basis (vital-interest: the patient cannot consent and care is needed to protect life; or verbal-consent: the patient consents now)",
                ));
            }
        };
        let rule = self.rule(d.profession);
        let sections = rule.sections.clone();
        let withheld = Area::VIEWABLE
            .iter()
            .copied()
            .filter(|a| !sections.contains(a))
            .collect();
        let since =
            (rule.lookback_days > 0).then(|| today - Duration::days(i64::from(rule.lookback_days)));
        Ok(Grant {
            sections,
            withheld,
            since,
            basis,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 (hex) of an authorisation code, as `clerk.authorisation_sha256` lists it.
pub fn authorisation_hash(code: &str) -> String {
    hex(&Sha256::digest(code.trim().as_bytes()))
}
