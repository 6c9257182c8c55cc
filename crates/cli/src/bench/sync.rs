//! `fieldchart bench sync`: the living snapshot's figures (issue 13 §7), each a ratio against a
//! baseline measured in the same run, on a generated region and its generated next days:
//!
//! - an incremental (layer) build's time against a full build of the same day (goal ≤ 5%);
//! - a layer's bytes against the full snapshot's (goal ≤ 2× the changed patients' share);
//! - the bytes and time a laptop syncs for one day, from a repository served by Debian's nginx
//!   with the shipped site (goal: bytes ≤ 1.1× the layer), or from a folder when nginx is absent;
//! - search and record p99 on the base and its layers against the same data as one base
//!   (goal ≤ 1.3×);
//! - a full build's throughput against the reader's own on the same region (goal ≥ 0.6×).
//!
//! The region is copied from a pristine one kept under --dir (a next day changes it in place).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use fieldchart_build::BuildOptions;
use fieldchart_build::chain::{ChainOptions, Kind, build_next};
use fieldchart_policy::Policy;
use fieldchart_session::{Session, SessionOptions};
use fieldchart_vault::{TrustedKey, Unlock, WriteOptions};
use serde::Serialize;

use super::queries::sample;
use super::snapshot::{SnapshotFiles, run_viewer};
use super::viewer::ViewerReport;
use super::{ensure_region, region_dir};
use crate::roots::region_roots;

#[derive(clap::Args)]
pub struct SyncArgs {
    /// Patients in the region.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    patients: u64,
    #[arg(long, default_value_t = 3)]
    facilities: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Days of change after the base: one layer each.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// The share of patients that change each day.
    #[arg(long, default_value_t = 0.01)]
    share: f64,
    /// Queries the viewer runs on each side, each round. A p99 of 200 is the second-worst query,
    /// which swings by ±0.3 in the ratio from run to run; 1000 gives the tenth-worst.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Measured rounds of the viewer comparison, alternating which side runs first; the ratios
    /// reported are the rounds' medians.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Where regions and the run's files are kept.
    #[arg(long, value_name = "DIR", default_value = "bench-out")]
    dir: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Only the viewer's half again (search and record p99, chain against one base), on the
    /// chain and full snapshot an earlier run of the same --patients and --seed left in --dir.
    #[arg(long)]
    viewer_only: bool,
}

#[derive(Serialize)]
struct Report {
    patients: u64,
    days: u32,
    share: f64,
    full_build_seconds: f64,
    full_snapshot_bytes: u64,
    /// Per day: the layer's build time, bytes and patients (new or changed, and removed).
    layers: Vec<LayerRow>,
    incremental_to_full_time: f64,
    layer_to_full_bytes: f64,
    changed_share: f64,
    sync_from: String,
    sync_transferred_bytes: u64,
    sync_seconds: f64,
    sync_bytes_to_layer: f64,
    /// The round whose search ratio is the median.
    chain: ViewerReport,
    one_base: ViewerReport,
    /// Medians over the rounds.
    search_p99_chain_to_base: f64,
    record_p99_chain_to_base: f64,
    /// Per round: the search and the record p99 ratio.
    rounds: Vec<(f64, f64)>,
    reader_records_per_s: f64,
    build_records_per_s: f64,
    build_to_reader_throughput: f64,
}

#[derive(Serialize)]
struct LayerRow {
    day: u32,
    /// The whole `build_next`, wall clock (scan, state and build).
    seconds: f64,
    /// Of which the layer's own build (reading the changed patients, store, index, encryption).
    build_seconds: f64,
    bytes: u64,
    patients: u64,
    tombstones: u64,
    /// Patients whose folders were read again; the rest were checked by their kept times.
    walked: u64,
    scanned: u64,
}

