//! Store-and-forward: send the entries a hub has not acknowledged yet, batch by batch, advancing
//! the state file only after each batch's acknowledgement, and resending from the last
//! acknowledged entry after a broken connection.

use std::path::Path;
use std::thread;
use std::time::Duration;

use crate::ForwardError;
use crate::destination::Destination;
use crate::message::{MAX_MESSAGE_BYTES, Message, Origin, octet_counted};
use crate::state::ForwardState;
use crate::transport::{Failure, Session, Timeouts, TrustedCa};

/// How often a batch is tried before `forward` gives up, and how long it waits in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per batch, the first included. At least 1.
    pub attempts: u32,
    /// Wait after the first failure; it doubles after each further one.
    pub first_backoff: Duration,
    /// The wait never grows beyond this.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// What one `forward` run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ForwardReport {
    /// Entries sent and acknowledged in this run.
    pub sent: usize,
    /// Entries skipped because the hub had acknowledged them before.
    pub already: usize,
    /// Batches acknowledged in this run (one TLS connection each).
    pub batches: usize,
    /// Attempts that failed and were retried.
    pub reconnects: usize,
    /// The highest sequence number the hub has acknowledged, after this run.
    pub acknowledged: Option<u64>,
}

/// Sends one log's entries to one hub.
#[derive(Debug, Clone)]
pub struct Forwarder {
    destination: Destination,
    ca: TrustedCa,
    origin: Origin,
    batch_size: usize,
    retry: RetryPolicy,
    timeouts: Timeouts,
}

impl Forwarder {
    /// Batches of 64 entries, the default [`RetryPolicy`] and [`Timeouts`].
    pub fn new(destination: Destination, ca: TrustedCa, origin: Origin) -> Self {
        Forwarder {
            destination,
            ca,
            origin,
            batch_size: 64,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
        }
    }

    /// Entries per acknowledged batch (at least 1). Smaller batches lose less work to a broken
    /// connection; each batch costs one TLS handshake.
    pub fn batch_size(mut self, entries: usize) -> Self {
        self.batch_size = entries.max(1);
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            attempts: retry.attempts.max(1),
            ..retry
        };
        self
    }

    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// Sends every entry of `messages` (the whole log, in sequence order) that the hub has not
    /// acknowledged according to `state_path`, and records each acknowledged batch there.
    ///
    /// On an error the state still holds every batch acknowledged before it, so running again
    /// resumes where this run stopped.
    pub fn forward(
        &self,
        messages: &[Message],
        state_path: &Path,
    ) -> Result<ForwardReport, ForwardError> {
        check_order(messages)?;
        let mut state = ForwardState::load(state_path, self.origin.log())?;
        // A log shorter than what any collector acknowledged was cut or replaced: a fact about
        // the log, known before connecting anywhere.
        let last_in_log = messages.last().map(Message::seq);
        if let Some((collector, ack)) = state.highest()
            && last_in_log.is_none_or(|last| last < ack)
        {
            return Err(ForwardError::LogBehindHub {
                destination: collector,
                acknowledged: ack,
                last: last_in_log,
            });
        }
        let mut report = ForwardReport::default();
        if messages.is_empty() {
            return Ok(report);
        }
        // Until the collector answers, what the name reached last time is the best knowledge
        // (and what an error reports).
        report.acknowledged = state.acknowledged_at_last_reach(&self.destination);
        if let (Some(ack), Some(last)) = (report.acknowledged, last_in_log)
            && last <= ack
        {
            report.already = messages.len();
            return Ok(report);
        }
        // Which collector answers decides what it has acknowledged: its certificate, not the
        // name it was reached by. The first connection tells, and carries the first batch.
        let (first, identity) = self.retrying(&mut report, || {
            let session = Session::open(&self.destination, &self.ca, self.timeouts)?;
            let identity = session.identity();
            Ok((session, identity))
        })?;
        let mut first = Some(first);
        let acknowledged = state.acknowledged(&identity, &self.destination);
        report.acknowledged = acknowledged;

        let pending_from = messages.partition_point(|m| acknowledged.is_some_and(|a| m.seq() <= a));
        let (done, pending) = messages.split_at(pending_from);
        report.already = done.len();
        let frames = pending
            .iter()
            .map(|m| {
                let text = m.to_rfc5424(&self.origin);
                if text.len() > MAX_MESSAGE_BYTES {
                    return Err(ForwardError::TooLarge {
                        seq: m.seq(),
                        bytes: text.len(),
                        max: MAX_MESSAGE_BYTES,
                    });
                }
                Ok((m.seq(), octet_counted(&text)))
            })
            .collect::<Result<Vec<_>, _>>()?;

        for batch in frames.chunks(self.batch_size) {
            let Some(&(last_seq, _)) = batch.last() else {
                continue;
            };
            self.retrying(&mut report, || {
                self.send_batch(batch, &mut first, &identity)
            })?;
            state.set(&identity, &self.destination, last_seq);
            state.save(state_path)?;
            report.sent += batch.len();
            report.batches += 1;
            report.acknowledged = Some(last_seq);
        }
        if let Some(unused) = first {
            // Nothing was pending: end the first connection as politely as a batch does.
            let _ = unused.close_and_await_acknowledgement();
        }
        Ok(report)
    }

    /// Runs `attempt` until it succeeds or the retries are spent; a certificate the CA refuses
    /// or another collector answering is not retried.
    fn retrying<T>(
        &self,
        report: &mut ForwardReport,
        mut attempt_once: impl FnMut() -> Result<T, Failure>,
    ) -> Result<T, ForwardError> {
        let mut backoff = self.retry.first_backoff;
        let mut attempt = 1;
        loop {
            let failure = match attempt_once() {
                Ok(done) => return Ok(done),
                Err(failure) => failure,
            };
            let failure = match failure {
                Failure::Certificate(source) => {
                    return Err(ForwardError::Untrusted {
                        destination: self.destination.to_string(),
                        ca: self.ca.path().to_owned(),
                        source,
                        acknowledged: report.acknowledged,
                    });
                }
                Failure::OtherHub { expected, found } => {
                    return Err(ForwardError::OtherHub {
                        destination: self.destination.to_string(),
                        expected,
                        found,
                        acknowledged: report.acknowledged,
                    });
                }
                other => other,
            };
            if attempt >= self.retry.attempts {
                return Err(ForwardError::Undelivered {
                    destination: self.destination.to_string(),
                    attempts: attempt,
                    last: failure,
                    acknowledged: report.acknowledged,
                });
            }
            thread::sleep(backoff);
            backoff = (backoff * 2).min(self.retry.max_backoff);
            attempt += 1;
            report.reconnects += 1;
        }
    }

    /// One batch over the run's first connection (if unused yet) or a new one to the same
    /// collector.
    fn send_batch(
        &self,
        batch: &[(u64, Vec<u8>)],
        first: &mut Option<Session>,
        identity: &str,
    ) -> Result<(), Failure> {
        let mut session = match first.take() {
            Some(s) => s,
            None => Session::open(&self.destination, &self.ca, self.timeouts)?,
        };
        let found = session.identity();
        if found != identity {
            return Err(Failure::OtherHub {
                expected: identity.to_owned(),
                found,
            });
        }
        for (_, frame) in batch {
            session.send(frame)?;
        }
        session.close_and_await_acknowledgement()
    }
}

