//! The hub's side: the rsyslog configuration that receives forwarded audit logs over TLS, drops
//! replayed (log, seq) pairs and writes each accepted entry once, as one JSON line. The tests run
//! exactly this configuration against Debian's rsyslogd, and `deploy/rsyslog/fieldchart-audit.conf` is its
//! rendering for a hub operator.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::message::MAX_MESSAGE_BYTES;

/// rsyslog settings for one collector. Paths are written into the configuration as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsyslogCollector {
    /// TCP port to listen on; 0 lets rsyslog choose (tests), reported in `port_file`.
    pub port: u16,
    /// Where rsyslog writes the port it listens on (`listenPortFileName`), for `port` 0.
    pub port_file: Option<PathBuf>,
    /// The CA that signed `cert_file`; the devices are given the same file as `--ca`.
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// Every accepted entry, once, in arrival order, as one JSON line.
    pub accepted_file: PathBuf,
    /// If set, every entry as it came off the wire, before replays are dropped. For measuring
    /// what the transport does; a hub has no need of it.
    pub wire_file: Option<PathBuf>,
    /// Every entry dropped as a replay ((log, seq) not above the highest accepted), as one JSON
    /// line. Most are a resent batch, byte for byte what was accepted; a different line under the
    /// same (log, seq) is a second laptop writing under one log (a copied laptop folder), and
    /// `fieldchart hub audit ingest` reads this file to keep that fork.
    pub replayed_file: PathBuf,
}

/// The SD-ID as the collector addresses it after `mmpstrucdata` has parsed it.
const SD_PATH: &str = "$!rfc5424-sd!fieldchart@32473";

impl RsyslogCollector {
    /// The configuration, for rsyslog 8.2302 (Debian 12) or later with the `rsyslog-openssl`
    /// package. It loads `imtcp` and `mmpstrucdata`, so it goes in the main configuration or in
    /// an included file of a configuration that does not load `imtcp` itself.
    pub fn rsyslog_config(&self) -> String {
        let mut c = String::new();
        c.push_str(HEADER);
        let port_file = match &self.port_file {
            Some(p) => format!(" listenPortFileName=\"{}\"", path(p)),
            None => String::new(),
        };
        let wire = match &self.wire_file {
            Some(w) => format!(
                "  action(type=\"omfile\" file=\"{}\" template=\"fieldchart-audit-entry\")\n",
                path(w)
            ),
            None => String::new(),
        };
        // Writing to a String cannot fail.
        let _ = write!(
            c,
            r#"# rsyslog's default limit is 8 KiB and it cuts longer messages (with only a warning); devices send up
# to {max} bytes. processInternalMessages: rsyslogd's own messages (its start, a HUP) come
# through this configuration, which the workaround at the top needs. A global() parameter can be
# set once: if the main configuration has a global() block, move these parameters into it.
global(maxMessageSize="{max}" processInternalMessages="on")

module(load="imtcp")
module(load="mmpstrucdata")

# RFC 5425: TLS only (mode 1). The ossl driver, not gtls: after reading a device's close_notify it
# answers with its own, which is the device's only sign that every entry before it was read
# (gtls closes TCP without close_notify, which a cut connection can look like). Devices are not
# asked for certificates (authMode anon); they check the hub's against the CA they were given.
input(type="imtcp" port="{port}"{port_file} ruleset="fieldchart-audit"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon"
      gnutlsPriorityString="MinProtocol=TLSv1.2"
      streamDriver.CAFile="{ca}"
      streamDriver.CertFile="{cert}"
      streamDriver.KeyFile="{key}")

# One JSON line per accepted entry. "entry" is the device's audit-log line, unchanged: rsyslog
# keeps the MSG's UTF-8 byte-order mark (RFC 5424 6.4), and position.from="4" skips its 3 bytes.
template(name="fieldchart-audit-entry" type="list") {{
  constant(value="{{\"host\":\"")   property(name="hostname" format="json")
  constant(value="\",\"log\":\"")   property(name="$.log" format="json")
  constant(value="\",\"seq\":")     property(name="$.seq")
  constant(value=",\"at\":\"")      property(name="timereported" dateFormat="rfc3339")
  constant(value="\",\"kind\":\"")  property(name="msgid" format="json")
  constant(value="\",\"severity\":\"") property(name="syslogseverity-text")
  constant(value="\",\"entry\":\"") property(name="msg" format="json" position.from="4")
  constant(value="\"}}\n")
}}

# One worker, so entries are checked and recorded one at a time, in the order they arrived: the
# replay check below reads and then sets a global variable, which two workers could interleave.
# Do not give this queue a queue.filename: disk assistance opens files while sessions close,
# which widens the window of the double-close fault described at the top (entries went astray
# in 4 of 30 runs of one test with it, none without). Each output file has exactly one omfile
# action: two actions on one file each keep their own buffer, and lines were then written twice.
ruleset(name="fieldchart-audit" queue.type="LinkedList" queue.workerThreads="1") {{
  set $.marker = "";
  if $inputname == "imtcp" then {{
    action(type="mmpstrucdata" sd_name.lowercase="off")
    set $.log = {SD_PATH}!log;
    if $.log == "" then {{
      # Not a FieldChart audit message: this port is for nothing else.
      stop
    }}
    set $.seq = cnum({SD_PATH}!seq);
  }} else {{
    # rsyslogd's own start or HUP message, sent here by the rule at the end: a marker line in
    # every output file (log "rsyslogd", which is no FieldChart log id), opening it at once.
    set $.marker = "1";
    set $.log = "rsyslogd";
    set $.seq = 0;
  }}
{wire}
  # A device resends a batch whose acknowledgement it did not get, and part of that batch may
  # have arrived already. Keep, per log, the highest seq accepted, in a global variable ($/ is
  # shared by all messages) named "fieldchart <log id>", and drop anything not above it.
  set $.replay = "";
  if $.marker == "" then {{
    set $.key = "fieldchart " & $.log;
    set $.last = get_property($/, $.key);
    if $.last != "" and $.seq <= cnum($.last) then {{
      set $.replay = "1";
    }} else {{
      # RainerScript cannot set a variable whose name is computed, but "set" merges an object
      # into the root of $/ key by key, so build {{"fieldchart <log id>": seq}} and merge it.
      set $.parsed = parse_json("{{\"" & replace(replace($.key, "\\", "\\\\"), "\"", "\\\"") & "\":" & $.seq & "}}", "\$.update");
      set $/ = $.update;
    }}
  }}
  # Kept, not lost: a resend is harmless, but a different line under a seq already taken is a
  # cloned laptop's fork, which `fieldchart hub audit ingest` keeps.
  if $.marker == "1" or $.replay == "1" then {{
    action(type="omfile" file="{replayed}" template="fieldchart-audit-entry")
  }}
  if $.replay == "" then {{
    action(type="omfile" file="{accepted}" template="fieldchart-audit-entry")
  }}
  stop
}}

# The workaround at the top: rsyslogd's start and HUP messages go through the collector's
# ruleset, which writes a marker line to every output file at once, so each is (re)opened before
# any device's TLS session can close. No stop: the main configuration's own rules still log them.
if $programname == "rsyslogd" and $inputname != "imtcp" and ($msg contains "] start" or $msg contains "was HUPed") then {{
  call fieldchart-audit
}}
"#,
            max = MAX_MESSAGE_BYTES,
            port = self.port,
            ca = path(&self.ca_file),
            cert = path(&self.cert_file),
            key = path(&self.key_file),
            accepted = path(&self.accepted_file),
            replayed = path(&self.replayed_file),
        );
        c
    }
}