pub fn run(args: SyncArgs) -> anyhow::Result<ExitCode> {
    if args.days == 0 {
        bail!("--days must be at least 1");
    }
    if args.viewer_only {
        return viewer_only(&args);
    }
    let pristine = region_dir(&args.dir, args.patients, args.facilities, args.seed);
    ensure_region(&pristine, args.patients, args.facilities, args.seed)?;
    let run_dir = args
        .dir
        .join(format!("sync-p{}-s{}", args.patients, args.seed));
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir)
            .with_context(|| format!("cannot clear {}", run_dir.display()))?;
    }
    std::fs::create_dir_all(&run_dir)?;
    let region = run_dir.join("region");
    copy_tree(&pristine, &region)?;
    let files = SnapshotFiles::with_keys(&run_dir.join("full.fcs"), &run_dir.join("keys"))?;
    let say = |s: &str| {
        if !args.json {
            eprintln!("{s}");
        }
    };

    // The reader alone, then the base of the chain.
    say("reading the region (the reader's own throughput) …");
    let started = Instant::now();
    let mut records = 0u64;
    fieldchart_reader::read::Storage::scan(region_roots(&region)?)
        .read(|p| records += p.current.len() as u64);
    let reader_records_per_s = records as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let state = run_dir.join("state");
    let builds = run_dir.join("builds");
    say("building the base …");
    let base = build_next(files.chain_options(&region, &state, &builds)?, &mut |_| {})?;
    if base.kind != Kind::Base {
        bail!("the first build of the run was not a base");
    }

    let mut layers = Vec::new();
    let repo = run_dir.join("repo");
    for day in 1..=args.days {
        fieldchart_synth::next_day(
            &region,
            &fieldchart_synth::NextDaySpec {
                share: args.share,
                seed: args.seed + u64::from(day),
            },
        )?;
        say(&format!("day {day}: the layer …"));
        // The whole nightly run, wall clock: the scan of every patient folder and the state
        // included, not only the layer's own build (which is what BuildSummary::seconds times).
        let started = Instant::now();
        let built = build_next(files.chain_options(&region, &state, &builds)?, &mut |_| {})?;
        let wall = started.elapsed().as_secs_f64();
        if built.kind != Kind::Layer {
            bail!(
                "day {day} wrote a base, not a layer: {}",
                built.why_base.unwrap_or_default()
            );
        }
        let last = built.chain.last().context("an empty chain")?;
        layers.push(LayerRow {
            day,
            seconds: wall,
            build_seconds: built.summary.seconds,
            bytes: built.summary.bytes,
            patients: last.patients,
            tombstones: last.tombstones,
            walked: built.walked,
            scanned: built.scanned,
        });
        if day + 1 == args.days || args.days == 1 {
            // The laptop holds the chain up to the day before the last.
            publish(&files, &state, &builds, &repo)?;
        }
    }
    // The same last day as one full snapshot, the baseline of every ratio.
    say("the same data as one full build …");
    let started = Instant::now();
    let full = fieldchart_build::build(files.full_options(&region)?, &mut |_| {})?;
    let full_wall = started.elapsed().as_secs_f64();

    // The laptop's sync of the last day, over nginx when it is there.
    let laptop = run_dir.join("laptop");
    let audit_log = files.keys.join("audit.log");
    let trusted = vec![TrustedKey::parse(&files.trusted()?)?];
    let unlock = Unlock::Identity(fieldchart_vault::load_identity(&files.device_key())?);
    let sync = |source: &str| -> anyhow::Result<fieldchart_sync::repository::RepoSynced> {
        Ok(fieldchart_sync::repository::sync_repository(
            &fieldchart_sync::repository::RepoSyncOptions {
                source: source.to_string(),
                dest_dir: laptop.clone(),
                unlock: unlock.clone(),
                trusted: trusted.clone(),
                now: Utc::now(),
                audit_log: audit_log.clone(),
                http: Default::default(),
                device_key: None,
            },
            &mut |_, _, _| {},
        )?)
    };
    let nginx = Nginx::serve(&repo, &run_dir.join("nginx")).ok();
    let source = nginx
        .as_ref()
        .map_or_else(|| repo.display().to_string(), Nginx::url);
    if args.days > 1 {
        sync(&source)?;
    }
    publish(&files, &state, &builds, &repo)?;
    say(&format!("syncing the last day from {source} …"));
    let started = Instant::now();
    let synced = sync(&source)?;
    let sync_seconds = started.elapsed().as_secs_f64();
    let chain_file = synced.brought.chain_file.clone();
    drop(nginx);

    // Search and record on the chain against the one base, the same queries.
    let session = files.open_at(&full.path)?;
    let queries = sample(&session, args.queries, args.seed)?;
    drop(session);
    say("the viewer on the chain and on the one base …");
    let compared = compare_viewers(&files, &chain_file, &full.path, &queries, args.rounds)?;
    let (search_p99_chain_to_base, record_p99_chain_to_base) = compared.medians();
    let rounds = compared.ratios();
    let (chain_view, base_view) = compared.median_round();
    let last = layers.last().context("no layer")?;
    let layer_seconds: f64 = last.seconds;
    let changed = last.patients + last.tombstones;
    let report = Report {
        patients: args.patients,
        days: args.days,
        share: args.share,
        full_build_seconds: full_wall,
        full_snapshot_bytes: full.bytes,
        incremental_to_full_time: layer_seconds / full_wall.max(1e-9),
        layer_to_full_bytes: last.bytes as f64 / full.bytes.max(1) as f64,
        changed_share: changed as f64 / args.patients.max(1) as f64,
        sync_from: if source.starts_with("http") {
            "nginx".into()
        } else {
            "folder".into()
        },
        sync_transferred_bytes: synced.brought.transferred,
        sync_seconds,
        sync_bytes_to_layer: synced.brought.transferred as f64 / last.bytes.max(1) as f64,
        search_p99_chain_to_base,
        record_p99_chain_to_base,
        rounds,
        chain: chain_view,
        one_base: base_view,
        reader_records_per_s,
        build_records_per_s: full.records as f64 / full.seconds.max(1e-9),
        build_to_reader_throughput: (full.records as f64 / full.seconds.max(1e-9))
            / reader_records_per_s.max(1e-9),
        layers,
    };
    let mut out = crate::out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print(&mut out, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    writeln!(
        out,
        "{} patients, {} days of {:.1}% change",
        r.patients,
        r.days,
        100.0 * r.share
    )?;
    for l in &r.layers {
        writeln!(
            out,
            "  day {}: layer of {} patients and {} tombstones, {} bytes, {:.2} s (of which {:.2} s the layer's build, the rest the scan; {} of {} patients' folders read again)",
            l.day,
            l.patients,
            l.tombstones,
            l.bytes,
            l.seconds,
            l.build_seconds,
            l.walked,
            l.scanned
        )?;
    }
    writeln!(
        out,
        "incremental build / full build time, wall clock, scan included: {:.3} (goal ≤ 0.05: {})",
        r.incremental_to_full_time,
        met(r.incremental_to_full_time <= 0.05)
    )?;
    writeln!(
        out,
        "layer / full snapshot bytes: {:.4} for {:.2}% of patients changed (goal ≤ 2× that: {})",
        r.layer_to_full_bytes,
        100.0 * r.changed_share,
        met(r.layer_to_full_bytes <= 2.0 * r.changed_share)
    )?;
    writeln!(
        out,
        "laptop sync from {}: {} bytes in {:.2} s, {:.3}× the layer (goal ≤ 1.1: {})",
        r.sync_from,
        r.sync_transferred_bytes,
        r.sync_seconds,
        r.sync_bytes_to_layer,
        met(r.sync_bytes_to_layer <= 1.1)
    )?;
    print_viewer(
        out,
        &format!("base+{} layers", r.days),
        &r.chain,
        &r.one_base,
        (r.search_p99_chain_to_base, r.record_p99_chain_to_base),
        &r.rounds,
    )?;
    writeln!(
        out,
        "full build / reader throughput: {:.0} / {:.0} records/s = {:.2} (goal ≥ 0.6: {})",
        r.build_records_per_s,
        r.reader_records_per_s,
        r.build_to_reader_throughput,
        met(r.build_to_reader_throughput >= 0.6)
    )
}

