//! `hub.toml`: what the operator writes, and the configuration as the hub resolves it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::{CONFIG_FILE, HubError, MAX_CONFIG_BYTES, Position};

/// `hub.toml` as written. Every table and key is documented in docs/hub.md; an unknown one is an
/// error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    pub hub: Hub,
    #[serde(default)]
    pub snapshot: Snapshot,
    #[serde(default)]
    pub keys: Keys,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default, rename = "facility")]
    pub facilities: Vec<Facility>,
    #[serde(default)]
    pub recipients: Recipients,
    #[serde(default)]
    pub audit: Audit,
    #[serde(default)]
    pub identity: Identity,
    #[serde(default)]
    pub hpki: Hpki,
    #[serde(default)]
    pub masters: MastersConfig,
}

/// The standard code masters the build reads codes against (docs/masters.md): each a file,
/// relative to the hub folder unless absolute. None configured: codes are read as without them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MastersConfig {
    /// The MEDIS 病名基本テーブル (`nmain*.txt`).
    #[serde(default)]
    pub disease: Option<Spanned<PathBuf>>,
    /// HOT master files (`MEDIS*.TXT`, `MEDIS*_HOT9.TXT`).
    #[serde(default)]
    pub hot: Option<Spanned<Vec<PathBuf>>>,
    #[serde(default)]
    pub jlac10_analyte: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub jlac10_identification: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub jlac10_specimen: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub jlac10_method: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub jlac10_result: Option<Spanned<PathBuf>>,
    /// `shift_jis` (default: Excel's CSV on Japanese Windows) or `utf8`.
    #[serde(default)]
    pub jlac10_encoding: Option<fieldchart_masters::TextEncoding>,
    /// Facility mapping tables (local code → standard code).
    #[serde(default)]
    pub local_maps: Option<Spanned<Vec<PathBuf>>>,
    /// `utf8` (default) or `shift_jis`.
    #[serde(default)]
    pub local_map_encoding: Option<fieldchart_masters::TextEncoding>,
}

/// The HPKI trust referral letters' signatures are checked against (docs/hpki.md): each a list of
/// files or folders of files, relative to the hub folder unless absolute.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hpki {
    /// Root CA certificates (PEM or DER): the HPKI certification authorities the hub trusts.
    #[serde(default)]
    pub anchors: Option<Spanned<Vec<PathBuf>>>,
    /// Intermediate CA certificates, for signatures that do not carry their chain.
    #[serde(default)]
    pub intermediates: Option<Spanned<Vec<PathBuf>>>,
    /// The CAs' CRLs (PEM): with them revocation is checked; without, results say "not checked".
    #[serde(default)]
    pub crls: Option<Spanned<Vec<PathBuf>>>,
}

/// The regional index's cross-references: who is one person at two facilities (docs/identity.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The master patient index's export: linked (facility, patient ID) groups, TSV or CSV.
    #[serde(default)]
    pub xref: Option<Spanned<PathBuf>>,
    /// A folder of HL7 v2 link events (ADT^A24, A37, A40), applied after the export in time order.
    #[serde(default)]
    pub link_events: Option<Spanned<PathBuf>>,
}

/// Where the laptops' forwarded audit trails arrive, and how the review judges them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// The collector's files (JSON lines): accepted entries and dropped replays.
    #[serde(default = "Audit::default_collected")]
    pub collected: Spanned<Vec<PathBuf>>,
    /// A laptop silent for more than this many days is listed by the review.
    #[serde(default = "Audit::default_silent_days")]
    pub silent_days: Spanned<u32>,
}

