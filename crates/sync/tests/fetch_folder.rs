//! Syncing from a folder (a file share or a USB stick): the repository's files read, resumed and
//! checked exactly as over HTTP, with no server involved.

mod common;

use std::fs;

use common::{Hub, bytes_of, download, verified_targets};
use fieldchart_failure::Failure;
use fieldchart_sync::fetch::{Downloaded, FetchError, RepoSource};

#[test]
fn a_published_chain_downloads_from_a_folder_and_verifies() {
    let mut hub = Hub::new();
    hub.add(100_000);
    hub.add(5_000);
    hub.publish();
    let source = RepoSource::folder(hub.repo());
    let targets = verified_targets(&source, &hub, None);
    assert_eq!(targets.files.len(), 2);
    for (i, file) in targets.files.iter().enumerate() {
        let partial = hub.laptop().join(format!(".{i}.partial"));
        let mut last = (0, 0);
        let got = source
            .download(
                &file.path(),
                file.length,
                &file.sha256,
                &partial,
                &mut |d, t| last = (d, t),
            )
            .expect("downloads");
        assert_eq!(
            got,
            Downloaded {
                resumed_from: 0,
                transferred: file.length
            }
        );
        assert_eq!(last, (file.length, file.length));
        assert_eq!(fs::read(&partial).expect("partial"), bytes_of(&hub, file));
        let outline = fieldchart_vault::check_outline(&partial, &[hub.trusted], common::now())
            .expect("a vault file of this hub");
        assert_eq!(outline.digest, file.digest);
    }
}

#[test]
fn a_partial_file_resumes_and_only_the_rest_is_read() {
    let mut hub = Hub::new();
    hub.add(300_000);
    hub.publish();
    let source = RepoSource::folder(hub.repo());
    let file = verified_targets(&source, &hub, None).files.remove(0);
    let bytes = bytes_of(&hub, &file);
    let partial = hub.laptop().join(".base.partial");
    fs::write(&partial, &bytes[..123_456]).expect("partial");
    let got = download(&source, &file, &partial).expect("resumes");
    assert_eq!(got.resumed_from, 123_456);
    assert_eq!(got.transferred, file.length - 123_456);
    assert_eq!(fs::read(&partial).expect("whole"), bytes);
    // A complete partial is only checked: nothing is read from the source.
    fs::remove_file(hub.repo().join(file.path())).expect("gone from the stick");
    let again = download(&source, &file, &partial).expect("already complete");
    assert_eq!(again.transferred, 0);
}

#[test]
fn a_truncated_file_on_the_stick_keeps_what_was_read_and_resumes_once_it_is_whole() {
    let mut hub = Hub::new();
    hub.add(200_000);
    hub.publish();
    let source = RepoSource::folder(hub.repo());
    let file = verified_targets(&source, &hub, None).files.remove(0);
    let bytes = bytes_of(&hub, &file);
    let on_stick = hub.repo().join(file.path());
    fs::write(&on_stick, &bytes[..90_000]).expect("an interrupted copy onto the stick");
    let partial = hub.laptop().join(".base.partial");
    let err = download(&source, &file, &partial).expect_err("truncated");
    assert!(
        matches!(err, FetchError::Incomplete { found: 90_000, .. }),
        "{err}"
    );
    assert_eq!(err.failure(), Failure::Truncated);
    assert_eq!(fs::metadata(&partial).expect("kept").len(), 90_000);

    fs::write(&on_stick, &bytes).expect("copied again");
    let got = download(&source, &file, &partial).expect("resumes");
    assert_eq!(
        (got.resumed_from, got.transferred),
        (90_000, file.length - 90_000)
    );
}

#[test]
fn an_altered_file_is_refused_and_its_download_deleted() {
    let mut hub = Hub::new();
    hub.add(50_000);
    hub.publish();
    let source = RepoSource::folder(hub.repo());
    let file = verified_targets(&source, &hub, None).files.remove(0);
    let on_stick = hub.repo().join(file.path());
    let mut bytes = bytes_of(&hub, &file);
    bytes[30_000] ^= 0x01;
    fs::write(&on_stick, &bytes).expect("flip a byte");
    let partial = hub.laptop().join(".base.partial");
    let err = download(&source, &file, &partial).expect_err("flipped byte");
    assert_eq!(err.failure(), Failure::Tampered, "{err}");
    assert!(!partial.exists(), "a mismatch deletes the partial");

    bytes.push(0);
    fs::write(&on_stick, &bytes).expect("one byte more");
    let err = download(&source, &file, &partial).expect_err("longer");
    assert!(err.to_string().contains("more than"), "{err}");
}

#[test]
fn missing_and_oversized_metadata_are_named() {
    let hub = Hub::new();
    fs::create_dir_all(hub.repo()).expect("empty repo");
    let source = RepoSource::folder(hub.repo());
    let err = source
        .get_metadata("timestamp.json", 1000)
        .expect_err("missing");
    assert!(matches!(err, FetchError::Missing { .. }), "{err}");
    fs::write(hub.repo().join("timestamp.json"), vec![b' '; 1001]).expect("big");
    let err = source
        .get_metadata("timestamp.json", 1000)
        .expect_err("too large");
    assert_eq!(err.failure(), Failure::Tampered, "{err}");
    let err = source
        .get_metadata("../hub.sign", 1000)
        .expect_err("outside");
    assert_eq!(err.failure(), Failure::Usage, "{err}");
}
