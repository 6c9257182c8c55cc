//! End to end, on the real app binary: a WebKitGTK window under Xvfb, driven over WebDriver
//! (tauri-driver 2 in front of Debian's WebKitWebDriver), on a drill testbed (a synthetic region
//! built into a valid and an expired drill snapshot, with the drill policy and consent list).
//!
//! One test walks the emergency manual (unlock, declare a doctor, search by kana, romaji and an
//! era birth date, confirm identity, see the penicillin allergy and the anticoagulant, open a lab
//! trend, print preview, lock, resume, end with the drill report); the others are the cases the
//! issue names: a clerk refused the medicines, a wrong passphrase, an expired snapshot, break-glass.
//! Each session is a fresh app process. Screenshots of every step are written under
//! `target/tmp/e2e/shots/` (the path is printed).
//!
//! Needs `Xvfb`, `tauri-driver` (scripts/setup.sh installs both) and the front end built into
//! `ui/dist` (also setup.sh). The sessions run one at a time: there is one display and one driver.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use fieldchart_testbed::{CLERK_CODE, PERSONA, PERSONA_REFUSED, Testbed};

const APP: &str = env!("CARGO_BIN_EXE_fieldchart-app");
const WAIT: Duration = Duration::from_secs(30);

/// A process group that is killed when dropped (Xvfb; tauri-driver and the WebKitWebDriver and app
/// it starts).
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let pgid = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill").args(["-KILL", "--", &pgid]).status();
        let _ = self.0.wait();
    }
}

fn spawn_group(cmd: &mut Command) -> Group {
    let child = cmd
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e} (run scripts/setup.sh)"));
    Group(child)
}

/// Everything the sessions share: one testbed and one X display.
struct Rig {
    bed: Testbed,
    shots: PathBuf,
    logs: PathBuf,
    home: PathBuf,
    display: u32,
    _x: Group,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The sessions take turns: there is one display.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e");
        let _ = std::fs::remove_dir_all(&out);
        let shots = out.join("shots");
        std::fs::create_dir_all(&shots).unwrap();
        let bed = Testbed::make(&out.join("laptop"), 150);
        let logs = out.join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let home = out.join("home");
        std::fs::create_dir_all(&home).unwrap();

        // A display of our own, whatever DISPLAY the caller has.
        let display = (90..200)
            .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
            .expect("a free X display number");
        let x = spawn_group(
            Command::new("Xvfb")
                .arg(format!(":{display}"))
                .args(["-screen", "0", "1366x768x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let socket = format!("/tmp/.X11-unix/X{display}");
        wait_until(|| Path::new(&socket).exists(), "Xvfb's socket");
        println!("e2e screenshots: {}", shots.display());
        Rig {
            bed,
            shots,
            logs,
            home,
            display,
            _x: x,
        }
    })
}

/// A tauri-driver of one session's own (and the WebKitWebDriver and app it starts, all in its
/// process group): a session that failed halfway cannot block the next one.
fn driver(rig: &Rig, name: &str) -> (Group, u16) {
    let port = free_port();
    let native = free_port();
    let log = std::fs::File::create(rig.logs.join(format!("tauri-driver-{name}.log"))).unwrap();
    let home = &rig.home;
    let group = spawn_group(
        Command::new("tauri-driver")
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native.to_string()])
            .env("DISPLAY", format!(":{}", rig.display))
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("FIELDCHART_SNAPSHOTS", &rig.bed.snapshots)
            .env("FIELDCHART_AUDIT_LOG", rig.logs.join("audit.log"))
            .env(
                "FIELDCHART_DRILL_AUDIT_LOG",
                rig.logs.join("drill").join("audit.log"),
            )
            // No accessibility bus and no GPU under Xvfb.
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    );
    // tauri-driver listens before the WebKitWebDriver behind it does: wait for both.
    for p in [port, native] {
        wait_until(
            || std::net::TcpStream::connect(("127.0.0.1", p)).is_ok(),
            "tauri-driver and WebKitWebDriver",
        );
    }
    (group, port)
}