impl Audit {
    fn default_collected() -> Spanned<Vec<PathBuf>> {
        Spanned::new(
            0..0,
            vec![
                PathBuf::from("/var/log/fieldchart/audit.jsonl"),
                PathBuf::from("/var/log/fieldchart/audit-replayed.jsonl"),
            ],
        )
    }
    fn default_silent_days() -> Spanned<u32> {
        Spanned::new(0..0, 7)
    }
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            collected: Audit::default_collected(),
            silent_days: Audit::default_silent_days(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// The hub's name, shown to operators and in reports.
    pub name: Spanned<String>,
    /// Everything this hub publishes is drill (synthetic) data.
    #[serde(default)]
    pub drill: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Days a published snapshot stays valid after it is made.
    #[serde(default = "Snapshot::default_valid_days")]
    pub valid_days: Spanned<u32>,
    /// Years of history kept (allergies, problems and infections are kept whatever their age).
    #[serde(default = "Snapshot::default_history_years")]
    pub history_years: Spanned<u32>,
    /// A fresh base when the layers add up to more than this share of the base.
    #[serde(default = "Snapshot::default_layer_share")]
    pub layer_share: Spanned<f64>,
    /// A fresh base when the chain has this many layers.
    #[serde(default = "Snapshot::default_max_layers")]
    pub max_layers: Spanned<u32>,
}

impl Snapshot {
    fn default_valid_days() -> Spanned<u32> {
        Spanned::new(0..0, 30)
    }
    fn default_history_years() -> Spanned<u32> {
        Spanned::new(0..0, 5)
    }
    fn default_layer_share() -> Spanned<f64> {
        Spanned::new(0..0, 0.3)
    }
    fn default_max_layers() -> Spanned<u32> {
        Spanned::new(0..0, 30)
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            valid_days: Snapshot::default_valid_days(),
            history_years: Snapshot::default_history_years(),
            layer_share: Snapshot::default_layer_share(),
            max_layers: Snapshot::default_max_layers(),
        }
    }
}

/// The hub's keys, relative to the hub folder unless absolute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The ed25519 key every published file is signed with.
    #[serde(default = "Keys::default_signing")]
    pub signing: Spanned<PathBuf>,
    /// The age identity whose recipient the laptops encrypt their audit entries to.
    #[serde(default = "Keys::default_audit")]
    pub audit: Spanned<PathBuf>,
    /// The hub's own age identity: every snapshot is also encrypted to it, so `hub verify` can
    /// open what was published without any laptop's key.
    #[serde(default = "Keys::default_own")]
    pub own: Spanned<PathBuf>,
    /// A file holding the emergency passphrase that also opens every snapshot (optional).
    #[serde(default)]
    pub passphrase: Option<Spanned<PathBuf>>,
}

impl Keys {
    fn default_signing() -> Spanned<PathBuf> {
        Spanned::new(0..0, PathBuf::from("keys/signing.key"))
    }
    fn default_audit() -> Spanned<PathBuf> {
        Spanned::new(0..0, PathBuf::from("keys/audit.key"))
    }
    fn default_own() -> Spanned<PathBuf> {
        Spanned::new(0..0, PathBuf::from("keys/hub.key"))
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            signing: Keys::default_signing(),
            audit: Keys::default_audit(),
            own: Keys::default_own(),
            passphrase: None,
        }
    }
}

/// The policy and consent list signed into every snapshot.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The access policy (TOML, docs/policy.md); the shipped policy when not given.
    #[serde(default)]
    pub file: Option<Spanned<PathBuf>>,
    /// The consent list (CSV, docs/policy.md); every patient takes the policy's default when not
    /// given.
    #[serde(default)]
    pub consent: Option<Spanned<PathBuf>>,
}

/// One hospital or clinic and its SS-MIX2 storage roots.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// The 10-digit facility code (医療機関コード), as SS-MIX2 names the facility.
    pub code: Spanned<String>,
    /// The name the laptops show.
    pub name: Spanned<String>,
    /// The facility's storage roots (standard and extended storage, and any split by period).
    pub roots: Spanned<Vec<PathBuf>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    /// Public keys (`age1…`) that also open every snapshot without being in the laptop register
    /// (a test bench). Prefer `fieldchart hub laptop add`: only a registered laptop can be revoked.
    #[serde(default)]
    pub laptops: Vec<Spanned<String>>,
}

