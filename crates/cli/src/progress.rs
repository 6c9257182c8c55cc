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

/// The bars of a build: patients looked at (a hub build's change check), patients read, bytes
/// encrypted; all hidden off a terminal.
struct Bars {
    scanning: ProgressBar,
    reading: ProgressBar,
    encrypting: ProgressBar,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            scanning: bar(0, "patient folders checked"),
            reading: bar(0, "patients"),
            encrypting: bar(0, "bytes"),
        }
    }

    fn on(&self, p: fieldchart_build::Progress, on_finishing: &impl Fn()) {
        use fieldchart_build::Progress;
        match p {
            Progress::Scanning { done, total } => {
                self.scanning.set_length(total);
                self.scanning.set_position(done);
            }
            Progress::Reading { done, total } => {
                self.scanning.finish_and_clear();
                self.reading.set_length(total);
                self.reading.set_position(done);
            }
            Progress::Finishing => {
                self.reading.finish_and_clear();
                on_finishing();
            }
            Progress::Encrypting { done, total } => {
                self.encrypting.set_length(total);
                self.encrypting.set_position(done);
            }
        }
    }
}

/// Runs a snapshot build with a bar for reading patients and one for encrypting bytes (both hidden
/// off a terminal); `on_finishing` runs when the store and index are being finished.
pub fn build_with_bars(
    opts: fieldchart_build::BuildOptions,
    on_finishing: impl Fn(),
) -> Result<fieldchart_build::BuildSummary, fieldchart_build::BuildError> {
    let bars = Bars::new();
    let summary = fieldchart_build::build(opts, &mut |p| bars.on(p, &on_finishing));
    bars.encrypting.finish_and_clear();
    summary
}

/// Runs a hub build (the next file of the chain) with the same bars, and one for the change check.
pub fn chain_with_bars(
    opts: fieldchart_build::chain::ChainOptions,
    on_finishing: impl Fn(),
) -> Result<fieldchart_build::chain::ChainBuilt, fieldchart_build::BuildError> {
    let bars = Bars::new();
    let built = fieldchart_build::chain::build_next(opts, &mut |p| bars.on(p, &on_finishing));
    bars.scanning.finish_and_clear();
    bars.encrypting.finish_and_clear();
    built
}
