//! The coded values the exports are made of, each with the code system it comes from.
//!
//! DICOM codes (`DCM`) are from PS3.16 as PS3.15 A.5 uses them; the participant object ID types are
//! the RFC 3881 table that PS3.15 A.5.1.2.4 keeps. Where no standard code says what FieldChart means
//! (a profession on the Japanese fixed list, a DMAT team, a kind of clock anomaly, a file as export
//! medium), the code is FieldChart's own, under a `urn:fieldchart:` system, so a reader can tell at
//! a glance that it is local.

use std::borrow::Cow;

use fieldchart_policy::Profession;

/// Where a code comes from: the name ATNA's `codeSystemName` carries, and the URI FHIR's
/// `Coding.system` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct System {
    pub atna: &'static str,
    pub fhir: &'static str,
}

pub(crate) const DCM: System = System {
    atna: "DCM",
    fhir: "http://dicom.nema.org/resources/ontology/DCM",
};
/// PS3.15 A.5.1.2.4 keeps RFC 3881's participant object ID types under this name; FHIR has no use
/// for them (an entity's identifier carries its own system).
pub(crate) const RFC_3881: System = System {
    atna: "RFC-3881",
    fhir: "urn:ietf:rfc:3881",
};
pub(crate) const PROFESSION: System = System {
    atna: "urn:fieldchart:profession",
    fhir: "urn:fieldchart:profession",
};
pub(crate) const TEAM: System = System {
    atna: "urn:fieldchart:team",
    fhir: "urn:fieldchart:team",
};
pub(crate) const FIELDCHART_EVENT: System = System {
    atna: "urn:fieldchart:audit-event",
    fhir: "urn:fieldchart:audit-event",
};
pub(crate) const FIELDCHART_MEDIA: System = System {
    atna: "urn:fieldchart:media",
    fhir: "urn:fieldchart:media",
};

/// A coded value: code, system, and the meaning in words (DICOM's "Code Meaning").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Code {
    pub code: Cow<'static, str>,
    pub system: System,
    pub meaning: Cow<'static, str>,
}

const fn fixed(code: &'static str, system: System, meaning: &'static str) -> Code {
    Code {
        code: Cow::Borrowed(code),
        system,
        meaning: Cow::Borrowed(meaning),
    }
}

// Event IDs (DICOM CID 400 "Audit Event ID"), PS3.15 A.5.3.
pub(crate) const APPLICATION_ACTIVITY: Code = fixed("110100", DCM, "Application Activity");
pub(crate) const EXPORT: Code = fixed("110106", DCM, "Export");
pub(crate) const IMPORT: Code = fixed("110107", DCM, "Import");
pub(crate) const PATIENT_RECORD: Code = fixed("110110", DCM, "Patient Record");
pub(crate) const QUERY: Code = fixed("110112", DCM, "Query");
pub(crate) const SECURITY_ALERT: Code = fixed("110113", DCM, "Security Alert");
pub(crate) const USER_AUTHENTICATION: Code = fixed("110114", DCM, "User Authentication");

// Event type codes (DICOM CID 401 and the security alert types).
pub(crate) const APPLICATION_START: Code = fixed("110120", DCM, "Application Start");
pub(crate) const LOGIN: Code = fixed("110122", DCM, "Login");
pub(crate) const LOGOUT: Code = fixed("110123", DCM, "Logout");
pub(crate) const EMERGENCY_OVERRIDE_STARTED: Code =
    fixed("110127", DCM, "Emergency Override Started");
pub(crate) const USE_OF_RESTRICTED_FUNCTION: Code =
    fixed("110132", DCM, "Use of Restricted Function");
pub(crate) const EMERGENCY_OVERRIDE_STOPPED: Code =
    fixed("110138", DCM, "Emergency Override Stopped");

// Active participant roles (DICOM CID 402).
pub(crate) const ROLE_APPLICATION: Code = fixed("110150", DCM, "Application");
pub(crate) const ROLE_APPLICATION_LAUNCHER: Code = fixed("110151", DCM, "Application Launcher");
pub(crate) const ROLE_DESTINATION: Code = fixed("110152", DCM, "Destination Role ID");
pub(crate) const ROLE_SOURCE: Code = fixed("110153", DCM, "Source Role ID");
pub(crate) const ROLE_DESTINATION_MEDIA: Code = fixed("110154", DCM, "Destination Media");
pub(crate) const ROLE_SOURCE_MEDIA: Code = fixed("110155", DCM, "Source Media");