fn check_order(messages: &[Message]) -> Result<(), ForwardError> {
    for pair in messages.windows(2) {
        if let [previous, next] = pair
            && next.seq() <= previous.seq()
        {
            return Err(ForwardError::OutOfOrder {
                previous: previous.seq(),
                seq: next.seq(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Hostname, LogId};
    use crate::state::state_path_for;
    use chrono::DateTime;

    /// A forwarder whose hub is never reached: every case here fails before connecting.
    fn offline(dir: &Path) -> Forwarder {
        let ca = rcgen::generate_simple_self_signed(vec!["hub".to_owned()]).expect("cert");
        let ca_path = dir.join("ca.pem");
        std::fs::write(&ca_path, ca.cert.pem()).expect("write CA");
        Forwarder::new(
            "127.0.0.1:9".parse().expect("dest"),
            TrustedCa::from_pem_file(&ca_path).expect("CA"),
            Origin::new(Hostname::unknown(), LogId::new("log-a").expect("id")),
        )
        .retry(RetryPolicy {
            attempts: 1,
            first_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        })
    }

    fn entry(seq: u64) -> Message {
        let at = DateTime::parse_from_rfc3339("2026-03-11T14:46:00+09:00").expect("time");
        Message::new(seq, at, "view", format!("line {seq}")).expect("valid")
    }

    #[test]
    fn entries_out_of_sequence_order_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = offline(dir.path())
            .forward(&[entry(1), entry(3), entry(2)], &dir.path().join("s"))
            .expect_err("out of order");
        assert!(
            matches!(
                err,
                ForwardError::OutOfOrder {
                    previous: 3,
                    seq: 2
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_log_shorter_than_what_the_hub_acknowledged_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let forwarder = offline(dir.path());
        let state_path = state_path_for(&dir.path().join("audit.log"));
        let mut state = ForwardState::load(&state_path, &LogId::new("log-a").expect("id"))
            .expect("empty state");
        state.set("cert-sha256:test", forwarder.destination(), 50);
        state.save(&state_path).expect("save");

        let err = forwarder
            .forward(&[entry(1), entry(2)], &state_path)
            .expect_err("truncated log");
        assert!(
            err.to_string()
                .contains("up to 50, but this log ends at entry 2"),
            "{err}"
        );
        let err = forwarder.forward(&[], &state_path).expect_err("empty log");
        assert!(err.to_string().contains("this log is empty"), "{err}");
    }

    #[test]
    fn nothing_to_send_needs_no_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let forwarder = offline(dir.path());
        let state_path = dir.path().join("s");
        assert_eq!(
            forwarder.forward(&[], &state_path).expect("empty log"),
            ForwardReport::default()
        );
        let mut state = ForwardState::load(&state_path, &LogId::new("log-a").expect("id"))
            .expect("empty state");
        state.set("cert-sha256:test", forwarder.destination(), 2);
        state.save(&state_path).expect("save");
        let report = forwarder
            .forward(&[entry(1), entry(2)], &state_path)
            .expect("all acknowledged");
        assert_eq!(
            (report.sent, report.already, report.acknowledged),
            (0, 2, Some(2))
        );
    }

    #[test]
    fn an_unreachable_hub_leaves_no_state_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state_path = dir.path().join("s");
        let err = offline(dir.path())
            .forward(&[entry(1)], &state_path)
            .expect_err("port 9 is closed");
        assert!(
            matches!(err, ForwardError::Undelivered { attempts: 1, .. }),
            "{err}"
        );
        assert!(!state_path.exists());
    }
}
