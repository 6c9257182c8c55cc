//! Where the app looks for snapshots, keys and trusted hubs, and where it writes its audit trail.
//!
//! A field laptop is set up once by IT (or by `scripts/run.sh` for a drill); at the bedside nobody
//! types a path. So everything is found: snapshots in the laptop's snapshot folders and on mounted
//! removable media, the device key in the usual places, the hub keys the laptop trusts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// The clock every decision uses (the system clock outside tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The time zone of the wall clock people read: dates on screen, "today" for ages and look-back,
/// the drill report's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The laptop's own setting.
    System,
    /// A fixed offset (a test that must read the same on any machine; +09:00 is Japan's).
    Fixed(FixedOffset),
}

impl Zone {
    /// `t` as the wall clock shows it.
    pub fn local(self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::System => t.with_timezone(&chrono::Local).naive_local(),
            Zone::Fixed(offset) => t.with_timezone(&offset).naive_local(),
        }
    }
}

/// Everything the app finds or writes on this laptop.
#[derive(Clone)]
pub struct Config {
    /// The laptop's own snapshot folders (listed as "local").
    pub snapshot_dirs: Vec<PathBuf>,
    /// Mount points of removable media (`/media/<user>`, `/run/media/<user>`): every medium
    /// mounted under them is searched, two folders deep (listed as "removable").
    pub removable_roots: Vec<PathBuf>,
    /// Where this laptop's device key may be, in order; the first file that exists is used.
    pub device_keys: Vec<PathBuf>,
    /// Files holding a hub's public signing key (`fcsig1…`), or folders of `*.pub` such files.
    /// Never taken from removable media: a medium cannot vouch for itself.
    pub trusted: Vec<PathBuf>,
    /// The audit log of real use.
    pub audit_log: PathBuf,
    /// The audit log of drills, kept apart from real use; drill reports are written beside it.
    pub drill_audit_log: PathBuf,
    /// The hub's repository this laptop syncs from when asked ("Sync now" on the start screen):
    /// an `http(s)://` address or a folder (a USB stick's or a file share's copy). The synced
    /// chain goes into the first of [`Config::snapshot_dirs`]. `None`: no sync is offered.
    pub sync_source: Option<String>,
    /// How a sync reaches a web server: a private CA's certificates, a proxy.
    pub sync_http: fieldchart_sync::fetch::HttpSettings,
    pub clock: Clock,
    pub zone: Zone,
}