fn publish(files: &SnapshotFiles, state: &Path, builds: &Path, repo: &Path) -> anyhow::Result<()> {
    let chain = fieldchart_build::chain::read_chain(state)?;
    let key = fieldchart_vault::load_signing_key(&files.signing_key())?;
    let input = fieldchart_repo::PublishInput::new(
        chain
            .iter()
            .map(|e| fieldchart_repo::ChainFile {
                path: builds.join(&e.file),
                role: if e.sequence == 0 {
                    fieldchart_repo::FileRole::Base
                } else {
                    fieldchart_repo::FileRole::Layer
                },
                sequence: u64::from(e.sequence),
                digest: e.digest.clone(),
            })
            .collect(),
        &key,
        Utc::now(),
    );
    fieldchart_repo::publish(repo, &input)?;
    Ok(())
}

impl SnapshotFiles {
    /// The options of the run's hub builds (a chain in `state` and `builds`).
    fn chain_options(
        &self,
        region: &Path,
        state: &Path,
        builds: &Path,
    ) -> anyhow::Result<ChainOptions> {
        let mut build = self.full_options(region)?;
        build.out = builds.to_path_buf();
        Ok(ChainOptions {
            build,
            state_dir: state.to_path_buf(),
            builds_dir: builds.to_path_buf(),
            full: false,
            layer_share: 0.3,
            max_layers: 30,
            settings: "bench".into(),
        })
    }

