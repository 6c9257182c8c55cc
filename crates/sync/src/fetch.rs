//! Fetching a repository's files (crates/repo, docs/repository.md) from where it is: a web server
//! (`http://` or `https://` base address) or a folder (a file share, a USB stick).
//!
//! Nothing fetched here is trusted: metadata is bounded and handed to `fieldchart_repo`'s checks,
//! and a snapshot file is downloaded into a partial file whose length and SHA-256 are checked
//! against what the verified metadata says before the caller may use it. A download resumes what
//! an earlier one left (HTTP `Range`, or a seek on the folder's file), so a dropped connection or
//! a pulled stick costs only what was not yet copied.
//!
//! Over HTTP it makes exactly the requests it is asked for: no proxy from the environment (a
//! variable set for something else must not send a hospital's traffic elsewhere), no redirect
//! followed (the message names where the server points, to be given as the address), no
//! compression (a byte range must be of the file itself). TLS is rustls with the Mozilla roots
//! (`webpki-roots`), or only the certificates of a CA file the hospital gives (a hub behind a
//! private CA: [`HttpSettings::ca_file`]); a proxy is used only when one is given
//! ([`HttpSettings::proxy`]). The signatures, not TLS, are what make the files trustworthy.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fieldchart_failure::Failure;
use fieldchart_repo::is_sha256_hex;
use fieldchart_vault::input::{self, InputError};
use sha2::{Digest, Sha256};

/// What the server is told it is talking to.
pub const USER_AGENT: &str = concat!(
    "FieldChart/",
    env!("CARGO_PKG_VERSION"),
    " (snapshot sync; +docs/repository.md)"
);

/// Bytes read and written at a time.
const CHUNK: usize = 64 * 1024;

/// How long a web server may keep the laptop waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// Resolving the name and opening the connection (TLS included).
    pub connect: Duration,
    /// From the request to the response's headers.
    pub response: Duration,
    /// Any one read of the body: a stalled transfer ends after this, and resumes next time.
    pub read: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        HttpTimeouts {
            connect: Duration::from_secs(15),
            response: Duration::from_secs(30),
            read: Duration::from_secs(30),
        }
    }
}

/// How to reach a repository on a web server. The default: the default timeouts, the Mozilla
/// roots, no proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpSettings {
    pub timeouts: HttpTimeouts,
    /// A PEM file of the CA certificates to trust *instead of* the Mozilla roots: the hospital's
    /// private CA that signed the hub's web server certificate.
    pub ca_file: Option<PathBuf>,
    /// An HTTP proxy every request goes through (`http://host:port`, with `user:password@` if
    /// the proxy asks). Never taken from the environment.
    pub proxy: Option<String>,
}

/// Where a repository is.
pub struct RepoSource {
    place: Place,
}

enum Place {
    Http { base: String, agent: ureq::Agent },
    Folder(PathBuf),
}

