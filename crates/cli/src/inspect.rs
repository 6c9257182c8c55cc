//! `fieldchart inspect`: one file, shown whole: encoding, segments, mapped record, diagnostics.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use fieldchart_reader::document::{DocumentInput, map_document};
use fieldchart_reader::read::{read_document_file, read_message_bytes};
use fieldchart_storage::{DataType, Severity, parse_content_folder_name, parse_file_name};
use serde_json::{Value, json};

/// Show one SS-MIX2 file: the encoding used, the segments, the mapped record and the diagnostics.
///
/// FILE is a standardized-storage file, or an extended-storage content folder (or a file in one).
/// The data type comes from the file name, else from the folder above it. FILE must be a regular
/// file of at most 64 MiB, or a folder; a named pipe or a device is refused.
#[derive(clap::Args)]
pub struct Args {
    /// The file (or content folder) to show.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print one JSON object instead of the readable text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = args.file.as_path();
    if !path.is_dir() {
        crate::input::check_regular(path, "this file")?;
    }
    let content_folder = content_folder_of(path);
    let view = match content_folder {
        Some(folder) => inspect_document(&folder)?,
        None => inspect_message(path)?,
    };
    let mut out = crate::out::stdout();
    if args.json {
        crate::out::json(&mut out, &view)?;
    } else {
        out.write_all(render(&view).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The content folder when `path` is one or lies in one (its name parses as a content-folder name).
fn content_folder_of(path: &Path) -> Option<PathBuf> {
    let is_folder_name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| parse_content_folder_name(n).is_ok())
    };
    if path.is_dir() {
        return is_folder_name(path).then(|| path.to_path_buf());
    }
    path.ancestors()
        .skip(1)
        .take(3)
        .find(|p| is_folder_name(p))
        .map(Path::to_path_buf)
}

fn inspect_message(path: &Path) -> anyhow::Result<Value> {
    let bytes = fieldchart_vault::input::read_bounded(path, crate::input::MAX_INSPECT_BYTES)
        .context("cannot inspect this file")?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = parse_file_name(file_name);
    let folder_type = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| DataType::new(n).ok());
    let data_type = folder_type
        .clone()
        .or_else(|| name.as_ref().ok().map(|n| n.data_type.clone()))
        .unwrap_or_else(|| DataType::new("unknown").expect("a plain word is a valid data type"));
    let read = read_message_bytes(&bytes, &data_type);
    let mut diagnostics: Vec<Value> = read
        .issues
        .iter()
        .map(|(severity, code, reason)| json!({"severity": severity_word(*severity), "code": code, "reason": reason}))
        .collect();
    if let Err(e) = &name {
        diagnostics
            .push(json!({"severity": "warning", "code": "bad_name", "reason": e.to_string()}));
    }
    let (message_type, segments, items, patient_id) = match &read.message {
        Some((message, mapped)) => (
            Some(message.message_type().to_string()),
            message
                .segments()
                .map(|s| {
                    let fields: serde_json::Map<String, Value> = s
                        .fields()
                        .filter(|(_, f)| !f.is_empty())
                        .map(|(n, f)| (format!("{}-{n}", s.id()), Value::from(f.raw())))
                        .collect();
                    json!({"id": s.id(), "line": s.line(), "fields": fields})
                })
                .collect::<Vec<_>>(),
            serde_json::to_value(&mapped.items)?,
            mapped.patient_id.clone(),
        ),
        None => (None, Vec::new(), Value::Array(Vec::new()), None),
    };
    if let (Ok(name), Some(pid)) = (&name, &patient_id)
        && name.patient_id.as_str() != pid
    {
        diagnostics.push(json!({
            "severity": "warning",
            "code": "patient_id_mismatch",
            "reason": if fieldchart_reader::map::is_code_like(pid) {
                format!("PID-3 is {pid} but the file name says {}", name.patient_id)
            } else {
                format!("PID-3 is not an ID; the file name says {}", name.patient_id)
            },
        }));
    }
    Ok(json!({
        "file": path.display().to_string(),
        "encoding": read.encoding.label(),
        "name": name.ok(),
        "data_type": data_type.as_str(),
        "message_type": message_type,
        "segments": segments,
        "items": items,
        "diagnostics": diagnostics,
    }))
}

fn inspect_document(folder: &Path) -> anyhow::Result<Value> {
    let folder_name = folder.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = parse_content_folder_name(folder_name).ok();
    let data_type = folder
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    collect_files(folder, folder, &mut files, &mut skipped)?;
    files.sort();
    skipped.sort();
    let contents: Vec<(String, (Vec<u8>, u64))> = files
        .iter()
        .map(|rel| Ok((rel.clone(), read_document_file(&folder.join(rel), rel)?)))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read the files of {}", folder.display()))?;
    let inputs: Vec<DocumentInput<'_>> = contents
        .iter()
        .map(|(rel, (bytes, size))| DocumentInput {
            name: rel,
            path: rel,
            bytes,
            size: *size,
        })
        .collect();
    let mapped = map_document(&data_type, &inputs);
    let mut diagnostics: Vec<Value> = mapped
        .issues
        .iter()
        .map(|i| json!({"severity": "warning", "code": format!("{:?}", i.code), "reason": i.message}))
        .collect();
    // Nothing in the folder goes unmentioned: what was not read says why.
    diagnostics.extend(skipped.iter().map(|(rel, reason)| {
        json!({"severity": "warning", "code": "not_read", "reason": format!("{rel}: {reason}")})
    }));
    Ok(json!({
        "file": folder.display().to_string(),
        "encoding": mapped.encoding.map(|e| e.label()),
        "name": name,
        "data_type": data_type,
        "message_type": null,
        "segments": [],
        "items": serde_json::to_value(&mapped.items)?,
        "diagnostics": diagnostics,
    }))
}