const HEADER: &str = "\
# FieldChart audit collector: receives `fieldchart audit forward LOG --syslog HOST:PORT --ca FILE`
# (RFC 5424 messages over TLS, RFC 5425) and writes every (log, seq) once.
#
# Replays are dropped by a per-log high-water mark kept in memory: after rsyslogd restarts, an
# entry resent by a device whose acknowledgement was lost can be written a second time. Readers of
# the accepted file should therefore still key entries on (log, seq).
#
# Known fault of rsyslog up to at least 8.2302 (Debian 12), fixed upstream by rsyslog PR #6375:
# the ossl driver closes each TLS session's socket twice. An output file opened between the two
# closes (the first entry after start, or a reopen after HUP) loses its descriptor to the next
# connection, and accepted entries are then written in plain text onto that device's TLS
# connection instead of into the file; devices see it as a TLS error and resend, but the file
# misses them. Our tests met it in about 1 run in 4 until their hub had opened its files before
# any session closed. This configuration works around it: rsyslogd processes its own messages
# (processInternalMessages), and its start and HUPed messages write a marker line to each
# output file at once, so every file is (re)opened before any TLS session can close. Markers have
# log rsyslogd, which is no FieldChart log id; `fieldchart hub audit ingest` and `audit verify`
# leave them out. An rsyslog with the upstream fix needs no workaround, and it does no harm there.
#
# Generated by fieldchart-audit-forward (RsyslogCollector); tested against rsyslog 8.2302.

";

/// A path as a RainerScript string constant (backslash and quote escaped).
fn path(p: &Path) -> String {
    p.display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub_example() -> RsyslogCollector {
        RsyslogCollector {
            port: 6514,
            port_file: None,
            ca_file: "/etc/fieldchart/audit-ca.pem".into(),
            cert_file: "/etc/fieldchart/audit-hub.pem".into(),
            key_file: "/etc/fieldchart/audit-hub.key".into(),
            accepted_file: "/var/log/fieldchart/audit.jsonl".into(),
            wire_file: None,
            replayed_file: "/var/log/fieldchart/audit-replayed.jsonl".into(),
        }
    }

    #[test]
    fn the_shipped_hub_configuration_is_what_the_generator_writes() {
        expect_test::expect_file!["../../../deploy/rsyslog/fieldchart-audit.conf"]
            .assert_eq(&hub_example().rsyslog_config());
    }

    #[test]
    fn the_wire_file_is_written_before_replays_are_dropped() {
        let mut c = hub_example();
        c.wire_file = Some("/tmp/wire.jsonl".into());
        let conf = c.rsyslog_config();
        let wire = conf.find("/tmp/wire.jsonl").expect("wire action");
        let replay_check = conf.find("get_property($/").expect("replay check");
        assert!(wire < replay_check);
    }
}