// Media types (DICOM CID 405).
pub(crate) const MEDIA_URI: Code = fixed("110037", DCM, "URI");
pub(crate) const MEDIA_PAPER: Code = fixed("110038", DCM, "Paper Document");
/// A file written to a local or removable disk: CID 405 names disks by their kind (USB, CD, ...),
/// which the log does not record.
pub(crate) const MEDIA_FILE: Code = fixed("file", FIELDCHART_MEDIA, "File");

// Participant object ID types, PS3.15 A.5.1.2.4.
pub(crate) const ID_PATIENT_NUMBER: Code = fixed("2", RFC_3881, "Patient Number");
pub(crate) const ID_REPORT_NAME: Code = fixed("8", RFC_3881, "Report Name");
pub(crate) const ID_SEARCH_CRITERIA: Code = fixed("10", RFC_3881, "Search Criteria");
pub(crate) const ID_URI: Code = fixed("12", RFC_3881, "URI");

// FieldChart event types for what DICOM has no code for.
pub(crate) const CLOCK_BEFORE_SNAPSHOT: Code = fixed(
    "clock-before-snapshot",
    FIELDCHART_EVENT,
    "Clock earlier than the snapshot's creation",
);
pub(crate) const CLOCK_BACKWARDS: Code =
    fixed("clock-backwards", FIELDCHART_EVENT, "Clock went backwards");
pub(crate) const CLOCK_JUMP: Code = fixed(
    "clock-jump",
    FIELDCHART_EVENT,
    "Clock disagrees with the monotonic clock",
);

/// A part of the snapshot failed its check when it was read after unlock. DICOM's security alert
/// types (CID 403) name configuration changes, overrides and restricted functions, but nothing for
/// a data store found altered, so this is FieldChart's own, named like the log's `kind`.
pub(crate) const SNAPSHOT_DAMAGED: Code = fixed(
    "snapshot-damaged",
    FIELDCHART_EVENT,
    "Snapshot found damaged after unlock",
);

pub(crate) const LOG_REPAIRED: Code = fixed(
    "log-repaired",
    FIELDCHART_EVENT,
    "Audit log repaired after a power cut",
);

/// Added to every message of a drill session, so an audit repository can keep exercises apart
/// from a real response without decoding the entry details.
pub(crate) const DRILL: Code = fixed(
    "drill",
    FIELDCHART_EVENT,
    "Drill: an exercise, not a real response",
);

/// The profession as a role code: the policy file's key, so every tool names a profession alike,
/// and the Japanese name as its meaning. A name off the fixed list keeps its own words under the
/// code `unlisted` rather than being forced onto a list entry.
pub(crate) fn profession(name: &str) -> Code {
    match name.parse::<Profession>() {
        Ok(p) => Code {
            code: Cow::Borrowed(p.key()),
            system: PROFESSION,
            meaning: Cow::Borrowed(p.ja()),
        },
        Err(_) => Code {
            code: Cow::Borrowed("unlisted"),
            system: PROFESSION,
            meaning: Cow::Owned(name.to_owned()),
        },
    }
}

/// The team (e.g. a DMAT team code) as a second role code, so the person and the team they act
/// for stay together in one participant.
pub(crate) fn team(name: &str) -> Code {
    Code {
        code: Cow::Owned(name.to_owned()),
        system: TEAM,
        meaning: Cow::Owned(name.to_owned()),
    }
}

// FHIR-only terminology.
pub(crate) const FHIR_ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
pub(crate) const FHIR_ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
pub(crate) const FHIR_OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
pub(crate) const FHIR_SOURCE_TYPE: &str =
    "http://terminology.hl7.org/CodeSystem/security-source-type";
pub(crate) const FHIR_SECURITY_ROLE_TYPE: &str =
    "http://terminology.hl7.org/CodeSystem/extra-security-role-type";

/// Meaning of a participant object type code (PS3.15 A.5.1, FHIR audit-entity-type).
pub(crate) fn object_type_meaning(code: u8) -> &'static str {
    match code {
        1 => "Person",
        2 => "System Object",
        3 => "Organization",
        _ => "Other",
    }
}

/// Meaning of the participant object roles FieldChart uses (PS3.15 A.5.1.2.2, FHIR object-role).
pub(crate) fn object_role_meaning(code: u8) -> &'static str {
    match code {
        1 => "Patient",
        3 => "Report",
        13 => "Security Resource",
        17 => "Data Repository",
        24 => "Query",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_profession_is_coded_by_its_policy_key() {
        let code = profession("薬剤師");
        assert_eq!(code.code, "pharmacist");
        assert_eq!(code.meaning, "薬剤師");
    }

    #[test]
    fn unlisted_profession_keeps_its_own_words() {
        let code = profession("獣医師");
        assert_eq!(code.code, "unlisted");
        assert_eq!(code.meaning, "獣医師");
    }
}
