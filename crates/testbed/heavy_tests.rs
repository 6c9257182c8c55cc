//! The build script of every crate with heavy test suites (the window under Xvfb, the real rsyslogd
//! collector, tests that build regions and snapshots of hundreds of patients): it turns
//! `FIELDCHART_HEAVY_TESTS=1` at build time into the `heavy_tests` cfg. Those tests carry
//! `#[cfg_attr(not(heavy_tests), ignore = "heavy: …")]`, so a plain `cargo test` lists them as
//! ignored and stays fast; `scripts/test.sh` and `.ci/run` set the variable and run everything.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(heavy_tests)");
    println!("cargo::rerun-if-env-changed=FIELDCHART_HEAVY_TESTS");
    if std::env::var_os("FIELDCHART_HEAVY_TESTS").is_some_and(|v| v == "1") {
        println!("cargo::rustc-cfg=heavy_tests");
    }
}
