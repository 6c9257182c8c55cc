//! Progress bars on a terminal, nothing when stderr is piped or redirected.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting `total` units of `unit`, hidden unless stderr is a terminal.
pub fn bar(total: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = format!(
        "{{elapsed_precise}} [{{wide_bar}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs a snapshot build with a bar for reading patients and one for encrypting bytes (both hidden
/// off a terminal); `on_finishing` runs when the store and index are being finished.
pub fn build_with_bars(
    opts: fieldchart_build::BuildOptions,
    on_finishing: impl Fn(),
) -> Result<fieldchart_build::BuildSummary, fieldchart_build::BuildError> {
    use fieldchart_build::Progress;
    let reading = bar(0, "patients");
    let encrypting = bar(0, "bytes");
    let summary = fieldchart_build::build(opts, &mut |p| match p {
        Progress::Reading { done, total } => {
            reading.set_length(total);
            reading.set_position(done);
        }
        Progress::Finishing => {
            reading.finish_and_clear();
            on_finishing();
        }
        Progress::Encrypting { done, total } => {
            encrypting.set_length(total);
            encrypting.set_position(done);
        }
    });
    encrypting.finish_and_clear();
    summary
}
