//! `fieldchart audit forward`: send a laptop's audit log to the hub's syslog collector over TLS,
//! store-and-forward (the transport and its acknowledgement rule: `fieldchart-audit-forward`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use fieldchart_audit_forward::{
    Destination, Forwarder, Hostname, LogId, Message, Origin, TrustedCa, state_path_for,
};

#[derive(clap::Args)]
pub struct ForwardArgs {
    /// The audit log to forward (verified first: a damaged log is not sent, it is evidence).
    log: PathBuf,
    /// The hub's syslog-over-TLS collector, HOST:PORT (RFC 5425; 6514 is the registered port).
    #[arg(long, value_name = "HOST:PORT")]
    syslog: Destination,
    /// The CA certificate (PEM) the collector's certificate must chain to.
    #[arg(long, value_name = "FILE")]
    ca: PathBuf,
    /// This laptop's name in the syslog header (default: the system host name).
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Entries per TLS connection; each batch is acknowledged by the collector's orderly close.
    #[arg(long, value_name = "N", default_value_t = 64)]
    batch: usize,
}

pub fn run(a: ForwardArgs) -> anyhow::Result<ExitCode> {
    crate::input::check_audit_log(&a.log)?;
    crate::input::check_regular(&a.ca, "the CA certificate")?;
    let report = fieldchart_audit::log::verify(&a.log)?;
    // Every verified line, the header first: the hub needs it to check the chain and the device.
    let lines = fieldchart_audit::log::raw_lines(&a.log)?;
    let messages = lines
        .into_iter()
        .map(|l| {
            let msgid = if l.seq == 0 { "header" } else { "entry" };
            Message::new(l.seq, l.at, msgid, l.line)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let hostname = match a
        .hostname
        .as_deref()
        .map(str::to_string)
        .or_else(system_hostname)
    {
        Some(name) => Hostname::new(&name)?,
        None => Hostname::unknown(),
    };
    let origin = Origin::new(hostname, LogId::new(&report.log_id)?);
    let ca = TrustedCa::from_pem_file(&a.ca)?;
    let forwarder = Forwarder::new(a.syslog.clone(), ca, origin).batch_size(a.batch.max(1));
    let state = state_path_for(&a.log);
    let done = forwarder
        .forward(&messages, &state)
        .with_context(|| format!("forwarding {} to {}", a.log.display(), a.syslog))?;
    let mut out = crate::out::stdout();
    writeln!(
        out,
        "{} entries sent to {} ({} already there), {} batches, {} reconnects; the hub has acknowledged up to entry {}",
        done.sent,
        a.syslog,
        done.already,
        done.batches,
        done.reconnects,
        done.acknowledged
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into())
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn system_hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
