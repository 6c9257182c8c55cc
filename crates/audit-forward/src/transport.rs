//! One RFC 5425 connection to the hub: TCP with timeouts, TLS 1.2+ verified against the CA file,
//! octet-counted frames written one TLS record each, and the close handshake that acknowledges
//! them (see the crate documentation for why the close is the acknowledgement).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use crate::ForwardError;
use crate::destination::Destination;

/// How long each network step may take before the attempt counts as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP connection.
    pub connect: Duration,
    /// Any one read or write, including the TLS handshake's.
    pub io: Duration,
    /// Waiting, after our close_notify, for the hub to close its side.
    pub acknowledge: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            io: Duration::from_secs(30),
            acknowledge: Duration::from_secs(30),
        }
    }
}

/// The CA certificates the hub's certificate must chain to, read from the `--ca` PEM file.
#[derive(Clone)]
pub struct TrustedCa {
    path: PathBuf,
    config: Arc<ClientConfig>,
}

impl fmt::Debug for TrustedCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedCa")
            .field("path", &self.path)
            .finish()
    }
}

impl TrustedCa {
    /// Reads every `CERTIFICATE` block of a PEM file. TLS 1.2 and 1.3 only, ring as the provider.
    pub fn from_pem_file(path: &Path) -> Result<Self, ForwardError> {
        let pem = std::fs::read(path).map_err(|source| ForwardError::CaFile {
            path: path.to_owned(),
            source,
        })?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| ForwardError::CaCertificate {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            roots.add(cert).map_err(|e| ForwardError::CaCertificate {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        }
        if roots.is_empty() {
            return Err(ForwardError::CaCertificate {
                path: path.to_owned(),
                reason: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
            });
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ForwardError::CaCertificate {
                path: path.to_owned(),
                reason: e.to_string(),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TrustedCa {
            path: path.to_owned(),
            config: Arc::new(config),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What went wrong on one attempt. The forwarder retries all but [`Failure::Certificate`]: a
/// certificate the CA does not vouch for will not become trusted by trying again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    #[error("the host name could not be resolved: {0}")]
    Resolve(io::Error),
    #[error("no connection: {0}")]
    Connect(io::Error),
    #[error("the hub's certificate was refused: {0}")]
    Certificate(Box<rustls::Error>),
    #[error("the TLS session failed: {0}")]
    Tls(Box<rustls::Error>),
    #[error("the connection broke while {doing}: {source}")]
    Io {
        doing: &'static str,
        source: io::Error,
    },
    #[error("no answer for {after:?} while {doing}")]
    Timeout {
        doing: &'static str,
        after: Duration,
    },
    #[error(
        "the connection was closed without a TLS close_notify while {doing}, so the hub may not have read everything"
    )]
    Truncated { doing: &'static str },
    /// A later connection of the same run reached another collector (another certificate): what
    /// the first one acknowledged says nothing about this one.
    #[error(
        "the connection reached another collector ({found}) than the run began with ({expected})"
    )]
    OtherHub { expected: String, found: String },
}

impl Failure {
    fn io(doing: &'static str, after: Duration) -> impl Fn(io::Error) -> Failure {
        move |source| match source.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                Failure::Timeout { doing, after }
            }
            _ => Failure::Io { doing, source },
        }
    }

    fn tls(error: rustls::Error) -> Failure {
        match error {
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                Failure::Certificate(Box::new(error))
            }
            other => Failure::Tls(Box::new(other)),
        }
    }
}

/// An open, handshaken TLS connection to the hub.
pub(crate) struct Session {
    conn: ClientConnection,
    sock: TcpStream,
    timeouts: Timeouts,
}

