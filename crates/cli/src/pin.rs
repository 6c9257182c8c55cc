//! The PIN of a protected device key (docs/hub.md, "A PIN on the device key"): read from a file
//! for scripts, else asked on the terminal without echo. Never taken from an argument or the
//! environment, where other users and shell history could read it.

use std::io::IsTerminal;
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use fieldchart_vault::VaultError;
use fieldchart_vault::pin::MIN_PIN_CHARS;

/// Loads the device key at `key`: a plain key as it is; a protected one with the PIN from
/// `pin_file`, or asked on the terminal when there is one. Without either, the error says the
/// key needs its PIN (exit 10).
pub fn load_device_key(
    key: &Path,
    pin_file: Option<&Path>,
) -> Result<age::x25519::Identity, VaultError> {
    let pin = pin_file
        .map(fieldchart_vault::read_passphrase_file)
        .transpose()?;
    match fieldchart_vault::load_identity_with_pin(key, pin.as_ref()) {
        Err(VaultError::KeyNeedsPin { .. }) if pin.is_none() && terminal() => {
            let typed = ask(&format!("PIN of the device key {}: ", key.display()))?;
            fieldchart_vault::load_identity_with_pin(key, Some(&typed))
        }
        other => other,
    }
}

/// A new PIN: from `pin_file`, or typed twice on the terminal.
pub fn new_pin(pin_file: Option<&Path>) -> anyhow::Result<SecretString> {
    if let Some(f) = pin_file {
        return Ok(fieldchart_vault::read_passphrase_file(f)?);
    }
    if !terminal() {
        anyhow::bail!(
            "--protect needs the new PIN: give --pin-file F, or run this on a terminal to type it"
        );
    }
    let first = ask(&format!(
        "new PIN for the device key (at least {MIN_PIN_CHARS} characters; a few words are best): "
    ))?;
    let again = ask("the same PIN again: ")?;
    if first.expose_secret() != again.expose_secret() {
        anyhow::bail!("the two PINs differ; nothing was changed");
    }
    Ok(first)
}

/// The current PIN of a protected key, to change it: from `pin_file`, else asked.
pub fn current_pin(key: &Path, pin_file: Option<&Path>) -> anyhow::Result<SecretString> {
    if let Some(f) = pin_file {
        return Ok(fieldchart_vault::read_passphrase_file(f)?);
    }
    if !terminal() {
        anyhow::bail!(
            "{} is protected by a PIN; give the current one with --current-pin-file F",
            key.display()
        );
    }
    Ok(ask(&format!("current PIN of {}: ", key.display()))?)
}

fn terminal() -> bool {
    std::io::stdin().is_terminal()
}

fn ask(prompt: &str) -> Result<SecretString, VaultError> {
    rpassword::prompt_password(prompt)
        .map(SecretString::from)
        .map_err(|e| VaultError::Io {
            path: "the terminal".into(),
            source: e,
        })
}