fn wait_until(mut ok: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < WAIT, "{what} did not come up in {WAIT:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One app window.
struct Window<'r> {
    c: Client,
    rig: &'r Rig,
    _driver: Group,
    name: &'static str,
    shot: u32,
}

impl<'r> Window<'r> {
    async fn open(rig: &'r Rig, name: &'static str) -> Window<'r> {
        let mut caps = serde_json::Map::new();
        // Exactly this: WebKitWebDriver fails to match capabilities when browserName is sent.
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": APP }),
        );
        let (driver, port) = driver(rig, name);
        let c = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session on the app");
        let w = Window {
            c,
            rig,
            _driver: driver,
            name,
            shot: 0,
        };
        w.find("#step-number").await;
        w
    }

    /// The element, once it is there.
    async fn find(&self, css: &str) -> Element {
        self.c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no {css}: {e}", self.name))
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Waits until the element's text contains `needle`.
    async fn text_contains(&self, css: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                if t.contains(needle) {
                    return t;
                }
                assert!(
                    start.elapsed() < WAIT,
                    "{}: {css} never said {needle:?}; it says {t:?}",
                    self.name
                );
            }
            assert!(start.elapsed() < WAIT, "{}: no {css}", self.name);
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.press(&e, css).await;
    }

    /// Clicks an element after scrolling it into view (WebKitWebDriver does not scroll a page's
    /// inner scrolling area for us).
    async fn press(&self, e: &Element, what: &str) {
        let arg = serde_json::to_value(e).unwrap();
        self.c
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await
            .unwrap();
        e.click()
            .await
            .unwrap_or_else(|err| panic!("{}: cannot click {what}: {err}", self.name));
    }

    /// The element inside `parent`.
    async fn inside(&self, parent: &Element, css: &str) -> Element {
        parent
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no {css} inside: {e}", self.name))
    }

    async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        if !text.is_empty() {
            e.send_keys(text).await.unwrap();
        }
    }

    async fn count(&self, css: &str) -> usize {
        self.c.find_all(Locator::Css(css)).await.unwrap().len()
    }

    async fn exists(&self, css: &str) -> bool {
        self.count(css).await > 0
    }

    /// The step number on screen.
    async fn step(&self) -> String {
        self.text("#step-number").await
    }

    async fn at_step(&self, n: u8) {
        self.text_contains("#step-number", &n.to_string()).await;
    }

    /// Saves a screenshot of the screen as `<session>-<n>-<what>.png`. Taken from the X display
    /// (imagemagick's `import`), as a person would see it: WebKitWebDriver's own screenshot waits
    /// for a rendering update that never comes on some screens under Xvfb.
    async fn shot(&mut self, what: &str) {
        self.shot += 1;
        // Let the last click's rendering land first.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let path = self
            .rig
            .shots
            .join(format!("{}-{:02}-{what}.png", self.name, self.shot));
        let status = Command::new("import")
            .args(["-display", &format!(":{}", self.rig.display)])
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .expect("imagemagick's import");
        assert!(status.success(), "{}: screenshot {what} failed", self.name);
    }

    /// Step 1 → 2 on the card of `snapshot`.
    async fn choose(&self, snapshot: &Path) {
        let css = format!(".snapshot-card[data-path=\"{}\"]", snapshot.display());
        let card = self.find(&css).await;
        let open = self.inside(&card, ".open-snapshot").await;
        self.press(&open, ".open-snapshot").await;
        self.at_step(2).await;
    }

    /// Steps 1–3 with the device key.
    async fn declared(&mut self, name: &str, profession: &str, auth: Option<&str>) {
        self.choose(&self.rig.bed.drill.clone()).await;
        self.click("#unlock-device-key").await;
        self.at_step(3).await;
        self.type_in("#viewer-name", name).await;
        self.find("#viewer-profession")
            .await
            .select_by_value(profession)
            .await
            .unwrap();
        self.type_in("#viewer-team", "DMAT-01").await;
        if let Some(code) = auth {
            self.type_in("#viewer-auth-code", code).await;
        }
        self.shot("declare").await;
        self.click("#declare").await;
        self.at_step(4).await;
    }

    /// Step 4: a search that shows `patient`'s row.
    async fn search(&self, query: &str, dob: &str, patient: (&str, &str)) -> Element {
        self.type_in("#search-query", query).await;
        self.type_in("#search-dob", dob).await;
        self.click("#search-button").await;
        self.find(&result_css(patient)).await
    }

    /// Confirms name and date of birth on `patient`'s row and opens it.
    async fn confirm_and_open(&self, patient: (&str, &str)) {
        let row = self.find(&result_css(patient)).await;
        for c in [".confirm-name", ".confirm-dob"] {
            row.find(Locator::Css(c))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        row.find(Locator::Css(".open-record"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn close(self) {
        let _ = self.c.close().await;
    }
}

fn result_css((facility, patient): (&str, &str)) -> String {
    format!(".result[data-facility=\"{facility}\"][data-patient=\"{patient}\"]")
}

async fn session<'r>(rig: &'r Rig, name: &'static str) -> Window<'r> {
    Window::open(rig, name).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_doctor_walks_the_manual_on_the_drill_snapshot() {
    let _turn = TURN.lock().await;
    let rig = rig();
    let mut w = session(rig, "manual").await;

    // 1. Start: both snapshots listed, the drill marked, the expired one said so.
    w.at_step(1).await;
    assert_eq!(w.count(".snapshot-card").await, 2);
    assert!(
        w.exists("#drill-banner").await,
        "訓練 / DRILL on the start screen"
    );
    w.shot("start").await;

    // 2. Unlock with the device key, found by itself.
    w.choose(&rig.bed.drill).await;
    w.shot("unlock").await;
    w.click("#unlock-device-key").await;

    // 3. Who is viewing.
    w.at_step(3).await;
    w.type_in("#viewer-name", "訓練 太郎").await;
    w.find("#viewer-profession")
        .await
        .select_by_value("doctor")
        .await
        .unwrap();
    w.type_in("#viewer-team", "DMAT-01").await;
    w.shot("declare").await;
    w.click("#declare").await;
    w.at_step(4).await;
    assert!(w.exists("#data-age").await);
    assert!(w.exists("#drill-banner").await);

    // 4. Find the patient: kana, romaji, then an era date of birth.
    let row = w.search("やまだ はなこ", "", PERSONA).await;
    assert!(row.text().await.unwrap().contains("山田"));
    w.shot("search-kana").await;
    let row = w.search("yamada hanako", "", PERSONA).await;
    assert!(row.text().await.unwrap().contains("山田"));
    w.shot("search-romaji").await;
    let row = w.search("", "S45.3.12", PERSONA).await;
    let text = row.text().await.unwrap();
    assert!(
        text.contains("1970-03-12") && text.contains("S45.3.12"),
        "both date forms: {text}"
    );
    w.shot("search-era-dob").await;
    let open = row.find(Locator::Css(".open-record")).await.unwrap();
    assert!(
        !open.is_enabled().await.unwrap(),
        "Open waits for two identifiers"
    );
    w.confirm_and_open(PERSONA).await;

    // 5. Summary first: the penicillin allergy and the anticoagulant in the red band.
    w.at_step(5).await;
    let band = w.text_contains("#critical-banner", "ペニシリン").await;
    assert!(
        band.contains("ワーファリン"),
        "the anticoagulant in the band: {band}"
    );
    w.find("#critical-banner .critical-flag[data-class=\"severe-drug-allergy\"]")
        .await;
    w.text_contains(
        "#critical-banner .critical-flag[data-class=\"anticoagulant\"]",
        "ワーファリン",
    )
    .await;
    w.text_contains("#summary-medicines", "ワーファリン").await;
    w.shot("summary").await;

    // 6. Details: the labs tab, as a table and a plot.
    w.click("#go-details").await;
    w.at_step(6).await;
    w.click("#tab-labs").await;
    w.find("#lab-chart").await;
    w.shot("labs-trend").await;

    // 7. Print preview: one A4 page with the critical band.
    w.click("#go-print").await;
    w.at_step(7).await;
    w.text_contains("#print-page", "ワーファリン").await;
    w.shot("print-preview").await;
    // Print: the desk audits it, then the window opens the system print dialog (modal, so the
    // click is queued in the page rather than made through the driver, which would wait on it).
    w.c.execute(
        "setTimeout(() => document.querySelector('#print-button').click(), 50);",
        vec![],
    )
    .await
    .unwrap();
    w.text_contains("#print-page", "印刷: ").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    w.shot("print-dialog").await;
    let closed = Command::new("xdotool")
        .env("DISPLAY", format!(":{}", rig.display))
        .args(["key", "Escape"])
        .status()
        .expect("xdotool");
    assert!(closed.success());
    w.click("#print-close").await;

    // 8. Lock, resume quickly, then end with the drill report.
    w.click("#lock-button").await;
    w.find("#lock-screen").await;
    assert!(
        !w.exists("#critical-banner").await,
        "nothing of the patient stays on a locked screen"
    );
    w.shot("locked").await;
    w.click("#resume").await;
    w.at_step(4).await;
    w.click("#end-button").await;
    w.find("#end-screen").await;
    w.text_contains("#drill-report", "4").await;
    w.shot("drill-report").await;
    let reports: Vec<PathBuf> = std::fs::read_dir(rig.logs.join("drill"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("drill-report-"))
        .collect();
    assert!(!reports.is_empty(), "the drill report is saved");
    w.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clerk_is_refused_the_medicines() {
    let _turn = TURN.lock().await;
    let rig = rig();
    let mut w = session(rig, "clerk").await;
    w.declared("受付 花子", "clerk", Some(CLERK_CODE)).await;
    w.search("やまだ はなこ", "", PERSONA).await;
    w.confirm_and_open(PERSONA).await;
    w.at_step(5).await;
    w.find(".withheld[data-area=\"medications\"]").await;
    assert!(
        !w.text("#summary-medicines").await.contains("ワーファリン"),
        "no medicine is shown to a clerk"
    );
    w.shot("clerk-withheld").await;
    w.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_passphrase_gets_its_message() {
    let _turn = TURN.lock().await;
    let rig = rig();
    let mut w = session(rig, "passphrase").await;
    w.choose(&rig.bed.drill).await;
    w.type_in("#passphrase", "not-the-passphrase").await;
    w.click("#unlock-passphrase").await;
    let said = w.text_contains("#error", "パスフレーズ").await;
    assert!(w.step().await.contains('2'), "still at unlock: {said}");
    w.shot("wrong-passphrase").await;
    w.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_snapshot_gets_its_message() {
    let _turn = TURN.lock().await;
    let rig = rig();
    let mut w = session(rig, "expired").await;
    w.choose(&rig.bed.expired).await;
    w.click("#unlock-device-key").await;
    w.text_contains("#error", "期限").await;
    w.shot("expired").await;
    w.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn break_glass_shows_its_banner() {
    let _turn = TURN.lock().await;
    let rig = rig();
    let mut w = session(rig, "break-glass").await;
    w.declared("訓練 太郎", "doctor", None).await;
    w.search("やまだ はなこ", "", PERSONA_REFUSED).await;
    w.confirm_and_open(PERSONA_REFUSED).await;
    // She refused at this hospital: only break-glass opens it.
    w.click("#break-glass-open").await;
    w.type_in("#break-glass-input", "意識障害で搬送、服薬確認が必要")
        .await;
    w.click("#break-glass-confirm").await;
    w.text_contains("#break-glass-banner", "意識障害").await;
    w.shot("break-glass").await;
    w.close().await;
}