/// The configuration as the hub uses it: paths made absolute, keys read, every value checked.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub folder: PathBuf,
    pub name: String,
    pub drill: bool,
    pub valid_days: u32,
    pub history_years: u32,
    pub layer_share: f64,
    pub max_layers: u32,
    pub signing_key: PathBuf,
    /// The public half of the signing key: what laptops trust.
    pub signing_public: String,
    pub audit_key: PathBuf,
    /// What laptops encrypt their audit entries to.
    pub audit_recipient: String,
    pub own_key: PathBuf,
    /// The hub's own recipient, added to every snapshot's recipients.
    pub own_recipient: String,
    pub passphrase: Option<PathBuf>,
    /// None: the shipped policy.
    pub policy: Option<PathBuf>,
    pub consent: Option<PathBuf>,
    /// The cross-reference export and the link-event folder (absolute), when configured.
    pub xref: Option<PathBuf>,
    pub link_events: Option<PathBuf>,
    /// The HPKI trust's files (absolute) and what they hold.
    pub hpki: ResolvedHpki,
    /// The master files (absolute), and what they held when the configuration was read.
    pub masters: ResolvedMasters,
    pub facilities: Vec<ResolvedFacility>,
    /// Every laptop recipient of the next build: the register's laptops not revoked, then the
    /// keys of `[recipients] laptops`.
    pub laptops: Vec<String>,
    /// How many of `laptops` come from the register.
    pub registered: usize,
    /// How many come from `[recipients] laptops`: keys no `hub laptop revoke` can reach.
    pub unregistered: usize,
    /// The laptop IDs the repository lists as revoked ([`crate::Register::revoked_ids`]).
    pub revoked: Vec<String>,
    /// The collector's files `hub audit ingest` reads (absolute).
    pub audit_collected: Vec<PathBuf>,
    pub silent_days: u32,
}

/// `[hpki]` as the build uses it: the paths as configured (absolute; a folder is read again at each
/// build, so a CRL replaced in it is taken), and what they held when the configuration was read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResolvedHpki {
    pub anchors: Vec<PathBuf>,
    pub intermediates: Vec<PathBuf>,
    pub crls: Vec<PathBuf>,
    pub files: fieldchart_hpki::TrustFiles,
}

impl ResolvedHpki {
    /// Reads the trust for a build made at `now` (Unix seconds).
    pub fn load(&self, now: i64) -> Result<fieldchart_hpki::Trust, fieldchart_hpki::HpkiError> {
        fieldchart_hpki::load_trust(&self.anchors, &self.intermediates, &self.crls, now)
            .map(|(trust, _)| trust)
    }
}

/// `[masters]` as the build uses it: the files, read at `hub check` and at each build (so a new
/// month's master put in place is taken), never by the other commands.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResolvedMasters {
    pub files: fieldchart_masters::MasterFiles,
    /// Each configured file, the key that names it and where in `hub.toml`, so a file that turns
    /// out not to be its master is a configuration fault pointing at the line.
    #[serde(skip)]
    named: Vec<(PathBuf, String, Option<Position>)>,
    #[serde(skip)]
    config: PathBuf,
}