    /// The options of one full snapshot of `region` at `self.snapshot`.
    fn full_options(&self, region: &Path) -> anyhow::Result<BuildOptions> {
        let created = Utc::now();
        let recipient = std::fs::read_to_string(self.keys.join("device.pub"))?;
        let audit = std::fs::read_to_string(self.keys.join("audit.pub"))?;
        Ok(BuildOptions {
            storage: region_roots(region)?,
            out: self.snapshot.clone(),
            vault: WriteOptions {
                recipients: vec![fieldchart_vault::parse_recipient(recipient.trim())?],
                passphrase: None,
                scrypt_log_n: None,
                signing_key: fieldchart_vault::load_signing_key(&self.signing_key())?,
                created,
                not_after: created + chrono::Duration::days(14),
                drill: true,
            },
            window_years: 5,
            policy: Policy::default_policy(),
            consent: Vec::new(),
            links: Vec::new(),
            audit_recipient: audit.trim().to_string(),
            facility_names: crate::roots::region_names(region)?,
            chain: None,
            hpki: Default::default(),
            masters: Default::default(),
        })
    }

    fn open_at(&self, path: &Path) -> anyhow::Result<Session> {
        Ok(Session::open(SessionOptions {
            path: path.to_path_buf(),
            unlock: Unlock::Identity(fieldchart_vault::load_identity(&self.device_key())?),
            trusted: vec![TrustedKey::parse(&self.trusted()?)?],
            now: Utc::now(),
            accept_expired: false,
        })?)
    }
}

/// Debian's nginx serving `root` with the shipped site (deploy/nginx/fieldchart-repo.conf), only
/// its `root` and first `listen` lines changed, on a free loopback port.
struct Nginx {
    child: Child,
    port: u16,
}

const SITE: &str = include_str!("../../../../deploy/nginx/fieldchart-repo.conf");