/// The regular files of a content folder (root-relative), and what else is there with why it was
/// not read (a named pipe, a link, a file over the size `inspect` reads).
fn collect_files(
    base: &Path,
    dir: &Path,
    out: &mut Vec<String>,
    skipped: &mut Vec<(String, String)>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        let rel = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if kind.is_dir() {
            collect_files(base, &path, out, skipped)?;
        } else if !kind.is_file() {
            skipped.push((rel, "not a regular file, not read".into()));
        } else if entry.metadata()?.len() > crate::input::MAX_INSPECT_BYTES {
            skipped.push((rel, "larger than the 64 MiB inspect reads, not read".into()));
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Readable text: header, segments, items as an indented tree, diagnostics.
fn render(view: &Value) -> String {
    let mut out = String::new();
    let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
    let _ = writeln!(out, "file:       {}", s(&view["file"]));
    let _ = writeln!(out, "encoding:   {}", s(&view["encoding"]));
    let _ = writeln!(out, "data type:  {}", s(&view["data_type"]));
    if let Some(name) = view["name"].as_object() {
        let parts: Vec<String> = name
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                format!(
                    "{k} {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            })
            .collect();
        let _ = writeln!(out, "name:       {}", parts.join(", "));
    }
    if !view["message_type"].is_null() {
        let _ = writeln!(out, "message:    {}", s(&view["message_type"]));
    }
    if let Some(segments) = view["segments"].as_array().filter(|a| !a.is_empty()) {
        let _ = writeln!(out, "\nsegments:");
        for seg in segments {
            let _ = writeln!(out, "  {} (line {})", s(&seg["id"]), seg["line"]);
            if let Some(fields) = seg["fields"].as_object() {
                for (k, v) in fields {
                    let _ = writeln!(out, "    {k:<8} {}", s(v));
                }
            }
        }
    }
    let _ = writeln!(out, "\nrecord:");
    match view["items"].as_array() {
        Some(items) if !items.is_empty() => {
            for item in items {
                tree(&mut out, item, 1);
            }
        }
        _ => {
            let _ = writeln!(out, "  (nothing could be mapped)");
        }
    }
    let _ = writeln!(out, "\ndiagnostics:");
    match view["diagnostics"].as_array() {
        Some(ds) if !ds.is_empty() => {
            for d in ds {
                let _ = writeln!(
                    out,
                    "  {} {}: {}",
                    s(&d["severity"]),
                    s(&d["code"]),
                    s(&d["reason"])
                );
            }
        }
        _ => {
            let _ = writeln!(out, "  none");
        }
    }
    out
}

/// Prints a JSON value as an indented tree, leaving out empty values; timestamps show as ISO text
/// (or as written when unreadable) and coded values as `text [code system]`.
fn tree(out: &mut String, value: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            if let Some(kind) = map.get("type").and_then(Value::as_str) {
                let _ = writeln!(out, "{pad}{kind}");
            }
            for (k, v) in map {
                if k == "type" || is_empty(v) {
                    continue;
                }
                match leaf(v) {
                    Some(text) => {
                        let _ = writeln!(out, "{pad}  {k}: {text}");
                    }
                    None => {
                        let _ = writeln!(out, "{pad}  {k}:");
                        match v {
                            Value::Array(items) => {
                                for item in items {
                                    match leaf(item) {
                                        Some(text) => {
                                            let _ = writeln!(out, "{pad}    - {text}");
                                        }
                                        None => tree(out, item, depth + 2),
                                    }
                                }
                            }
                            _ => tree(out, v, depth + 1),
                        }
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", leaf(other).unwrap_or_default());
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_empty),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A one-line rendering for scalars, timestamps, coded values and names; None for other objects.
fn leaf(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) if o.contains_key("raw") && o.contains_key("precision") => {
            let raw = o["raw"].as_str().unwrap_or("");
            Some(match o.get("start").and_then(Value::as_str) {
                Some(start) => format!("{start} (written {raw})"),
                None => format!("{raw} (not a date)"),
            })
        }
        Value::Object(o) if o.contains_key("code") && o.contains_key("system") => {
            let get = |k: &str| o.get(k).and_then(Value::as_str);
            let mut text = get("text")
                .or(get("alt_text"))
                .or(get("code"))
                .unwrap_or("")
                .to_string();
            let codes: Vec<String> = [("code", "system"), ("alt_code", "alt_system")]
                .iter()
                .filter_map(|(c, s)| Some(format!("{} {}", get(c)?, get(s).unwrap_or(""))))
                .collect();
            if !codes.is_empty() {
                let _ = write!(text, " [{}]", codes.join("; ").trim());
            }
            Some(text)
        }
        Value::Object(o) if o.contains_key("full") && o.contains_key("representation") => {
            let full = o["full"].as_str().unwrap_or("");
            Some(match o.get("representation").and_then(Value::as_str) {
                Some(r) => format!("{full} ({r})"),
                None => full.to_string(),
            })
        }
        _ => None,
    }
}