/// What a completed download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    /// The bytes the partial file already held and that were kept (0 for a fresh download, or
    /// when the server ignored the range and sent the whole file again).
    pub resumed_from: u64,
    /// The bytes fetched now.
    pub transferred: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{source_given:?} is not a repository this laptop can sync from: {reason}")]
    BadSource {
        source_given: String,
        reason: &'static str,
    },
    #[error(
        "{name:?} is not a name a repository file can have (its metadata is wrong, or a bug): \
         nothing was fetched"
    )]
    BadName { name: String },
    #[error(
        "could not reach {url} ({reason}): check the network and the address; what was already \
         downloaded is kept and the next sync resumes"
    )]
    Unreachable { url: String, reason: String },
    #[error(
        "{location} is missing: check that this is the repository's address or folder (a hub \
         publishing at this moment may also have just replaced it: sync again)"
    )]
    Missing { location: String },
    #[error("{url} answered HTTP {status}: the server refused or failed; try again later")]
    Status { url: String, status: u16 },
    #[error(
        "{url} redirects to {location:?}; this laptop follows no redirect: give the address it \
         points to as the repository"
    )]
    Redirected { url: String, location: String },
    #[error(
        "{location} is larger than the {limit} bytes it may be: refused unread (a broken or \
         hostile server)"
    )]
    TooLarge { location: String, limit: u64 },
    #[error(
        "the download of {location} stopped after {have} of {expected} bytes ({reason}); the part \
         downloaded is kept in {} and the next sync resumes from there",
        partial.display()
    )]
    Interrupted {
        location: String,
        have: u64,
        expected: u64,
        partial: PathBuf,
        reason: String,
    },
    #[error(
        "{location} holds only {found} of the {expected} bytes the repository's metadata names: \
         the copy onto that medium was interrupted; copy the repository again (what was read is \
         kept in {} and resumed)",
        partial.display()
    )]
    Incomplete {
        location: String,
        found: u64,
        expected: u64,
        partial: PathBuf,
    },
    #[error(
        "{location} is not the file the repository's signed metadata names ({reason}): it was \
         altered or damaged; the download was deleted"
    )]
    Mismatch { location: String, reason: String },
    #[error(
        "the disk is full while downloading into {}: free space and sync again (the part \
         downloaded is kept and resumed)",
        path.display()
    )]
    DiskFull { path: PathBuf },
    #[error(
        "the CA file {} cannot be used ({reason}): give a PEM file holding the CA \
         certificates of the hub's web server",
        path.display()
    )]
    BadCa { path: PathBuf, reason: String },
    #[error("the proxy {proxy:?} cannot be used ({reason}): give it as http://host:port")]
    BadProxy { proxy: String, reason: String },
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl FetchError {
    /// Which row of the exit-code table.
    pub fn failure(&self) -> Failure {
        match self {
            FetchError::BadSource { .. }
            | FetchError::BadName { .. }
            | FetchError::BadCa { .. }
            | FetchError::BadProxy { .. } => Failure::Usage,
            FetchError::Unreachable { .. }
            | FetchError::Missing { .. }
            | FetchError::Status { .. }
            | FetchError::Redirected { .. }
            | FetchError::Interrupted { .. } => Failure::Io,
            FetchError::Incomplete { .. } => Failure::Truncated,
            FetchError::TooLarge { .. } | FetchError::Mismatch { .. } => Failure::Tampered,
            FetchError::DiskFull { .. } => Failure::DiskFull,
            FetchError::Io { source, .. } => Failure::of_io(source),
        }
    }

    fn io(action: &'static str, path: &Path, source: io::Error) -> FetchError {
        if fieldchart_failure::is_disk_full(&source) {
            FetchError::DiskFull {
                path: path.to_owned(),
            }
        } else {
            FetchError::Io {
                action,
                path: path.to_owned(),
                source,
            }
        }
    }
}

impl RepoSource {
    /// A web address (`http://…` or `https://…`, with the default timeouts) or a folder.
    pub fn parse(source: &str) -> Result<RepoSource, FetchError> {
        RepoSource::parse_with(source, &HttpSettings::default())
    }

    /// [`RepoSource::parse`], reaching a web server with `http` (a folder ignores it).
    pub fn parse_with(source: &str, http: &HttpSettings) -> Result<RepoSource, FetchError> {
        if source.starts_with("http://") || source.starts_with("https://") {
            RepoSource::http_with(source, http)
        } else if source.contains("://") {
            Err(FetchError::BadSource {
                source_given: source.to_owned(),
                reason: "only http://, https:// or a folder can be synced from",
            })
        } else {
            Ok(RepoSource::folder(source))
        }
    }

    /// A repository on a web server, at `base` (the folder holding `timestamp.json`).
    pub fn http(base: &str, timeouts: HttpTimeouts) -> Result<RepoSource, FetchError> {
        RepoSource::http_with(
            base,
            &HttpSettings {
                timeouts,
                ..HttpSettings::default()
            },
        )
    }