impl Config {
    /// The configuration of an installed laptop, from the environment:
    ///
    /// - snapshots: `$FIELDCHART_SNAPSHOTS` (`:`-separated folders), else `./snapshots` and
    ///   `$XDG_DATA_HOME/fieldchart/snapshots`;
    /// - device key: `$FIELDCHART_DEVICE_KEY`, `$XDG_CONFIG_HOME/fieldchart/device.key`, then
    ///   `keys/device.key` in each snapshot folder;
    /// - trusted hubs: `$FIELDCHART_TRUST` (`:`-separated files or folders),
    ///   `$XDG_CONFIG_HOME/fieldchart/trusted/`, then `keys/hub.pub` in each snapshot folder;
    /// - audit: `$FIELDCHART_AUDIT_LOG`, else `$XDG_DATA_HOME/fieldchart/audit.log`; drills
    ///   `$FIELDCHART_DRILL_AUDIT_LOG`, else `$XDG_DATA_HOME/fieldchart/drill/audit.log`;
    /// - sync source: `$FIELDCHART_SYNC_SOURCE` (a repository's `http(s)://` address or folder),
    ///   else none (no "Sync now"); for a web address, `$FIELDCHART_SYNC_CA` (a PEM file of the
    ///   private CA that signed the hub's web server, trusted instead of the public roots) and
    ///   `$FIELDCHART_SYNC_PROXY` (an HTTP proxy; the usual proxy variables are never read).
    pub fn from_env() -> Config {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let xdg = |var: &str, fallback: &str| {
            env_path(var).or_else(|| home.as_ref().map(|h| h.join(fallback)))
        };
        let data = xdg("XDG_DATA_HOME", ".local/share").map(|d| d.join("fieldchart"));
        let config = xdg("XDG_CONFIG_HOME", ".config").map(|d| d.join("fieldchart"));

        let snapshot_dirs = match env_list("FIELDCHART_SNAPSHOTS") {
            Some(dirs) => dirs,
            None => {
                let mut dirs = vec![PathBuf::from("snapshots")];
                dirs.extend(data.as_ref().map(|d| d.join("snapshots")));
                dirs
            }
        };
        let mut device_keys: Vec<PathBuf> = env_path("FIELDCHART_DEVICE_KEY").into_iter().collect();
        device_keys.extend(config.as_ref().map(|c| c.join("device.key")));
        device_keys.extend(
            snapshot_dirs
                .iter()
                .map(|d| d.join("keys").join("device.key")),
        );
        let mut trusted = env_list("FIELDCHART_TRUST").unwrap_or_default();
        trusted.extend(config.as_ref().map(|c| c.join("trusted")));
        trusted.extend(snapshot_dirs.iter().map(|d| d.join("keys").join("hub.pub")));

        let user = std::env::var("USER").unwrap_or_default();
        let mut removable_roots = Vec::new();
        if !user.is_empty() {
            removable_roots.push(Path::new("/media").join(&user));
            removable_roots.push(Path::new("/run/media").join(&user));
        }
        let data = data.unwrap_or_else(|| PathBuf::from("fieldchart-data"));
        Config {
            snapshot_dirs,
            removable_roots,
            device_keys,
            trusted,
            audit_log: env_path("FIELDCHART_AUDIT_LOG").unwrap_or_else(|| data.join("audit.log")),
            drill_audit_log: env_path("FIELDCHART_DRILL_AUDIT_LOG")
                .unwrap_or_else(|| data.join("drill").join("audit.log")),
            sync_source: env_text("FIELDCHART_SYNC_SOURCE"),
            sync_http: fieldchart_sync::fetch::HttpSettings {
                ca_file: env_path("FIELDCHART_SYNC_CA"),
                proxy: env_text("FIELDCHART_SYNC_PROXY"),
                ..Default::default()
            },
            clock: Arc::new(Utc::now),
            zone: Zone::System,
        }
    }

    /// The first device key that exists.
    pub fn device_key(&self) -> Option<&Path> {
        self.device_keys
            .iter()
            .map(PathBuf::as_path)
            .find(|p| p.is_file())
    }

    /// The trusted hub keys: every readable file named directly, and every `*.pub` in a folder
    /// named. A file that is not a signing key is skipped (a device's `age1…` recipient, say).
    pub fn trusted_keys(&self) -> Vec<fieldchart_vault::TrustedKey> {
        let mut files = Vec::new();
        for p in &self.trusted {
            if p.is_dir() {
                if let Ok(entries) = std::fs::read_dir(p) {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|f| f.extension().is_some_and(|x| x == "pub"))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
            } else if p.is_file() {
                files.push(p.clone());
            }
        }
        files
            .iter()
            .filter_map(|f| {
                let text = std::fs::read_to_string(f).ok()?;
                fieldchart_vault::TrustedKey::parse(text.trim()).ok()
            })
            .collect()
    }

    /// Where a sync would bring its chain from and into: the source and the laptop's first
    /// snapshot folder (`None` when no source is configured, or the laptop has no folder).
    pub fn sync_target(&self) -> Option<(&str, &Path)> {
        let source = self.sync_source.as_deref()?;
        let into = self.snapshot_dirs.first()?;
        Some((source, into.as_path()))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The wall-clock time now.
    pub fn local_now(&self) -> NaiveDateTime {
        self.zone.local(self.now())
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A variable's text, trimmed; unset or blank is none.
fn env_text(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn env_list(var: &str) -> Option<Vec<PathBuf>> {
    let v = std::env::var_os(var).filter(|v| !v.is_empty())?;
    Some(std::env::split_paths(&v).collect())
}
