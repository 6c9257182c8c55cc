//! The resolved cross-references: groups of (facility, patient ID) that are one person.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;

use crate::events::{LinkEvent, LinkKind};
use crate::xref::XrefRow;

/// One identifier: a patient ID at a facility.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Member {
    pub facility: String,
    pub patient_id: String,
}

impl Member {
    pub fn new(facility: &str, patient_id: &str) -> Member {
        Member {
            facility: facility.to_owned(),
            patient_id: patient_id.to_owned(),
        }
    }
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.facility, self.patient_id)
    }
}

/// How an identifier came into its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The master patient index's export.
    Xref,
    /// An ADT^A24 link event.
    Link,
    /// An ADT^A40 merge: a facility's prior ID of the same person (its data may still be under it).
    Merge,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Xref => "xref",
            Via::Link => "link",
            Via::Merge => "merge",
        }
    }
}

/// One linked person: two or more identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: String,
    pub members: BTreeMap<Member, Via>,
}

/// What one link event did, for the build report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Where the event came from (file and message number).
    pub origin: String,
    pub kind: &'static str,
    /// What changed, or why nothing did (an unlink of two who were not linked, say).
    pub outcome: String,
}

/// One link between two identifiers: from the index's export, or an event. A person is what the
/// links connect, so undoing a link (ADT^A37) gives back exactly the persons there were before it:
/// a wrong link between two people the index had each linked elsewhere leaves no residue.
#[derive(Debug, Clone)]
struct Edge {
    a: Member,
    b: Member,
    /// The group ID this link proposes: the index's own, `pair:…` or `hl7:<control ID>`.
    label: String,
    via: Via,
}

/// Every linked person, and what the events did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Links {
    #[serde(skip)]
    edges: Vec<Edge>,
    groups: BTreeMap<String, Group>,
    #[serde(skip)]
    of: HashMap<Member, String>,
    pub applied: Vec<Applied>,
}

impl Links {
    /// The persons the file's rows make. One identifier in two groups of the index is refused
    /// (with both lines), since one ID belongs to one person.
    pub fn from_rows(rows: &[XrefRow]) -> Result<Links, (usize, String)> {
        let mut links = Links::default();
        let mut line_of: HashMap<Member, (usize, String)> = HashMap::new();
        let mut first_of: HashMap<String, Member> = HashMap::new();
        for row in rows {
            match &row.group {
                Some(group) => {
                    let member = &row.members[0];
                    if let Some((line, other)) = line_of.get(member) {
                        if other != group {
                            return Err((
                                row.line,
                                format!(
                                    "{member} is in group {group} here and in group {other} on \
                                     line {line}: one ID belongs to one person; correct the \
                                     index's export"
                                ),
                            ));
                        }
                        continue;
                    }
                    line_of.insert(member.clone(), (row.line, group.clone()));
                    match first_of.get(group) {
                        Some(first) => links.edges.push(Edge {
                            a: first.clone(),
                            b: member.clone(),
                            label: group.clone(),
                            via: Via::Xref,
                        }),
                        None => {
                            first_of.insert(group.clone(), member.clone());
                        }
                    }
                }
                None => links.edges.push(Edge {
                    a: row.members[0].clone(),
                    b: row.members[1].clone(),
                    label: format!("pair:{}", row.members[0]),
                    via: Via::Xref,
                }),
            }
        }
        // (A group of the index with one identifier has no link, so it links nobody.)
        links.rebuild();
        Ok(links)
    }

    /// Applies link events in their order (the caller sorts them: [`crate::read_events`] does).
    pub fn apply(&mut self, events: &[LinkEvent]) {
        for e in events {
            let label = format!("hl7:{}", e.control_id);
            let outcome = match &e.kind {
                LinkKind::Link { a, b } => {
                    if self.same(a, b) {
                        format!("{a} and {b} were linked already")
                    } else {
                        self.edges.push(Edge {
                            a: a.clone(),
                            b: b.clone(),
                            label,
                            via: Via::Link,
                        });
                        format!("linked {a} and {b}")
                    }
                }
                LinkKind::Unlink { a, b } => {
                    if !self.same(a, b) {
                        format!("{a} and {b} were not linked: nothing to undo")
                    } else {
                        // The link between them, if there is one; if they are still one person
                        // through others, `b` leaves the person altogether.
                        self.edges.retain(|x| !joins(x, a, b));
                        self.rebuild();
                        if self.same(a, b) {
                            self.edges.retain(|x| x.a != *b && x.b != *b);
                            format!("unlinked {b} from {a} (and from the others linked with it)")
                        } else {
                            format!("unlinked {b} from {a}")
                        }
                    }
                }
                LinkKind::Merge { surviving, prior } => {
                    self.edges.push(Edge {
                        a: surviving.clone(),
                        b: prior.clone(),
                        label,
                        via: Via::Merge,
                    });
                    format!("{prior} merged into {surviving}")
                }
            };
            self.rebuild();
            self.applied.push(Applied {
                origin: e.origin.clone(),
                kind: e.kind.name(),
                outcome,
            });
        }
    }

