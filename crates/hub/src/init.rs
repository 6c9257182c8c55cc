//! `hub init`: a new hub folder with its keys and a `hub.toml` to fill in.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{CONFIG_FILE, HubError, KEYS_DIR};

/// What `init` made: the folder, and the public keys an operator hands out.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Initialised {
    pub folder: PathBuf,
    pub config: PathBuf,
    /// The signing key's public half: every laptop is given it as its trusted hub key.
    pub signing_public: String,
    /// The hub's audit recipient: laptops encrypt their audit entries to it.
    pub audit_recipient: String,
    /// The hub's own recipient: every snapshot is encrypted to it too.
    pub own_recipient: String,
}

/// Makes `folder` a hub: `keys/` (mode 0700) with the signing, audit and own keys (each 0600), then
/// `hub.toml` (written last, so that a folder with a `hub.toml` always has its keys). Nothing that
/// exists is ever overwritten.
pub fn init(folder: &Path, name: &str) -> Result<Initialised, HubError> {
    let config = folder.join(CONFIG_FILE);
    if config.exists() {
        return Err(HubError::Exists { path: config });
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| HubError::Io { path, source }
    };
    let keys = folder.join(KEYS_DIR);
    fs::create_dir_all(&keys).map_err(io(&keys))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&keys, fs::Permissions::from_mode(0o700)).map_err(io(&keys))?;
    }
    let signing_public = fieldchart_vault::generate_signing_key(&keys.join("signing.key"))?;
    let audit_recipient = fieldchart_vault::generate_device_identity(&keys.join("audit.key"))?;
    let own_recipient = fieldchart_vault::generate_device_identity(&keys.join("hub.key"))?;
    fs::write(keys.join("signing.pub"), format!("{signing_public}\n"))
        .map_err(io(&keys.join("signing.pub")))?;

    let text = template(name);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&config)
        .map_err(io(&config))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(&config))?;
    Ok(Initialised {
        folder: folder.to_owned(),
        config,
        signing_public,
        audit_recipient,
        own_recipient,
    })
}

/// The `hub.toml` a new hub starts with: every key, with its default, documented in docs/hub.md.
fn template(name: &str) -> String {
    // A TOML basic string: the name is escaped, never spliced in raw.
    let name = toml::Value::String(name.to_string()).to_string();
    format!(
        r#"# FieldChart hub configuration. Every table and key is described in docs/hub.md; a key this
# file does not know is an error. Check it with `fieldchart hub check DIR`.

[hub]
name = {name}
# Everything this hub publishes is drill (synthetic) data.
drill = false

[snapshot]
# Days a published snapshot stays valid after it is made (1 to 365).
valid_days = 30
# Years of history kept; allergies, problems and infections are kept whatever their age (1 to 100).
history_years = 5
# Each night's build is a small layer of what changed; a fresh base is written when the layers add
# up to more than this share of the base (0.3 is 30%), or when the chain has max_layers layers.
layer_share = 0.3
max_layers = 30

[keys]
# Relative to this folder unless absolute. `hub init` made the three below.
signing = "keys/signing.key"
audit = "keys/audit.key"
own = "keys/hub.key"
# passphrase = "keys/emergency-passphrase.txt"

[policy]
# The access policy signed into every snapshot (docs/policy.md); the shipped one when not given.
# file = "policy.toml"
# The consent list (docs/policy.md): facility,patient_id,state lines.
# consent = "consent.csv"

[audit]
# The files the syslog-TLS collector writes (docs/audit.md): what `hub audit ingest` reads.
collected = ["/var/log/fieldchart/audit.jsonl", "/var/log/fieldchart/audit-replayed.jsonl"]
# A registered laptop whose newest audit entry is older than this many days is listed as silent.
silent_days = 7

[identity]
# The regional index's cross-references (docs/identity.md): who is one person at two facilities.
# Without them no two patient IDs are ever shown as one person.
# xref = "pix-xref.tsv"
# A folder of HL7 v2 link events (ADT^A24 link, A37 unlink, A40 merge), applied after xref.
# link_events = "link-events"

# The HPKI trust referral letters' signatures are checked against (docs/hpki.md): files or folders.
# [hpki]
# anchors = ["hpki/anchors"]
# intermediates = ["hpki/intermediates"]
# crls = ["hpki/crls"]

# The standard code masters (docs/masters.md): each code is shown with its standard code and name.
# [masters]
# disease = "masters/nmain517.txt"
# hot = ["masters/MEDIS20261031.TXT"]
# jlac10_analyte = "masters/jlac10-analyte.csv"
# jlac10_specimen = "masters/jlac10-specimen.csv"
# jlac10_encoding = "shift_jis"
# local_maps = ["masters/facility-code-map.csv"]

# One table per hospital or clinic: its 10-digit facility code, its name, and its storage roots.
# [[facility]]
# code = "0410610011"
# name = "石巻みなと総合病院"
# roots = ["/srv/ssmix2/0410610011/standard", "/srv/ssmix2/0410610011/extended"]

[recipients]
# Laptops belong in the laptop register (`fieldchart laptop enrol`, then `fieldchart hub laptop
# add`): only a registered laptop can be revoked. Keys listed here also open every snapshot.
laptops = []
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_quotes_and_backslashes_stays_one_toml_string() {
        let text = template("a \"hub\" \\ ハブ\nnext");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["hub"]["name"].as_str(),
            Some("a \"hub\" \\ ハブ\nnext")
        );
    }
}
