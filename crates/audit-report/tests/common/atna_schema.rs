//! A small validator for the DICOM Audit Message Schema (PS3.15 A.5.1.1, RELAX NG compact), written
//! from the schema text: element order and cardinality, required attributes, enumerated values,
//! `xsd:dateTime`, `xsd:boolean` and `xsd:base64Binary`. It checks what FieldChart's messages can
//! contain; it is not a general RELAX NG engine (no interleave, no `ParticipantObjectDescription`
//! content).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node};

/// Parses `xml` (an `<AuditMessages>` document) and checks every `<AuditMessage>` in it.
/// Returns the messages' nodes' count, or the first violation with its position.
pub fn check_document(xml: &str) -> Result<usize, String> {
    let doc = Document::parse(xml).map_err(|e| format!("not well-formed: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "AuditMessages" {
        return Err(format!("root is <{}>", root.tag_name().name()));
    }
    let mut count = 0;
    for (i, message) in elements(root)?.into_iter().enumerate() {
        check_message(message).map_err(|e| format!("AuditMessage[{i}]: {e}"))?;
        count += 1;
    }
    Ok(count)
}

pub fn check_message(m: Node<'_, '_>) -> Result<(), String> {
    expect_name(m, "AuditMessage")?;
    attributes(m, &[], &[])?;
    let children = elements(m)?;
    let mut rest = children.as_slice();
    let event = take_one(&mut rest, "EventIdentification")?;
    check_event(event).map_err(|e| format!("EventIdentification: {e}"))?;
    let participants = take_many(&mut rest, "ActiveParticipant");
    if participants.is_empty() {
        return Err("no ActiveParticipant".into());
    }
    for (i, p) in participants.into_iter().enumerate() {
        check_participant(p).map_err(|e| format!("ActiveParticipant[{i}]: {e}"))?;
    }
    let source = take_one(&mut rest, "AuditSourceIdentification")?;
    check_source(source).map_err(|e| format!("AuditSourceIdentification: {e}"))?;
    for (i, o) in take_many(&mut rest, "ParticipantObjectIdentification")
        .into_iter()
        .enumerate()
    {
        check_object(o).map_err(|e| format!("ParticipantObjectIdentification[{i}]: {e}"))?;
    }
    if let Some(extra) = rest.first() {
        return Err(format!("unexpected <{}>", extra.tag_name().name()));
    }
    Ok(())
}

fn check_event(e: Node<'_, '_>) -> Result<(), String> {
    attributes(
        e,
        &["EventDateTime", "EventOutcomeIndicator"],
        &["EventActionCode"],
    )?;
    if let Some(action) = e.attribute("EventActionCode") {
        one_of(action, &["C", "R", "U", "D", "E"], "EventActionCode")?;
    }
    let when = e.attribute("EventDateTime").unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(when)
        .map_err(|err| format!("EventDateTime {when:?} is not an xsd:dateTime: {err}"))?;
    one_of(
        e.attribute("EventOutcomeIndicator").unwrap_or_default(),
        &["0", "4", "8", "12"],
        "EventOutcomeIndicator",
    )?;
    let children = elements(e)?;
    let mut rest = children.as_slice();
    coded(take_one(&mut rest, "EventID")?)?;
    for t in take_many(&mut rest, "EventTypeCode") {
        coded(t)?;
    }
    if let Some(d) = take_optional(&mut rest, "EventOutcomeDescription") {
        text_only(d)?;
    }
    no_more(rest)
}

fn check_participant(p: Node<'_, '_>) -> Result<(), String> {
    attributes(
        p,
        &["UserID", "UserIsRequestor"],
        &[
            "AlternativeUserID",
            "UserName",
            "NetworkAccessPointID",
            "NetworkAccessPointTypeCode",
        ],
    )?;
    boolean(p.attribute("UserIsRequestor").unwrap_or_default())?;
    if let Some(t) = p.attribute("NetworkAccessPointTypeCode") {
        one_of(t, &["1", "2", "3", "4", "5"], "NetworkAccessPointTypeCode")?;
    }
    let children = elements(p)?;
    let mut rest = children.as_slice();
    for role in take_many(&mut rest, "RoleIDCode") {
        coded(role)?;
    }
    if let Some(media) = take_optional(&mut rest, "MediaIdentifier") {
        attributes(media, &[], &[])?;
        let inner = elements(media)?;
        let mut inner_rest = inner.as_slice();
        coded(take_one(&mut inner_rest, "MediaType")?)?;
        no_more(inner_rest)?;
    }
    no_more(rest)
}

fn check_source(s: Node<'_, '_>) -> Result<(), String> {
    attributes(s, &["AuditSourceID"], &["AuditEnterpriseSiteID"])?;
    let children = elements(s)?;
    let mut rest = children.as_slice();
    for t in take_many(&mut rest, "AuditSourceTypeCode") {
        // A bare digit 1-9, or any code with the other csd attributes saying what it means.
        if t.attribute("codeSystemName").is_some() {
            coded(t)?;
        } else {
            attributes(t, &["csd-code"], &[])?;
            one_of(
                t.attribute("csd-code").unwrap_or_default(),
                &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
                "AuditSourceTypeCode",
            )?;
        }
    }
    no_more(rest)
}

fn check_object(o: Node<'_, '_>) -> Result<(), String> {
    attributes(
        o,
        &["ParticipantObjectID"],
        &[
            "ParticipantObjectTypeCode",
            "ParticipantObjectTypeCodeRole",
            "ParticipantObjectDataLifeCycle",
            "ParticipantObjectSensitivity",
        ],
    )?;
    if let Some(t) = o.attribute("ParticipantObjectTypeCode") {
        in_range(t, 1, 4, "ParticipantObjectTypeCode")?;
    }
    if let Some(r) = o.attribute("ParticipantObjectTypeCodeRole") {
        in_range(r, 1, 26, "ParticipantObjectTypeCodeRole")?;
    }
    if let Some(l) = o.attribute("ParticipantObjectDataLifeCycle") {
        in_range(l, 1, 15, "ParticipantObjectDataLifeCycle")?;
    }
    let children = elements(o)?;
    let mut rest = children.as_slice();
    coded(take_one(&mut rest, "ParticipantObjectIDTypeCode")?)?;
    match (
        take_optional(&mut rest, "ParticipantObjectName"),
        take_optional(&mut rest, "ParticipantObjectQuery"),
    ) {
        (Some(name), None) => text_only(name)?,
        (None, Some(query)) => {
            text_only(query)?;
            base64(query.text().unwrap_or_default())?;
        }
        _ => {
            return Err(
                "needs exactly one of ParticipantObjectName, ParticipantObjectQuery".into(),
            );
        }
    }
    for detail in take_many(&mut rest, "ParticipantObjectDetail") {
        attributes(detail, &["type", "value"], &[])?;
        base64(detail.attribute("value").unwrap_or_default())?;
        no_more(&elements(detail)?)?;
    }
    no_more(rest)
}

/// `CodedValueType`: csd-code, codeSystemName and originalText required, displayName optional.
fn coded(c: Node<'_, '_>) -> Result<(), String> {
    attributes(
        c,
        &["csd-code", "codeSystemName", "originalText"],
        &["displayName"],
    )
    .map_err(|e| format!("<{}>: {e}", c.tag_name().name()))?;
    no_more(&elements(c)?)
}

fn expect_name(n: Node<'_, '_>, name: &str) -> Result<(), String> {
    if n.tag_name().name() == name && n.tag_name().namespace().is_none() {
        Ok(())
    } else {
        Err(format!(
            "expected <{name}>, found <{}>",
            n.tag_name().name()
        ))
    }
}

/// Element children; text between them must be whitespace (element-only content).
fn elements<'a, 'i>(n: Node<'a, 'i>) -> Result<Vec<Node<'a, 'i>>, String> {
    let mut out = Vec::new();
    for child in n.children() {
        if child.is_element() {
            out.push(child);
        } else if child.is_text() && !child.text().unwrap_or_default().trim().is_empty() {
            return Err(format!("text inside <{}>", n.tag_name().name()));
        }
    }
    Ok(out)
}

fn text_only(n: Node<'_, '_>) -> Result<(), String> {
    attributes(n, &[], &[])?;
    if n.children().any(|c| c.is_element()) {
        return Err(format!("<{}> must hold text only", n.tag_name().name()));
    }
    Ok(())
}

fn attributes(n: Node<'_, '_>, required: &[&str], optional: &[&str]) -> Result<(), String> {
    for name in required {
        if n.attribute(*name).is_none() {
            return Err(format!("<{}> lacks {name}", n.tag_name().name()));
        }
    }
    for a in n.attributes() {
        if !required.contains(&a.name()) && !optional.contains(&a.name()) {
            return Err(format!(
                "<{}> has unknown attribute {}",
                n.tag_name().name(),
                a.name()
            ));
        }
    }
    Ok(())
}

fn take_one<'a, 'i>(rest: &mut &[Node<'a, 'i>], name: &str) -> Result<Node<'a, 'i>, String> {
    take_optional(rest, name).ok_or_else(|| match rest.first() {
        Some(n) => format!("expected <{name}>, found <{}>", n.tag_name().name()),
        None => format!("missing <{name}>"),
    })
}

fn take_optional<'a, 'i>(rest: &mut &[Node<'a, 'i>], name: &str) -> Option<Node<'a, 'i>> {
    match rest.split_first() {
        Some((first, tail)) if first.tag_name().name() == name => {
            *rest = tail;
            Some(*first)
        }
        _ => None,
    }
}

fn take_many<'a, 'i>(rest: &mut &[Node<'a, 'i>], name: &str) -> Vec<Node<'a, 'i>> {
    let mut out = Vec::new();
    while let Some(n) = take_optional(rest, name) {
        out.push(n);
    }
    out
}

fn no_more(rest: &[Node<'_, '_>]) -> Result<(), String> {
    match rest.first() {
        Some(n) => Err(format!("unexpected <{}>", n.tag_name().name())),
        None => Ok(()),
    }
}

fn one_of(value: &str, allowed: &[&str], what: &str) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("{what} {value:?} is not one of {allowed:?}"))
    }
}

fn in_range(value: &str, low: u8, high: u8, what: &str) -> Result<(), String> {
    match value.parse::<u8>() {
        Ok(v) if (low..=high).contains(&v) => Ok(()),
        _ => Err(format!("{what} {value:?} is not in {low}..={high}")),
    }
}

fn boolean(value: &str) -> Result<(), String> {
    one_of(value, &["true", "false", "1", "0"], "xsd:boolean")
}

fn base64(value: &str) -> Result<(), String> {
    let compact: String = value.split_whitespace().collect();
    STANDARD
        .decode(compact)
        .map(|_| ())
        .map_err(|e| format!("{value:?} is not xsd:base64Binary: {e}"))
}