    /// Every linked person, by group ID.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// The group an identifier is in.
    pub fn group_of(&self, m: &Member) -> Option<&str> {
        self.of.get(m).map(String::as_str)
    }

    /// Identifiers in a group that `known` does not hold (links to patients not in the storage),
    /// sorted.
    pub fn unknown(&self, known: impl Fn(&Member) -> bool) -> Vec<Member> {
        let mut out: Vec<Member> = self.of.keys().filter(|m| !known(m)).cloned().collect();
        out.sort();
        out
    }

    /// How many identifiers are linked.
    pub fn members(&self) -> usize {
        self.of.len()
    }

    fn same(&self, a: &Member, b: &Member) -> bool {
        matches!((self.of.get(a), self.of.get(b)), (Some(x), Some(y)) if x == y)
    }

    /// The persons the links make now: the connected identifiers. A person's ID is the label of
    /// its strongest link (the index's own before a pair's before an event's, then the smallest),
    /// and an identifier's `via` is its strongest link's.
    fn rebuild(&mut self) {
        let mut index: HashMap<&Member, usize> = HashMap::new();
        let mut members: Vec<&Member> = Vec::new();
        for e in &self.edges {
            for m in [&e.a, &e.b] {
                index.entry(m).or_insert_with(|| {
                    members.push(m);
                    members.len() - 1
                });
            }
        }
        let mut parent: Vec<usize> = (0..members.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for e in &self.edges {
            let (x, y) = (
                root(&mut parent, index[&e.a]),
                root(&mut parent, index[&e.b]),
            );
            if x != y {
                parent[x.max(y)] = x.min(y);
            }
        }
        let rank = |v: Via| match v {
            Via::Xref => 0,
            Via::Link => 1,
            Via::Merge => 2,
        };
        let mut label: HashMap<usize, (u8, &str)> = HashMap::new();
        let mut via: HashMap<&Member, Via> = HashMap::new();
        for e in &self.edges {
            let r = root(&mut parent, index[&e.a]);
            let mine = (rank(e.via), e.label.as_str());
            label
                .entry(r)
                .and_modify(|l| *l = (*l).min(mine))
                .or_insert(mine);
            for m in [&e.a, &e.b] {
                via.entry(m)
                    .and_modify(|v| {
                        if rank(e.via) < rank(*v) {
                            *v = e.via;
                        }
                    })
                    .or_insert(e.via);
            }
        }
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let mut of = HashMap::new();
        for (i, m) in members.iter().enumerate() {
            let id = label[&root(&mut parent, i)].1.to_owned();
            groups
                .entry(id.clone())
                .or_insert_with(|| Group {
                    id: id.clone(),
                    members: BTreeMap::new(),
                })
                .members
                .insert((*m).clone(), via[m]);
            of.insert((*m).clone(), id);
        }
        self.groups = groups;
        self.of = of;
    }
}

/// Whether a link joins exactly `a` and `b`.
fn joins(e: &Edge, a: &Member, b: &Member) -> bool {
    (e.a == *a && e.b == *b) || (e.a == *b && e.b == *a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_xref;

    fn m(f: &str, p: &str) -> Member {
        Member::new(f, p)
    }

    fn event(n: u32, kind: LinkKind) -> LinkEvent {
        LinkEvent {
            origin: format!("e{n}.hl7"),
            at: None,
            control_id: format!("C{n}"),
            kind,
        }
    }

    #[test]
    fn pairs_that_share_an_identifier_are_one_person() {
        let rows =
            parse_xref("facility_a\tid_a\tfacility_b\tid_b\nA\t1\tB\t7\nB\t7\tC\t3\nA\t2\tB\t8\n")
                .unwrap();
        let links = Links::from_rows(&rows).unwrap();
        assert_eq!(links.groups().count(), 2);
        assert_eq!(links.group_of(&m("A", "1")), links.group_of(&m("C", "3")));
        assert_ne!(links.group_of(&m("A", "1")), links.group_of(&m("A", "2")));
        assert_eq!(links.members(), 5);
    }

    #[test]
    fn one_id_in_two_groups_is_refused_with_both_lines() {
        let rows =
            parse_xref("group_id,facility,patient_id\nP1,A,1\nP1,B,7\nP2,A,1\nP2,C,3\n").unwrap();
        let (line, why) = Links::from_rows(&rows).unwrap_err();
        assert_eq!(line, 4);
        assert!(why.contains("line 2"), "{why}");
    }

    #[test]
    fn a_group_of_one_links_nobody() {
        let rows = parse_xref("group_id,facility,patient_id\nP1,A,1\nP2,B,7\nP2,C,3\n").unwrap();
        let links = Links::from_rows(&rows).unwrap();
        assert_eq!(links.group_of(&m("A", "1")), None);
        assert_eq!(links.groups().count(), 1);
    }

    #[test]
    fn a_wrong_link_is_undone_by_an_unlink_and_a_merge_carries_the_old_id() {
        let rows = parse_xref("group_id,facility,patient_id\nP1,A,1\nP1,B,7\n").unwrap();
        let mut links = Links::from_rows(&rows).unwrap();
        links.apply(&[
            // Linked by mistake: a third hospital's patient joins P1 …
            event(
                1,
                LinkKind::Link {
                    a: m("A", "1"),
                    b: m("C", "3"),
                },
            ),
            // … and the index takes it back.
            event(
                2,
                LinkKind::Unlink {
                    a: m("A", "1"),
                    b: m("C", "3"),
                },
            ),
            event(
                3,
                LinkKind::Unlink {
                    a: m("A", "1"),
                    b: m("D", "4"),
                },
            ),
            // Hospital B finds 7 and 9 are one patient and keeps 9.
            event(
                4,
                LinkKind::Merge {
                    surviving: m("B", "9"),
                    prior: m("B", "7"),
                },
            ),
        ]);
        assert_eq!(links.group_of(&m("C", "3")), None, "the wrong link is gone");
        let p1 = links.group_of(&m("A", "1")).unwrap();
        assert_eq!(links.group_of(&m("B", "9")), Some(p1));
        assert_eq!(
            links.group_of(&m("B", "7")),
            Some(p1),
            "the old ID still finds the person"
        );
        let outcomes: Vec<&str> = links.applied.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(
            outcomes,
            [
                "linked A 1 and C 3",
                "unlinked C 3 from A 1",
                "A 1 and D 4 were not linked: nothing to undo",
                "B 7 merged into B 9",
            ]
        );
        assert_eq!(
            links.unknown(|x| x.facility != "B"),
            [m("B", "7"), m("B", "9")]
        );
    }

    #[test]
    fn undoing_a_wrong_link_between_two_persons_gives_both_back_unchanged() {
        let rows =
            parse_xref("group_id,facility,patient_id\nP1,A,1\nP1,B,7\nP2,A,2\nP2,C,3\n").unwrap();
        let mut links = Links::from_rows(&rows).unwrap();
        let before: Vec<Group> = links.groups().cloned().collect();
        let (a, c) = (m("A", "1"), m("C", "3"));
        links.apply(&[event(
            1,
            LinkKind::Link {
                a: a.clone(),
                b: c.clone(),
            },
        )]);
        assert_eq!(
            links.groups().count(),
            1,
            "the wrong link made one person of four"
        );
        assert_eq!(links.group_of(&m("B", "7")), links.group_of(&m("A", "2")));
        links.apply(&[event(2, LinkKind::Unlink { a, b: c })]);
        let after: Vec<Group> = links.groups().cloned().collect();
        assert_eq!(after, before, "no residue of the wrong link");
    }

    #[test]
    fn an_unlink_of_two_linked_through_a_third_takes_the_second_out() {
        let rows = parse_xref("group_id,facility,patient_id\nP1,A,1\nP1,B,7\nP1,C,3\n").unwrap();
        let mut links = Links::from_rows(&rows).unwrap();
        // The index's group is a star from its first row: B 7 and C 3 are linked through A 1.
        links.apply(&[event(
            1,
            LinkKind::Unlink {
                a: m("B", "7"),
                b: m("C", "3"),
            },
        )]);
        assert_eq!(links.group_of(&m("C", "3")), None);
        assert_eq!(links.group_of(&m("A", "1")), links.group_of(&m("B", "7")));
        assert!(links.applied[0].outcome.contains("and from the others"));
    }

    #[test]
    fn unlinking_the_last_other_member_dissolves_the_group() {
        let rows = parse_xref("group_id,facility,patient_id\nP1,A,1\nP1,B,7\n").unwrap();
        let mut links = Links::from_rows(&rows).unwrap();
        links.apply(&[event(
            1,
            LinkKind::Unlink {
                a: m("B", "7"),
                b: m("A", "1"),
            },
        )]);
        assert_eq!(links.groups().count(), 0);
        assert_eq!(links.group_of(&m("B", "7")), None);
    }
}