    /// [`RepoSource::http`] with a CA file or a proxy.
    pub fn http_with(base: &str, http: &HttpSettings) -> Result<RepoSource, FetchError> {
        let timeouts = http.timeouts;
        let bad = |reason| FetchError::BadSource {
            source_given: base.to_owned(),
            reason,
        };
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(bad("a web address starts with http:// or https://"));
        }
        if base.contains(['?', '#']) || base.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(
                "the address of a repository has no query, fragment or space",
            ));
        }
        let uri: ureq::http::Uri = base.parse().map_err(|_| bad("it is not a web address"))?;
        if uri.host().is_none_or(str::is_empty) {
            return Err(bad("the address names no server"));
        }
        let proxy = match &http.proxy {
            None => None,
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| FetchError::BadProxy {
                proxy: p.clone(),
                reason: e.to_string(),
            })?),
        };
        let roots = match &http.ca_file {
            None => ureq::tls::RootCerts::WebPki,
            Some(path) => read_ca_file(path)?,
        };
        let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
        let config = ureq::Agent::config_builder()
            .proxy(proxy)
            .tls_config(tls)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_resolve(Some(timeouts.connect))
            .timeout_connect(Some(timeouts.connect))
            .timeout_send_request(Some(timeouts.response))
            .timeout_recv_response(Some(timeouts.response))
            .timeout_per_read(Some(timeouts.read))
            .build();
        Ok(RepoSource {
            place: Place::Http {
                base: base.trim_end_matches('/').to_owned(),
                agent: ureq::Agent::new_with_config(config),
            },
        })
    }

    /// A repository in a folder: a file share or a USB stick.
    pub fn folder(path: impl Into<PathBuf>) -> RepoSource {
        RepoSource {
            place: Place::Folder(path.into()),
        }
    }

    /// Where `name` is, as messages show it.
    pub fn location(&self, name: &str) -> String {
        match &self.place {
            Place::Http { base, .. } => format!("{base}/{name}"),
            Place::Folder(dir) => dir.join(name).display().to_string(),
        }
    }

    /// The whole of a metadata file, refused unread past `max_len` bytes.
    pub fn get_metadata(&self, name: &str, max_len: u64) -> Result<Vec<u8>, FetchError> {
        check_name(name)?;
        let location = self.location(name);
        let too_large = || FetchError::TooLarge {
            location: location.clone(),
            limit: max_len,
        };
        match &self.place {
            Place::Folder(dir) => {
                input::read_bounded(&dir.join(name), max_len).map_err(|e| match e {
                    InputError::TooLarge { .. } => too_large(),
                    InputError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                        FetchError::Missing {
                            location: location.clone(),
                        }
                    }
                    InputError::Io { path, source } => FetchError::io("reading", &path, source),
                    e @ InputError::NotAFile { .. } => FetchError::Io {
                        action: "reading",
                        path: e.path().to_owned(),
                        source: io::Error::other(e.to_string()),
                    },
                })
            }
            Place::Http { agent, .. } => {
                let response = request(agent, &location, None)?;
                let status = response.status().as_u16();
                if status != 200 {
                    return Err(status_error(&location, status, &response));
                }
                if content_length(&response).is_some_and(|len| len > max_len) {
                    return Err(too_large());
                }
                let mut bytes = Vec::new();
                response
                    .into_body()
                    .into_reader()
                    .take(max_len.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .map_err(|e| FetchError::Unreachable {
                        url: location.clone(),
                        reason: e.to_string(),
                    })?;
                if bytes.len() as u64 > max_len {
                    return Err(too_large());
                }
                Ok(bytes)
            }
        }
    }

    /// Downloads `name` into `partial`, resuming what it already holds, and checks the whole
    /// against `expected_len` and `expected_sha256` (from verified targets metadata). On success
    /// `partial` holds exactly that file, fsync'd, for the caller to check further and rename. A
    /// transfer that stops early keeps `partial` for the next sync; a file that is not the one
    /// named deletes it. `progress` is told (bytes in `partial`, `expected_len`).
    pub fn download(
        &self,
        name: &str,
        expected_len: u64,
        expected_sha256: &str,
        partial: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Downloaded, FetchError> {
        check_name(name)?;
        if !is_sha256_hex(expected_sha256) {
            return Err(FetchError::BadName {
                name: expected_sha256.to_owned(),
            });
        }
        let location = self.location(name);
        let mut part = Partial::open(partial, expected_len)?;
        let resumed_from = part.have;
        progress(part.have, expected_len);
        let mut transferred = 0;
        if part.have < expected_len {
            transferred = match &self.place {
                Place::Folder(dir) => part.fill_from_folder(&dir.join(name), &location, progress),
                Place::Http { agent, .. } => part.fill_from_http(agent, &location, progress),
            }
            .inspect_err(|e| {
                if matches!(e, FetchError::Mismatch { .. }) {
                    part.discard();
                } else {
                    part.sync_quietly();
                }
            })?;
        }
        let resumed_from = if part.restarted { 0 } else { resumed_from };
        part.finish(expected_sha256, &location)?;
        Ok(Downloaded {
            resumed_from,
            transferred,
        })
    }
}

