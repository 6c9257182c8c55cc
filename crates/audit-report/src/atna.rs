//! DICOM PS3.15 A.5 audit messages, as IHE ATNA (ITI-20) records and sends them.
//!
//! Each message follows the DICOM Audit Message Schema (PS3.15 A.5.1, RELAX NG): elements in the
//! schema's order, coded values as `csd-code` / `codeSystemName` / `originalText`, participant
//! object details and queries base64-encoded. The messages sit in one `<AuditMessages>` document
//! element, since an XML file has one root; the wrapper is FieldChart's, not DICOM's, and a
//! forwarder sends each `<AuditMessage>` child on its own (PS3.15 A.6: one message per syslog
//! record). What each log event becomes is decided once, in the private `message` module.
//!
//! Text that XML 1.0 cannot carry at all (most C0 control characters) is shown as U+FFFD in
//! attributes and text; the exact bytes of queries and free text survive in the base64 values.

use std::io;

use fieldchart_audit::Record;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::codes::Code;
use crate::message::{self, AuditMessage, Participant, ParticipantObject};
use crate::text;

/// How to label the messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AtnaOptions {
    /// `AuditEnterpriseSiteID`: the region or hub the laptops belong to (left out when `None`).
    pub site: Option<String>,
}

/// All messages for `records`, in log order, as one XML document.
pub fn to_xml(records: &[Record], opts: &AtnaOptions) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail: io::Write for Vec<u8> never returns an error.
    write_xml(records, opts, &mut out).expect("writing XML into memory");
    // Every byte written came from a `str` or from quick-xml's ASCII markup.
    String::from_utf8_lossy(&out).into_owned()
}

/// Like [`to_xml`], streamed to `out` (a large log need not sit in memory twice).
pub fn write_xml<W: io::Write>(records: &[Record], opts: &AtnaOptions, out: W) -> io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("AuditMessages").write_inner_content(|w| {
        for record in records {
            for message in message::messages(record) {
                write_message(w, &message, opts)?;
            }
        }
        Ok(())
    })?;
    w.get_mut().write_all(b"\n")
}

fn write_message<W: io::Write>(
    w: &mut Writer<W>,
    m: &AuditMessage<'_>,
    opts: &AtnaOptions,
) -> io::Result<()> {
    w.create_element("AuditMessage").write_inner_content(|w| {
        let when = message::timestamp(&m.record.at);
        w.create_element("EventIdentification")
            .with_attribute(("EventActionCode", m.action.code()))
            .with_attribute(("EventDateTime", when.as_str()))
            .with_attribute(("EventOutcomeIndicator", m.severity.code()))
            .write_inner_content(|w| {
                coded(w, "EventID", &m.event_id)?;
                for t in &m.event_types {
                    coded(w, "EventTypeCode", t)?;
                }
                if let Some(description) = &m.outcome_description {
                    w.create_element("EventOutcomeDescription")
                        .write_text_content(BytesText::new(&text::xml(description)))?;
                }
                Ok(())
            })?;
        for p in &m.participants {
            participant(w, p)?;
        }
        let source = w
            .create_element("AuditSourceIdentification")
            .with_attribute(("AuditSourceID", text::xml(&m.record.device)));
        let source = match &opts.site {
            Some(site) => source.with_attribute(("AuditEnterpriseSiteID", text::xml(site))),
            None => source,
        };
        // PS3.15 A.5.1.2.1: 1 = end-user display device, which a field laptop is.
        source.write_inner_content(|w| {
            w.create_element("AuditSourceTypeCode")
                .with_attribute(("csd-code", "1"))
                .write_empty()?;
            Ok(())
        })?;
        for o in &m.objects {
            object(w, o)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn participant<W: io::Write>(w: &mut Writer<W>, p: &Participant) -> io::Result<()> {
    let mut e = w
        .create_element("ActiveParticipant")
        .with_attribute(("UserID", text::xml(&p.user_id)))
        .with_attribute((
            "UserIsRequestor",
            if p.requestor { "true" } else { "false" },
        ));
    if let Some(uri) = &p.access_point {
        e = e
            .with_attribute(("NetworkAccessPointID", text::xml(uri)))
            .with_attribute(("NetworkAccessPointTypeCode", "5"));
    }
    if p.roles.is_empty() && p.media.is_none() {
        e.write_empty()?;
        return Ok(());
    }
    e.write_inner_content(|w| {
        for role in &p.roles {
            coded(w, "RoleIDCode", role)?;
        }
        if let Some(media) = &p.media {
            w.create_element("MediaIdentifier")
                .write_inner_content(|w| coded(w, "MediaType", media))?;
        }
        Ok(())
    })?;
    Ok(())
}

fn object<W: io::Write>(w: &mut Writer<W>, o: &ParticipantObject) -> io::Result<()> {
    let type_code = o.type_code.to_string();
    let role = o.role.to_string();
    w.create_element("ParticipantObjectIdentification")
        .with_attribute(("ParticipantObjectID", text::xml(&o.id)))
        .with_attribute(("ParticipantObjectTypeCode", type_code.as_str()))
        .with_attribute(("ParticipantObjectTypeCodeRole", role.as_str()))
        .write_inner_content(|w| {
            coded(w, "ParticipantObjectIDTypeCode", &o.id_type)?;
            if let Some(query) = &o.query {
                w.create_element("ParticipantObjectQuery")
                    .write_text_content(BytesText::new(&text::base64(query)))?;
            } else {
                let name = o.name.as_deref().unwrap_or_default();
                w.create_element("ParticipantObjectName")
                    .write_text_content(BytesText::new(&text::xml(name)))?;
            }
            for (kind, value) in &o.details {
                let value = text::base64(value);
                w.create_element("ParticipantObjectDetail")
                    .with_attribute(("type", *kind))
                    .with_attribute(("value", value.as_str()))
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

/// A `CodedValueType` element (PS3.15 A.5.1): `originalText` is required and carries the meaning.
fn coded<W: io::Write>(w: &mut Writer<W>, element: &str, code: &Code) -> io::Result<()> {
    w.create_element(element)
        .with_attribute(("csd-code", text::xml(&code.code)))
        .with_attribute(("codeSystemName", code.system.atna))
        .with_attribute(("originalText", text::xml(&code.meaning)))
        .write_empty()?;
    Ok(())
}
