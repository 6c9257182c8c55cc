//! Tauri's build step, with a permission per app command: the window's capability
//! (capabilities/main.json) allows exactly these and nothing of Tauri's core or plugins.

const COMMANDS: &[&str] = &[
    "start",
    "unlock",
    "declare",
    "search",
    "open_record",
    "break_glass",
    "document",
    "mark_step",
    "print_summary",
    "print_page",
    "activity",
    "lock",
    "resume",
    "close_record",
    "end",
    "set_language",
    "sync_now",
    "sync_progress",
];

fn main() {
    // The window's end-to-end test is a heavy suite: it runs when FIELDCHART_HEAVY_TESTS=1 was set
    // at build time (the same rule as crates/testbed/heavy_tests.rs, the other crates' build script).
    println!("cargo::rustc-check-cfg=cfg(heavy_tests)");
    println!("cargo::rerun-if-env-changed=FIELDCHART_HEAVY_TESTS");
    if std::env::var_os("FIELDCHART_HEAVY_TESTS").is_some_and(|v| v == "1") {
        println!("cargo::rustc-cfg=heavy_tests");
    }
    // The front end is embedded at compile time: a rebuilt ui/dist must rebuild the app.
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build step");
}