/// Only what the repository's own names look like: `timestamp.json`, `N.targets.json`,
/// `targets/<sha256>.fcs`; no `..`, no hidden file, nothing to escape in a URL.
fn check_name(name: &str) -> Result<(), FetchError> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && !c.starts_with('.')
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if name.len() <= 200 && name.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(FetchError::BadName {
            name: name.chars().take(80).collect(),
        })
    }
}

/// Every certificate of a PEM file, as the only roots to trust. A file with none is refused: it
/// would make every server untrusted, with a puzzling message at the first sync.
fn read_ca_file(path: &Path) -> Result<ureq::tls::RootCerts, FetchError> {
    let bad = |reason: String| FetchError::BadCa {
        path: path.to_owned(),
        reason,
    };
    let pem = input::read_bounded(path, MAX_CA_FILE_LEN).map_err(|e| bad(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| bad(e.to_string()))? {
            ureq::tls::PemItem::Certificate(c) => certs.push(c),
            _ => return Err(bad("it holds a private key: never give a key here".into())),
        }
    }
    if certs.is_empty() {
        return Err(bad("it holds no CERTIFICATE block".into()));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

/// The largest CA file read: a bundle of a few hundred certificates.
const MAX_CA_FILE_LEN: u64 = 1 << 20;

fn request(
    agent: &ureq::Agent,
    url: &str,
    from: Option<u64>,
) -> Result<ureq::http::Response<ureq::Body>, FetchError> {
    let mut request = agent.get(url).header("Accept-Encoding", "identity");
    if let Some(from) = from {
        request = request.header("Range", format!("bytes={from}-"));
    }
    request.call().map_err(|e| FetchError::Unreachable {
        url: url.to_owned(),
        reason: e.to_string(),
    })
}

fn status_error(url: &str, status: u16, response: &ureq::http::Response<ureq::Body>) -> FetchError {
    match status {
        404 | 410 => FetchError::Missing {
            location: url.to_owned(),
        },
        300..=399 => FetchError::Redirected {
            url: url.to_owned(),
            location: header(response, "location")
                .unwrap_or("nowhere")
                .chars()
                .take(200)
                .collect(),
        },
        _ => FetchError::Status {
            url: url.to_owned(),
            status,
        },
    }
}

fn header<'r>(response: &'r ureq::http::Response<ureq::Body>, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

fn content_length(response: &ureq::http::Response<ureq::Body>) -> Option<u64> {
    header(response, "content-length").and_then(|v| v.trim().parse().ok())
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL); TOTAL is `None` for `*`.
fn content_range(response: &ureq::http::Response<ureq::Body>) -> Option<(u64, Option<u64>)> {
    let value = header(response, "content-range")?.trim();
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((start.parse().ok()?, total))
}

/// The file a download goes into, with the hash of what it holds so far.
struct Partial<'p> {
    path: &'p Path,
    file: File,
    hasher: Sha256,
    have: u64,
    expected: u64,
    /// The server sent the whole file again, so what was kept was dropped.
    restarted: bool,
}

impl<'p> Partial<'p> {
    /// Opens (or makes, 0600) the partial file and hashes what it holds; one longer than the
    /// file can be is from something else, and starts over.
    fn open(path: &'p Path, expected: u64) -> Result<Partial<'p>, FetchError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| FetchError::io("opening", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| FetchError::io("reading", path, e))?
            .len();
        let mut part = Partial {
            path,
            hasher: Sha256::new(),
            have: 0,
            expected,
            restarted: false,
            file: file
                .try_clone()
                .map_err(|e| FetchError::io("opening", path, e))?,
        };
        if len > expected {
            part.restart()?;
            return Ok(part);
        }
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(FetchError::io("reading", path, e)),
            };
            part.hasher.update(&buf[..n]);
            part.have += n as u64;
        }
        Ok(part)
    }

    /// Drops what the file holds and starts from its first byte.
    fn restart(&mut self) -> Result<(), FetchError> {
        self.file
            .set_len(0)
            .and_then(|()| self.file.seek(SeekFrom::Start(0)).map(drop))
            .map_err(|e| FetchError::io("emptying", self.path, e))?;
        self.hasher = Sha256::new();
        self.have = 0;
        self.restarted = true;
        Ok(())
    }

    /// Appends what `body` yields until the file is complete, the body ends, or it fails.
    /// Returns the bytes appended; an early end is the caller's to name (`ended`).
    fn append(
        &mut self,
        body: &mut dyn Read,
        progress: &mut dyn FnMut(u64, u64),
        location: &str,
        read_failed: &dyn Fn(io::Error) -> String,
    ) -> Result<u64, FetchError> {
        self.file
            .seek(SeekFrom::Start(self.have))
            .map_err(|e| FetchError::io("writing", self.path, e))?;
        let mut buf = vec![0u8; CHUNK];
        let mut appended = 0u64;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => return Ok(appended),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(FetchError::Interrupted {
                        location: location.to_owned(),
                        have: self.have,
                        expected: self.expected,
                        partial: self.path.to_owned(),
                        reason: read_failed(e),
                    });
                }
            };
            let room = self.expected - self.have;
            if n as u64 > room {
                return Err(FetchError::Mismatch {
                    location: location.to_owned(),
                    reason: format!("it is longer than the {} bytes named", self.expected),
                });
            }
            self.file
                .write_all(&buf[..n])
                .map_err(|e| FetchError::io("writing", self.path, e))?;
            self.hasher.update(&buf[..n]);
            self.have += n as u64;
            appended += n as u64;
            progress(self.have, self.expected);
        }
    }

    fn fill_from_folder(
        &mut self,
        src: &Path,
        location: &str,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, FetchError> {
        let mut from = input::open_regular(src).map_err(|e| match e {
            InputError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                FetchError::Missing {
                    location: location.to_owned(),
                }
            }
            e => FetchError::Io {
                action: "reading",
                path: src.to_owned(),
                source: io::Error::other(e.to_string()),
            },
        })?;
        let found = from
            .metadata()
            .map_err(|e| FetchError::io("reading", src, e))?
            .len();
        if found > self.expected {
            return Err(FetchError::Mismatch {
                location: location.to_owned(),
                reason: format!(
                    "it holds {found} bytes, more than the {} named",
                    self.expected
                ),
            });
        }
        from.seek(SeekFrom::Start(self.have))
            .map_err(|e| FetchError::io("reading", src, e))?;
        let mut limited = from.take(self.expected - self.have);
        let appended = self.append(&mut limited, progress, location, &|e| {
            format!("reading failed: {e}; was the medium removed?")
        })?;
        if self.have < self.expected {
            return Err(FetchError::Incomplete {
                location: location.to_owned(),
                found: self.have,
                expected: self.expected,
                partial: self.path.to_owned(),
            });
        }
        Ok(appended)
    }

    fn fill_from_http(
        &mut self,
        agent: &ureq::Agent,
        url: &str,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, FetchError> {
        let resuming = self.have > 0;
        let response = request(agent, url, resuming.then_some(self.have))?;
        let status = response.status().as_u16();
        let mismatch = |reason: String| FetchError::Mismatch {
            location: url.to_owned(),
            reason,
        };
        let remaining = match status {
            206 if resuming => match content_range(&response) {
                Some((start, total)) if start == self.have && total == Some(self.expected) => {
                    self.expected - self.have
                }
                Some((_, Some(total))) if total != self.expected => {
                    return Err(mismatch(format!(
                        "the server's file has {total} bytes, not the {} named",
                        self.expected
                    )));
                }
                _ => {
                    return Err(FetchError::Interrupted {
                        location: url.to_owned(),
                        have: self.have,
                        expected: self.expected,
                        partial: self.path.to_owned(),
                        reason: "the server answered another range than the one asked".into(),
                    });
                }
            },
            200 => {
                // Not resumable there (or not asked): the whole file comes again.
                if resuming {
                    self.restart()?;
                }
                self.expected
            }
            416 => {
                return Err(mismatch(format!(
                    "the server's file is shorter than the {} bytes named",
                    self.expected
                )));
            }
            _ => return Err(status_error(url, status, &response)),
        };
        if let Some(len) = content_length(&response)
            && len != remaining
        {
            return Err(mismatch(format!(
                "the server sends {len} bytes where {remaining} are missing"
            )));
        }
        let mut body = response.into_body().into_reader();
        let appended = self.append(&mut body, progress, url, &|e| e.to_string())?;
        if self.have < self.expected {
            return Err(FetchError::Interrupted {
                location: url.to_owned(),
                have: self.have,
                expected: self.expected,
                partial: self.path.to_owned(),
                reason: "the connection closed early".into(),
            });
        }
        Ok(appended)
    }

    /// Syncs the complete file and checks its hash; a wrong one deletes it.
    fn finish(self, expected_sha256: &str, location: &str) -> Result<(), FetchError> {
        self.file
            .sync_all()
            .map_err(|e| FetchError::io("writing", self.path, e))?;
        if self.have != self.expected {
            // Only an interrupted fill leaves it short, and that returned its own error.
            return Err(FetchError::Interrupted {
                location: location.to_owned(),
                have: self.have,
                expected: self.expected,
                partial: self.path.to_owned(),
                reason: "it is not complete".into(),
            });
        }
        if hex(&self.hasher.finalize()) != expected_sha256 {
            let _ = fs::remove_file(self.path);
            return Err(FetchError::Mismatch {
                location: location.to_owned(),
                reason: "its SHA-256 differs from the one named".into(),
            });
        }
        Ok(())
    }

    /// After an interruption: what is there stays for the next sync, on disk for real.
    fn sync_quietly(&self) {
        let _ = self.file.sync_all();
    }

    fn discard(&self) {
        let _ = fs::remove_file(self.path);
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A medium that fails after `left` bytes, as a stick pulled mid-copy does.
    struct Pulled<R> {
        inner: R,
        left: usize,
    }

    impl<R: Read> Read for Pulled<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::from_raw_os_error(5)); // EIO
            }
            let n = buf.len().min(self.left);
            let n = self.inner.read(&mut buf[..n])?;
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_mid_copy_keeps_what_was_copied_and_the_next_copy_resumes() {
        let dir = tempfile::tempdir().expect("temp");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let sha = fieldchart_repo::sha256_hex(&data);
        let partial = dir.path().join("file.partial");
        let mut part = Partial::open(&partial, data.len() as u64).expect("opens");
        let mut pulled = Pulled {
            inner: &data[..],
            left: 70_000,
        };
        let err = part
            .append(&mut pulled, &mut |_, _| {}, "stick/file", &|e| {
                e.to_string()
            })
            .expect_err("pulled");
        assert!(
            matches!(err, FetchError::Interrupted { have: 70_000, .. }),
            "{err}"
        );
        assert_eq!(err.failure(), Failure::Io);
        assert!(err.to_string().contains("next sync resumes"), "{err}");
        part.sync_quietly();
        drop(part);
        assert_eq!(fs::metadata(&partial).expect("kept").len(), 70_000);

        let source = dir.path().join("stick");
        fs::create_dir(&source).expect("stick");
        fs::write(source.join("file"), &data).expect("file");
        let got = RepoSource::folder(&source)
            .download("file", data.len() as u64, &sha, &partial, &mut |_, _| {})
            .expect("resumes");
        assert_eq!(
            got,
            Downloaded {
                resumed_from: 70_000,
                transferred: 130_000
            }
        );
        assert_eq!(fs::read(&partial).expect("whole"), data);
    }

    #[test]
    fn names_outside_the_repository_layout_are_refused_unfetched() {
        for name in [
            "../x",
            "/etc/passwd",
            "targets/../../x",
            ".hidden",
            "a//b",
            "a b",
            "",
        ] {
            assert!(check_name(name).is_err(), "{name}");
        }
        for name in ["timestamp.json", "12.targets.json", "targets/ab.fcs"] {
            assert!(check_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn only_web_addresses_and_folders_are_sources() {
        assert!(RepoSource::parse("ftp://hub/repo").is_err());
        assert!(RepoSource::parse("https://hub.example/repo?x=1").is_err());
        assert!(RepoSource::parse("https:///repo").is_err());
        assert!(RepoSource::parse("https://hub.example/repo/").is_ok());
        let folder = RepoSource::parse("/media/stick/repo").expect("folder");
        assert_eq!(
            folder.location("timestamp.json"),
            "/media/stick/repo/timestamp.json"
        );
    }
}
