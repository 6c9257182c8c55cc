//! Standard output for every command. A closed pipe (`fieldchart check --json | head`) is not a
//! failure: the reader has what it wanted. So every command writes through [`stdout`], which marks
//! that one error, and `main` ends such a command quietly with 0. `println!` would panic instead.

use std::io::{self, Write};

/// Standard output's reader went away.
#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for Closed {}

/// Standard output, locked for the command's lifetime.
pub struct Out(io::StdoutLock<'static>);

pub fn stdout() -> Out {
    Out(io::stdout().lock())
}

/// Marks a broken pipe on standard output, and only there: a broken pipe elsewhere (a syslog
/// connection, say) stays the failure it is.
fn mark(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        io::Error::new(io::ErrorKind::BrokenPipe, Closed)
    } else {
        e
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(mark)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(mark)
    }
}

/// Whether `e` is standard output's reader going away, which ends a command with success.
pub fn is_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<Closed>())
    })
}

/// Writes a value as pretty JSON and a newline.
pub fn json(out: &mut Out, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}