impl Nginx {
    fn serve(root: &Path, dir: &Path) -> anyhow::Result<Nginx> {
        let nginx = Path::new("/usr/sbin/nginx");
        if !nginx.exists() {
            bail!("no nginx");
        }
        let root = root.canonicalize()?;
        std::fs::create_dir_all(dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut listens = 0;
        let site: Vec<String> = SITE
            .lines()
            .map(|line| {
                let t = line.trim_start();
                if t.starts_with("root ") {
                    format!("root {};", root.display())
                } else if t.starts_with("listen ") {
                    listens += 1;
                    if listens == 1 {
                        format!("listen 127.0.0.1:{port};")
                    } else {
                        String::new()
                    }
                } else {
                    line.to_string()
                }
            })
            .collect();
        let d = dir.display();
        std::fs::write(dir.join("site.conf"), site.join("\n"))?;
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nmaster_process off;\n\
                 events {{ worker_connections 64; }}\nhttp {{\n include /etc/nginx/mime.types;\n \
                 access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n \
                 fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n \
                 scgi_temp_path {d}/scgi;\n include {d}/site.conf;\n}}\n"
            ),
        )?;
        let child = Process::new(nginx)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut served = Nginx { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || served.child.try_wait()?.is_some() {
                bail!("nginx did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(served)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            // The copy keeps the source's times, as a storage copy does.
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

/// `--viewer-only`: the chain file the last run's laptop holds and that run's full snapshot, with
/// the run's keys, queried again the same way.
fn viewer_only(args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let run_dir = args
        .dir
        .join(format!("sync-p{}-s{}", args.patients, args.seed));
    let full = run_dir.join("full.fcs");
    let chain_file = std::fs::read_dir(run_dir.join("laptop"))
        .with_context(|| format!("no earlier run in {}", run_dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "fcchain"))
        .with_context(|| format!("no chain file in {}/laptop", run_dir.display()))?;
    let files = SnapshotFiles::existing(&full, &run_dir.join("keys"));
    let session = files.open_at(&full)?;
    let queries = sample(&session, args.queries, args.seed)?;
    drop(session);
    let compared = compare_viewers(&files, &chain_file, &full, &queries, args.rounds)?;
    let (search, record) = compared.medians();
    let rounds = compared.ratios();
    let (chain_view, base_view) = compared.median_round();
    let mut out = crate::out::stdout();
    if args.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({
                "chain": chain_view,
                "one_base": base_view,
                "search_p99_chain_to_base": search,
                "record_p99_chain_to_base": record,
                "rounds": rounds,
            }),
        )?;
    } else {
        print_viewer(
            &mut out,
            "chain",
            &chain_view,
            &base_view,
            (search, record),
            &rounds,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The same queries on the chain and on the one base. Each side runs once unmeasured first (the
/// page cache and the first open's costs), then `rounds` measured rounds, each running both
/// sides, the first round base first, the next chain first, and so on: neither side is favoured by
/// running warmer, and a slow moment of the machine falls into one round's ratio, not the median.
fn compare_viewers(
    files: &SnapshotFiles,
    chain: &Path,
    base: &Path,
    queries: &[super::queries::BenchQuery],
    rounds: usize,
) -> anyhow::Result<Compared> {
    if rounds == 0 {
        bail!("--rounds must be at least 1");
    }
    run_viewer(&files.for_snapshot(chain), queries)?;
    run_viewer(&files.for_snapshot(base), queries)?;
    let mut out = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (chain_view, base_view) = if round % 2 == 0 {
            let b = run_viewer(&files.for_snapshot(base), queries)?;
            (run_viewer(&files.for_snapshot(chain), queries)?, b)
        } else {
            let c = run_viewer(&files.for_snapshot(chain), queries)?;
            (c, run_viewer(&files.for_snapshot(base), queries)?)
        };
        out.push((chain_view, base_view));
    }
    Ok(Compared(out))
}

/// The measured rounds of [`compare_viewers`]: per round the chain's and the base's report.
struct Compared(Vec<(ViewerReport, ViewerReport)>);

impl Compared {
    /// Per round: search and record p99, chain / base.
    fn ratios(&self) -> Vec<(f64, f64)> {
        self.0.iter().map(|(c, b)| p99_ratios(c, b)).collect()
    }

    /// The medians of the rounds' search and record ratios (the mean of the middle two for an
    /// even count).
    fn medians(&self) -> (f64, f64) {
        let ratios = self.ratios();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        };
        (
            median(ratios.iter().map(|r| r.0).collect()),
            median(ratios.iter().map(|r| r.1).collect()),
        )
    }

    /// The round whose search ratio is the median (the lower middle one for an even count).
    fn median_round(mut self) -> (ViewerReport, ViewerReport) {
        self.0.sort_by(|a, b| {
            p99_ratios(&a.0, &a.1)
                .0
                .total_cmp(&p99_ratios(&b.0, &b.1).0)
        });
        let at = (self.0.len() - 1) / 2;
        self.0.swap_remove(at)
    }
}

/// Search and record p99 of the chain against the one base.
fn p99_ratios(chain: &ViewerReport, base: &ViewerReport) -> (f64, f64) {
    (
        chain.search_p99_ms / base.search_p99_ms.max(1e-9),
        chain.record_p99_ms / base.record_p99_ms.max(1e-9),
    )
}

/// The two viewer lines of the report: search and record p99 of the median round, `chain` (as
/// `what` names it) against the one base, and the medians of the rounds' ratios with the goal.
fn print_viewer(
    out: &mut impl Write,
    what: &str,
    chain: &ViewerReport,
    base: &ViewerReport,
    (search, record): (f64, f64),
    rounds: &[(f64, f64)],
) -> std::io::Result<()> {
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let each = |pick: fn(&(f64, f64)) -> f64| {
        rounds
            .iter()
            .map(|r| format!("{:.2}", pick(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "search p99 {what} / one base: {:.3} ms / {:.3} ms; median of {} rounds {search:.2} (rounds {}; goal ≤ 1.3: {})",
        chain.search_p99_ms,
        base.search_p99_ms,
        rounds.len(),
        each(|r| r.0),
        met(search <= 1.3)
    )?;
    writeln!(
        out,
        "record p99 {what} / one base: {:.3} ms / {:.3} ms; median of {} rounds {record:.2} (rounds {}; goal ≤ 1.3: {})",
        chain.record_p99_ms,
        base.record_p99_ms,
        rounds.len(),
        each(|r| r.1),
        met(record <= 1.3)
    )
}
