//! The one error type of the generator: what went wrong and what the caller can do about it.

use std::path::PathBuf;

/// Why a region could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The [`crate::RegionSpec`] cannot describe a region (for example zero facilities).
    #[error("invalid region spec: {0}")]
    InvalidSpec(String),

    /// A date given by the caller is not a real civil date in the supported range.
    #[error("invalid date {0:?}: expected a real date written YYYY-MM-DD between 1900 and 2200")]
    InvalidDate(String),

    /// The output directory holds something that is not a region written by this generator.
    #[error(
        "output directory {} is not empty and is not a previous region (it holds {entry:?}); \
         choose an empty or new directory, or remove that entry",
        path.display()
    )]
    OutputNotEmpty { path: PathBuf, entry: String },

    /// A directory given to [`crate::next_day`] is not a finished region of this generator, or
    /// its files no longer agree with its `region.json`. `reason` says what was found and what
    /// to do.
    #[error("{} is not a region that a next day can continue: {reason}", path.display())]
    NotARegion { path: PathBuf, reason: String },

    /// A drill letter could not be signed (the drill HPKI files in crates/synth/drill-hpki).
    #[error("cannot sign a drill referral letter: {0}")]
    Signing(String),

    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A generated string holds a character outside JIS X 0208. This is a bug in a generator table:
    /// SS-MIX2 files are ISO-2022-JP (guide §4.1), and we refuse to emit `&#…;` replacements.
    #[error(
        "generated text for {context} holds {ch:?} (U+{code:04X}), which ISO-2022-JP (JIS X 0208) \
         cannot represent; fix the generator table that produced it",
        code = u32::from(*ch)
    )]
    Unrepresentable { ch: char, context: String },

    /// The JPEG encoder failed.
    #[error("cannot encode the synthetic JPEG image: {0}")]
    Image(String),
}

impl SynthError {
    pub(crate) fn not_a_region(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        SynthError::NotARegion {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        SynthError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
