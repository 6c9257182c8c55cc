//! FieldChart's desktop window. One Tauri command per [`fieldchart_desk::Desk`] method, and
//! nothing else: every decision (policy, consent, audit, what is critical) is made by the core
//! crates, and the front end in `ui/` renders what these commands return (docs/app.md).
//!
//! Commands are `async` so that a slow one (an emergency passphrase takes seconds of scrypt) runs
//! off the window's thread; they take the one `Desk` in turn.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::Mutex;

use fieldchart_desk::contract::{ErrorKind, Identifier, Method, Step};
use fieldchart_desk::screens::{
    Banner, Blob, DeclareScreen, EndScreen, LockScreen, PrintScreen, RecordScreen, Results,
    SearchScreen, StartScreen,
};
use fieldchart_desk::sync::{SyncProgress, SyncScreen, SyncWatch};
use fieldchart_desk::{AppError, Config, Desk};
use tauri::State;

type Shared = Mutex<Desk>;

fn with<T>(desk: &Shared, f: impl FnOnce(&mut Desk) -> Result<T, AppError>) -> Result<T, AppError> {
    // A panic inside a command poisons the lock; the desk's state is still consistent (every
    // transition replaces it whole), so the next command goes on rather than leaving a dead window.
    let mut desk = desk.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    f(&mut desk)
}

#[tauri::command]
async fn start(desk: State<'_, Shared>) -> Result<StartScreen, AppError> {
    with(&desk, |d| d.start())
}

#[tauri::command]
async fn unlock(
    desk: State<'_, Shared>,
    path: String,
    method: Method,
    passphrase: Option<String>,
    pin: Option<String>,
    break_glass: Option<String>,
) -> Result<DeclareScreen, AppError> {
    match method {
        Method::DeviceKey => with(&desk, |d| d.unlock_device_key(&path, pin, break_glass)),
        Method::Passphrase => with(&desk, |d| {
            d.unlock(&path, Some(passphrase.unwrap_or_default()), break_glass)
        }),
    }
}

#[tauri::command]
async fn declare(
    desk: State<'_, Shared>,
    name: String,
    profession: String,
    team: String,
    event: Option<String>,
    auth_code: Option<String>,
) -> Result<SearchScreen, AppError> {
    with(&desk, |d| {
        d.declare(
            &name,
            &profession,
            &team,
            event.as_deref().unwrap_or(""),
            auth_code,
        )
    })
}

#[tauri::command]
async fn search(
    desk: State<'_, Shared>,
    query: String,
    dob: Option<String>,
    sex: Option<String>,
    address: Option<String>,
) -> Result<Results, AppError> {
    with(&desk, |d| {
        d.search(&query, dob.as_deref(), sex.as_deref(), address.as_deref())
    })
}

#[tauri::command]
async fn open_record(
    desk: State<'_, Shared>,
    facility: String,
    patient_id: String,
    confirmed: Vec<Identifier>,
    basis: Option<String>,
) -> Result<RecordScreen, AppError> {
    with(&desk, |d| {
        d.open_record(&facility, &patient_id, &confirmed, basis.as_deref())
    })
}

#[tauri::command]
async fn break_glass(desk: State<'_, Shared>, reason: String) -> Result<Banner, AppError> {
    with(&desk, |d| d.break_glass(&reason))
}

#[tauri::command]
async fn document(desk: State<'_, Shared>, blob: i64) -> Result<Blob, AppError> {
    with(&desk, |d| d.document(blob))
}

#[tauri::command]
async fn mark_step(desk: State<'_, Shared>, step: Step) -> Result<(), AppError> {
    with(&desk, |d| d.mark_step(step))
}

#[tauri::command]
async fn print_summary(desk: State<'_, Shared>) -> Result<PrintScreen, AppError> {
    with(&desk, |d| d.print_summary())
}

/// Opens the system print dialog for the page on screen (the A4 summary `print_summary` audited
/// and the front end laid out). WebKitGTK ignores the page's own `window.print()`.
#[tauri::command]
async fn print_page(webview: tauri::Webview) -> Result<(), AppError> {
    webview
        .print()
        .map_err(|e| AppError::desk(ErrorKind::Io, format!("the print dialog did not open: {e}")))
}

#[tauri::command]
async fn activity(desk: State<'_, Shared>) -> Result<(), AppError> {
    with(&desk, |d| d.activity())
}

#[tauri::command]
async fn lock(desk: State<'_, Shared>) -> Result<LockScreen, AppError> {
    with(&desk, |d| d.lock())
}

#[tauri::command]
async fn resume(
    desk: State<'_, Shared>,
    passphrase: Option<String>,
    pin: Option<String>,
) -> Result<SearchScreen, AppError> {
    // The lock screen asks for one of them: the passphrase, or the device key's PIN.
    with(&desk, |d| d.resume(passphrase.or(pin)))
}

#[tauri::command]
async fn close_record(desk: State<'_, Shared>) -> Result<(), AppError> {
    with(&desk, |d| d.close_record())
}

#[tauri::command]
async fn end(desk: State<'_, Shared>) -> Result<EndScreen, AppError> {
    with(&desk, |d| d.end())
}

#[tauri::command]
async fn set_language(desk: State<'_, Shared>, lang: String) -> Result<(), AppError> {
    with(&desk, |d| d.set_language(&lang))
}

/// "Sync now" on the start screen; it holds the desk until the sync ends.
#[tauri::command]
async fn sync_now(desk: State<'_, Shared>, pin: Option<String>) -> Result<SyncScreen, AppError> {
    with(&desk, |d| d.sync_now(pin))
}

/// Where the running sync is: read beside the desk's lock, which the sync holds meanwhile.
#[tauri::command]
async fn sync_progress(watch: State<'_, SyncWatch>) -> Result<SyncProgress, AppError> {
    Ok(watch.get())
}

fn main() {
    let desk = Desk::new(Config::from_env());
    let watch = desk.sync_watch();
    let desk: Shared = Mutex::new(desk);
    let app = tauri::Builder::default()
        .manage(desk)
        .manage(watch)
        .invoke_handler(tauri::generate_handler![
            start,
            unlock,
            declare,
            search,
            open_record,
            break_glass,
            document,
            mark_step,
            print_summary,
            print_page,
            activity,
            lock,
            resume,
            close_record,
            end,
            set_language,
            sync_now,
            sync_progress
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            // Closing the window ends the viewing: the lock is audited and the decrypted state
            // is dropped before the process goes.
            if let tauri::RunEvent::Exit = event
                && let Some(desk) = tauri::Manager::try_state::<Shared>(handle)
            {
                let _ = with(&desk, |d| d.end());
            }
        }),
        Err(e) => {
            eprintln!("fieldchart-app: the window could not start: {e}");
            std::process::exit(1);
        }
    }
}