impl ResolvedMasters {
    /// Reads every configured master once. A file that cannot be read, or is not in the layout
    /// its key names, is [`HubError::Config`] naming the key and its line (exit 2).
    pub fn load(&self) -> Result<fieldchart_masters::Masters, HubError> {
        self.files.load().map_err(|e| {
            let (key, at) = self
                .named
                .iter()
                .find(|(path, _, _)| path == e.path())
                .map_or(("masters", None), |(_, key, at)| (key.as_str(), *at));
            HubError::Config {
                path: self.config.clone(),
                at,
                reason: format!("[masters] {key}: {e}"),
            }
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolvedFacility {
    pub code: String,
    pub name: String,
    pub roots: Vec<PathBuf>,
}

impl HubConfig {
    /// Parses `text` (the contents of `path`) without looking at the disk.
    pub fn parse(text: &str, path: &Path) -> Result<HubConfig, HubError> {
        toml::from_str(text).map_err(|e| HubError::Config {
            path: path.to_owned(),
            at: e.span().map(|s| Position::of(text, s.start)),
            reason: e.message().trim().to_string(),
        })
    }

    /// Reads and checks the hub folder `folder`: its `hub.toml`, its keys, its policy and every
    /// facility's roots. The first fault names its line in `hub.toml`.
    pub fn read(folder: &Path) -> Result<Resolved, HubError> {
        let path = folder.join(CONFIG_FILE);
        let bytes =
            fieldchart_vault::input::read_bounded(&path, MAX_CONFIG_BYTES).map_err(|e| {
                HubError::Config {
                    path: path.clone(),
                    at: None,
                    reason: format!("{e}; `fieldchart hub init {}` makes one", folder.display()),
                }
            })?;
        let text = String::from_utf8(bytes).map_err(|_| HubError::Config {
            path: path.clone(),
            at: None,
            reason: "not UTF-8 text".into(),
        })?;
        let config = HubConfig::parse(&text, &path)?;
        config.resolve(folder, &text, &path)
    }

    fn resolve(self, folder: &Path, text: &str, path: &Path) -> Result<Resolved, HubError> {
        let fault = |span: std::ops::Range<usize>, reason: String| HubError::Config {
            path: path.to_owned(),
            // A default has an empty span at 0: it was not written, so there is no line to name.
            at: (span != (0..0)).then(|| Position::of(text, span.start)),
            reason,
        };
        let folder = std::path::absolute(folder).map_err(|source| HubError::Io {
            path: folder.to_owned(),
            source,
        })?;
        let local = |p: &Path| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                folder.join(p)
            }
        };

        let name = self.hub.name.get_ref().trim();
        if name.is_empty() {
            return Err(fault(
                self.hub.name.span(),
                "[hub] name is empty: name the hub".into(),
            ));
        }
        let valid_days = *self.snapshot.valid_days.get_ref();
        if !(1..=365).contains(&valid_days) {
            return Err(fault(
                self.snapshot.valid_days.span(),
                format!("[snapshot] valid_days = {valid_days}: give 1 to 365 days"),
            ));
        }
        let history_years = *self.snapshot.history_years.get_ref();
        if !(1..=100).contains(&history_years) {
            return Err(fault(
                self.snapshot.history_years.span(),
                format!("[snapshot] history_years = {history_years}: give 1 to 100 years"),
            ));
        }
        let layer_share = *self.snapshot.layer_share.get_ref();
        if !(layer_share > 0.0 && layer_share <= 1.0) {
            return Err(fault(
                self.snapshot.layer_share.span(),
                format!(
                    "[snapshot] layer_share = {layer_share}: give a share of the base above 0 and \
                     at most 1 (0.3 is 30%)"
                ),
            ));
        }
        let max_layers = *self.snapshot.max_layers.get_ref();
        if !(1..=1000).contains(&max_layers) {
            return Err(fault(
                self.snapshot.max_layers.span(),
                format!("[snapshot] max_layers = {max_layers}: give 1 to 1000 layers"),
            ));
        }

        let key_fault =
            |span: std::ops::Range<usize>, key: &str, e: fieldchart_vault::VaultError| {
                fault(span, format!("[keys] {key}: {e}"))
            };
        let signing_key = local(self.keys.signing.get_ref());
        let signing = fieldchart_vault::load_signing_key(&signing_key)
            .map_err(|e| key_fault(self.keys.signing.span(), "signing", e))?;
        let audit_key = local(self.keys.audit.get_ref());
        let audit = fieldchart_vault::load_identity(&audit_key)
            .map_err(|e| key_fault(self.keys.audit.span(), "audit", e))?;
        let own_key = local(self.keys.own.get_ref());
        let own = fieldchart_vault::load_identity(&own_key)
            .map_err(|e| key_fault(self.keys.own.span(), "own", e))?;
        let passphrase = match &self.keys.passphrase {
            Some(p) => {
                let file = local(p.get_ref());
                fieldchart_vault::input::open_regular(&file)
                    .map_err(|e| fault(p.span(), format!("[keys] passphrase: {e}")))?;
                Some(file)
            }
            None => None,
        };

        let policy = match &self.policy.file {
            Some(p) => {
                let file = local(p.get_ref());
                let policy_text = fieldchart_vault::input::read_bounded(&file, MAX_CONFIG_BYTES)
                    .map_err(|e| fault(p.span(), format!("[policy] file: {e}")))
                    .and_then(|b| {
                        String::from_utf8(b).map_err(|_| {
                            fault(
                                p.span(),
                                format!("[policy] file {} is not UTF-8", file.display()),
                            )
                        })
                    })?;
                fieldchart_policy::Policy::parse(&policy_text).map_err(|e| {
                    fault(p.span(), format!("[policy] file {}: {e}", file.display()))
                })?;
                Some(file)
            }
            None => None,
        };
        // An input file the build reads: made absolute, and a regular file that opens.
        let input_file =
            |key: &str, p: &Option<Spanned<PathBuf>>| -> Result<Option<PathBuf>, HubError> {
                match p {
                    Some(p) => {
                        let file = local(p.get_ref());
                        fieldchart_vault::input::open_regular(&file)
                            .map_err(|e| fault(p.span(), format!("{key}: {e}")))?;
                        Ok(Some(file))
                    }
                    None => Ok(None),
                }
            };
        let consent = input_file("[policy] consent", &self.policy.consent)?;
        let xref = input_file("[identity] xref", &self.identity.xref)?;
        let link_events = match &self.identity.link_events {
            Some(p) => {
                let dir = local(p.get_ref());
                if !dir.is_dir() {
                    return Err(fault(
                        p.span(),
                        format!(
                            "[identity] link_events: {} is not a folder (the HL7 link events \
                             arrive in one)",
                            dir.display()
                        ),
                    ));
                }
                Some(dir)
            }
            None => None,
        };

        let hpki = {
            let list = |p: &Option<Spanned<Vec<PathBuf>>>| -> Vec<PathBuf> {
                p.as_ref()
                    .map(|p| p.get_ref().iter().map(|f| local(f)).collect())
                    .unwrap_or_default()
            };
            let span = |p: &Option<Spanned<Vec<PathBuf>>>| p.as_ref().map_or(0..0, |p| p.span());
            let (anchors, intermediates, crls) = (
                list(&self.hpki.anchors),
                list(&self.hpki.intermediates),
                list(&self.hpki.crls),
            );
            if anchors.is_empty() && !(intermediates.is_empty() && crls.is_empty()) {
                let written = if crls.is_empty() {
                    &self.hpki.intermediates
                } else {
                    &self.hpki.crls
                };
                return Err(fault(
                    span(written),
                    "[hpki] has intermediates or crls but no anchors: name the HPKI root \
                     certificates the hub trusts in anchors"
                        .into(),
                ));
            }
            let now = chrono::Utc::now().timestamp();
            // Each list read once, on its own, so a fault names the key whose file is wrong.
            let read = |key: &str, p: &Option<Spanned<Vec<PathBuf>>>, files: &[PathBuf]| {
                let (a, i, c): (&[PathBuf], &[PathBuf], &[PathBuf]) = match key {
                    "anchors" => (files, &[], &[]),
                    "intermediates" => (&[], files, &[]),
                    _ => (&[], &[], files),
                };
                fieldchart_hpki::load_trust(a, i, c, now)
                    .map(|(_, described)| described)
                    .map_err(|e| fault(span(p), format!("[hpki] {key}: {e}")))
            };
            let files = fieldchart_hpki::TrustFiles {
                anchors: read("anchors", &self.hpki.anchors, &anchors)?.anchors,
                intermediates: read("intermediates", &self.hpki.intermediates, &intermediates)?
                    .intermediates,
                crls: read("crls", &self.hpki.crls, &crls)?.crls,
            };
            ResolvedHpki {
                anchors,
                intermediates,
                crls,
                files,
            }
        };

        let masters = {
            let m = &self.masters;
            let one = |p: &Option<Spanned<PathBuf>>| p.as_ref().map(|p| local(p.get_ref()));
            let list = |p: &Option<Spanned<Vec<PathBuf>>>| -> Vec<PathBuf> {
                p.as_ref()
                    .map(|p| p.get_ref().iter().map(|f| local(f)).collect())
                    .unwrap_or_default()
            };
            use fieldchart_masters::{Jlac10Table as T, MasterFiles, TextEncoding};
            let jlac10 = [
                (T::Analyte, &m.jlac10_analyte),
                (T::Identification, &m.jlac10_identification),
                (T::Specimen, &m.jlac10_specimen),
                (T::Method, &m.jlac10_method),
                (T::Result, &m.jlac10_result),
            ];
            let files = MasterFiles {
                disease: one(&m.disease),
                hot: list(&m.hot),
                jlac10: jlac10
                    .iter()
                    .filter_map(|(t, p)| Some((*t, one(p)?)))
                    .collect(),
                jlac10_encoding: m.jlac10_encoding.unwrap_or(TextEncoding::ShiftJis),
                local_maps: list(&m.local_maps),
                local_map_encoding: m.local_map_encoding.unwrap_or(TextEncoding::Utf8),
            };
            // Each file only opened here: reading and parsing a full master is for `hub check`
            // and the build (ResolvedMasters::load), not for every `hub status`.
            let span1 = |p: &Option<Spanned<PathBuf>>| p.as_ref().map_or(0..0, |p| p.span());
            let spans = |p: &Option<Spanned<Vec<PathBuf>>>| p.as_ref().map_or(0..0, |p| p.span());
            let mut named = Vec::new();
            named.extend(
                files
                    .disease
                    .iter()
                    .map(|d| (d, "disease".to_string(), span1(&m.disease))),
            );
            named.extend(
                files
                    .hot
                    .iter()
                    .map(|h| (h, "hot".to_string(), spans(&m.hot))),
            );
            for ((table, path), (_, written)) in files
                .jlac10
                .iter()
                .zip(jlac10.iter().filter(|(_, p)| p.is_some()))
            {
                named.push((
                    path,
                    format!("jlac10_{}", table_key(*table)),
                    span1(written),
                ));
            }
            named.extend(
                files
                    .local_maps
                    .iter()
                    .map(|l| (l, "local_maps".to_string(), spans(&m.local_maps))),
            );
            let mut checked = Vec::new();
            for (file, key, span) in named {
                if let Err(e) = std::fs::File::open(file) {
                    return Err(fault(
                        span,
                        format!("[masters] {key}: cannot read {}: {e}", file.display()),
                    ));
                }
                let at = (span != (0..0)).then(|| Position::of(text, span.start));
                checked.push((file.clone(), key, at));
            }
            ResolvedMasters {
                files,
                named: checked,
                config: path.to_owned(),
            }
        };

        if self.facilities.is_empty() {
            return Err(fault(
                0..0,
                "no [[facility]]: add one table per hospital, with its code, name and storage \
                 roots (docs/hub.md)"
                    .into(),
            ));
        }
        let mut codes = HashSet::new();
        let mut facilities = Vec::new();
        for f in &self.facilities {
            let code = f.code.get_ref().trim();
            if code.len() != 10 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fault(
                    f.code.span(),
                    format!(
                        "facility code {code:?} is not a 10-digit facility code (医療機関コード), \
                         as the facility's SS-MIX2 storage names it"
                    ),
                ));
            }
            if !codes.insert(code.to_string()) {
                return Err(fault(
                    f.code.span(),
                    format!(
                        "facility {code} is listed twice: give one [[facility]] with all its roots"
                    ),
                ));
            }
            if f.name.get_ref().trim().is_empty() {
                return Err(fault(
                    f.name.span(),
                    format!("facility {code} has an empty name"),
                ));
            }
            if f.roots.get_ref().is_empty() {
                return Err(fault(
                    f.roots.span(),
                    format!("facility {code} has no storage roots"),
                ));
            }
            let mut roots = Vec::new();
            for root in f.roots.get_ref() {
                let root = local(root);
                if !root.is_dir() {
                    return Err(fault(
                        f.roots.span(),
                        format!(
                            "facility {code}: the storage root {} is not a folder this hub can \
                             read (is the share mounted?)",
                            root.display()
                        ),
                    ));
                }
                roots.push(root);
            }
            facilities.push(ResolvedFacility {
                code: code.to_string(),
                name: f.name.get_ref().trim().to_string(),
                roots,
            });
        }

        let own_recipient = own.to_public().to_string();
        let register = crate::register::Register::read(&folder)?;
        let mut seen = HashSet::from([own_recipient.clone()]);
        let mut laptops = Vec::new();
        for key in register.recipients() {
            if !seen.insert(key.clone()) {
                return Err(HubError::Config {
                    path: folder.join(crate::REGISTER_FILE),
                    at: None,
                    reason: format!("{key} is the hub's own key: it is no laptop's"),
                });
            }
            laptops.push(key);
        }
        let registered = laptops.len();
        for r in &self.recipients.laptops {
            let key = r.get_ref().trim();
            let parsed = fieldchart_vault::parse_recipient(key)
                .map_err(|e| fault(r.span(), format!("[recipients] laptops: {e}")))?;
            let id = fieldchart_vault::laptop::laptop_id(&parsed);
            if let Some(l) = register
                .laptops
                .iter()
                .find(|l| l.id == id || l.retired.iter().any(|k| k.id == id))
            {
                let state = if l.id == id && !l.is_revoked() {
                    "is in the laptop register already"
                } else {
                    "is revoked (or retired) in the laptop register"
                };
                return Err(fault(
                    r.span(),
                    format!(
                        "[recipients] laptops: {key} is laptop {:?}'s key, which {state}: remove \
                         it from hub.toml",
                        l.name
                    ),
                ));
            }
            if !seen.insert(key.to_string()) {
                return Err(fault(
                    r.span(),
                    format!("[recipients] laptops: {key} is listed twice, or is the hub's own key"),
                ));
            }
            laptops.push(key.to_string());
        }
        let unregistered = laptops.len() - registered;
        let revoked = register.revoked_ids();
        let silent_days = *self.audit.silent_days.get_ref();
        if !(1..=365).contains(&silent_days) {
            return Err(fault(
                self.audit.silent_days.span(),
                format!("[audit] silent_days = {silent_days}: give 1 to 365 days"),
            ));
        }
        let audit_collected = self
            .audit
            .collected
            .get_ref()
            .iter()
            .map(|p| local(p))
            .collect();

        Ok(Resolved {
            folder,
            name: name.to_string(),
            drill: self.hub.drill,
            valid_days,
            history_years,
            layer_share,
            max_layers,
            signing_key,
            signing_public: signing.trusted_key().to_string(),
            audit_key,
            audit_recipient: audit.to_public().to_string(),
            own_key,
            own_recipient,
            passphrase,
            policy,
            consent,
            xref,
            link_events,
            hpki,
            masters,
            facilities,
            laptops,
            registered,
            unregistered,
            revoked,
            audit_collected,
            silent_days,
        })
    }
}

/// The hub.toml key of a JLAC10 table (`jlac10_analyte` …), without the prefix.
fn table_key(t: fieldchart_masters::Jlac10Table) -> &'static str {
    use fieldchart_masters::Jlac10Table as T;
    match t {
        T::Analyte => "analyte",
        T::Identification => "identification",
        T::Specimen => "specimen",
        T::Method => "method",
        T::Result => "result",
    }
}