impl Session {
    pub(crate) fn open(
        destination: &Destination,
        ca: &TrustedCa,
        timeouts: Timeouts,
    ) -> Result<Self, Failure> {
        let addrs: Vec<_> = (destination.host(), destination.port())
            .to_socket_addrs()
            .map_err(Failure::Resolve)?
            .collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
        let mut sock = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeouts.connect) {
                Ok(s) => {
                    sock = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let sock = sock.ok_or(Failure::Connect(last))?;
        let io_err = Failure::io("connecting", timeouts.io);
        sock.set_read_timeout(Some(timeouts.io)).map_err(&io_err)?;
        sock.set_write_timeout(Some(timeouts.io)).map_err(&io_err)?;
        // Small records go out at once rather than waiting for the previous one's TCP ack.
        sock.set_nodelay(true).map_err(&io_err)?;

        let name = ServerName::try_from(destination.host().to_owned()).map_err(|e| {
            Failure::Resolve(io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
        })?;
        let conn = ClientConnection::new(ca.config.clone(), name).map_err(Failure::tls)?;
        let mut session = Session {
            conn,
            sock,
            timeouts,
        };
        session.handshake()?;
        Ok(session)
    }

    /// Which collector this is: the SHA-256 of the certificate it presented (`cert-sha256:<hex>`).
    /// Every name and address of one collector (`localhost`, `127.0.0.1`, its DNS name) gives the
    /// same; a renewed certificate is a new identity, so the log is sent to it again from the
    /// start (the collector keeps one copy of each entry, [`crate::RsyslogCollector`]).
    pub(crate) fn identity(&self) -> String {
        use sha2::{Digest, Sha256};
        match self.conn.peer_certificates().and_then(|c| c.first()) {
            Some(cert) => {
                let digest = Sha256::digest(cert.as_ref());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                format!("cert-sha256:{hex}")
            }
            // A handshake that succeeded verified a certificate, so there always is one.
            None => "cert-sha256:none".to_owned(),
        }
    }

    fn handshake(&mut self) -> Result<(), Failure> {
        let io_err = Failure::io("negotiating TLS", self.timeouts.io);
        while self.conn.is_handshaking() {
            self.write_pending(&io_err)?;
            if !self.conn.is_handshaking() {
                break;
            }
            let n = self.conn.read_tls(&mut self.sock).map_err(&io_err)?;
            if n == 0 {
                return Err(Failure::Truncated {
                    doing: "negotiating TLS",
                });
            }
            if let Err(e) = self.conn.process_new_packets() {
                // Tell the hub why we stop (a certificate alert), as a courtesy; the error that
                // matters is ours.
                let _ = self.conn.write_tls(&mut self.sock);
                return Err(Failure::tls(e));
            }
        }
        self.write_pending(&io_err)
    }

    /// Writes one frame as its own TLS record(s) and pushes it onto the socket.
    pub(crate) fn send(&mut self, frame: &[u8]) -> Result<(), Failure> {
        let io_err = Failure::io("sending", self.timeouts.io);
        let mut rest = frame;
        while !rest.is_empty() {
            let n = self.conn.writer().write(rest).map_err(&io_err)?;
            rest = rest.get(n..).unwrap_or_default();
            self.write_pending(&io_err)?;
        }
        Ok(())
    }

    /// Sends close_notify, half-closes TCP, and waits for the hub's close_notify and then its
    /// orderly TCP close: the hub answers only after reading ours, so it has read every frame
    /// before it, in order.
    pub(crate) fn close_and_await_acknowledgement(mut self) -> Result<(), Failure> {
        let io_err = Failure::io("closing", self.timeouts.io);
        self.conn.send_close_notify();
        self.write_pending(&io_err)?;
        self.sock.shutdown(Shutdown::Write).map_err(&io_err)?;

        let waiting = "waiting for the hub to confirm";
        let ack_err = Failure::io(waiting, self.timeouts.acknowledge);
        self.sock
            .set_read_timeout(Some(self.timeouts.acknowledge))
            .map_err(&ack_err)?;
        let mut discard = [0u8; 4096];
        loop {
            let eof = match self.conn.read_tls(&mut self.sock) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ack_err(e)),
            };
            let state = self.conn.process_new_packets().map_err(Failure::tls)?;
            // RFC 5425 servers send no application data; anything that comes is dropped.
            let mut unread = state.plaintext_bytes_to_read();
            while unread > 0 {
                match self.conn.reader().read(&mut discard) {
                    Ok(n) if n > 0 => unread = unread.saturating_sub(n),
                    _ => break,
                }
            }
            if state.peer_has_closed() {
                return self.await_orderly_tcp_close(&ack_err);
            }
            if eof {
                return Err(Failure::Truncated { doing: waiting });
            }
        }
    }

    /// After the hub's close_notify, its TCP side must end with FIN, not a reset. A peer that
    /// closes a socket with unread bytes in it makes the kernel send a reset instead: that is
    /// rsyslogd being stopped mid-batch, which still sends close_notify on its way out.
    fn await_orderly_tcp_close(
        &mut self,
        ack_err: &impl Fn(io::Error) -> Failure,
    ) -> Result<(), Failure> {
        let mut rest = [0u8; 512];
        loop {
            match self.sock.read(&mut rest) {
                Ok(0) => return Ok(()),
                // Nothing may follow close_notify; whatever does is not ours to read.
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ack_err(e)),
            }
        }
    }

    fn write_pending(&mut self, io_err: &impl Fn(io::Error) -> Failure) -> Result<(), Failure> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.sock) {
                Ok(0) => return Err(io_err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        self.sock.flush().map_err(io_err)
    }
}
