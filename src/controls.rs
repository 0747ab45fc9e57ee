//! The AICPA Trust Services Criteria catalogue (TSC 2017, points of focus
//! revised 2022): all 61 criteria, grouped as in the catalogue.
//!
//! Titles are short paraphrases written for this project, not AICPA text.
//!
//! Each [`Criterion`] holds a `&'static` reference into [`GROUPS`]. The group
//! is worked out from the criterion id at compile time ("CC6.3" belongs to
//! "CC6"), so the table below cannot place a criterion in the wrong group, and
//! an id without a known group fails the build.

use serde::{Serialize, Serializer};

use crate::diag::edit_distance;

/// A group of criteria ("CC6", "A1", "P6", ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Group id as written in the catalogue, e.g. "CC6".
    pub id: &'static str,
    /// Group name, e.g. "Logical and Physical Access Controls".
    pub name: &'static str,
    /// Trust services category, e.g. "Security (Common Criteria)".
    pub category: &'static str,
}

/// One criterion of the catalogue ("CC6.1", "A1.2", ...).
///
/// Serializes as `{ "id": "A1.2", "group": "A1", "title": "..." }`: the group
/// is written as its id only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Criterion {
    /// Criterion id as written in the catalogue, e.g. "A1.2" (case-sensitive).
    pub id: &'static str,
    /// The group the criterion belongs to; always an element of [`GROUPS`].
    #[serde(serialize_with = "serialize_group_id")]
    pub group: &'static Group,
    /// A short summary of the criterion, in our own words.
    pub title: &'static str,
}

fn serialize_group_id<S: Serializer>(group: &&'static Group, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(group.id)
}

const SECURITY: &str = "Security (Common Criteria)";
const AVAILABILITY: &str = "Availability";
const CONFIDENTIALITY: &str = "Confidentiality";
const PROCESSING_INTEGRITY: &str = "Processing Integrity";
const PRIVACY: &str = "Privacy";

const fn g(id: &'static str, name: &'static str, category: &'static str) -> Group {
    Group { id, name, category }
}

/// All groups, in catalogue order: CC1..CC9, A1, C1, PI1, P1..P8.
#[rustfmt::skip]
pub static GROUPS: &[Group] = &[
    g("CC1", "Control Environment",                   SECURITY),
    g("CC2", "Communication and Information",         SECURITY),
    g("CC3", "Risk Assessment",                       SECURITY),
    g("CC4", "Monitoring Activities",                 SECURITY),
    g("CC5", "Control Activities",                    SECURITY),
    g("CC6", "Logical and Physical Access Controls",  SECURITY),
    g("CC7", "System Operations",                     SECURITY),
    g("CC8", "Change Management",                     SECURITY),
    g("CC9", "Risk Mitigation",                       SECURITY),
    g("A1",  "Availability",                          AVAILABILITY),
    g("C1",  "Confidentiality",                       CONFIDENTIALITY),
    g("PI1", "Processing Integrity",                  PROCESSING_INTEGRITY),
    g("P1",  "Notice",                                PRIVACY),
    g("P2",  "Choice and Consent",                    PRIVACY),
    g("P3",  "Collection",                            PRIVACY),
    g("P4",  "Use, Retention, and Disposal",          PRIVACY),
    g("P5",  "Access",                                PRIVACY),
    g("P6",  "Disclosure and Notification",           PRIVACY),
    g("P7",  "Quality",                               PRIVACY),
    g("P8",  "Monitoring and Enforcement",            PRIVACY),
];

/// Builds a criterion, resolving its group from the id prefix before the dot.
/// Evaluated at compile time: an unknown prefix fails the build.
const fn c(id: &'static str, title: &'static str) -> Criterion {
    Criterion {
        id,
        group: group_of(id),
        title,
    }
}

/// The group whose id followed by '.' starts `criterion_id`.
const fn group_of(criterion_id: &str) -> &'static Group {
    let id = criterion_id.as_bytes();
    let mut i = 0;
    while i < GROUPS.len() {
        let group = GROUPS[i].id.as_bytes();
        if id.len() > group.len() && id[group.len()] == b'.' {
            let mut j = 0;
            while j < group.len() && group[j] == id[j] {
                j += 1;
            }
            if j == group.len() {
                return &GROUPS[i];
            }
        }
        i += 1;
    }
    panic!("criterion id does not start with a known group id");
}

/// All 61 criteria, in catalogue order (CC1.1, CC1.2, ..., P8.1).
#[rustfmt::skip]
pub static CRITERIA: &[Criterion] = &[
    // CC1 Control Environment
    c("CC1.1", "Commitment to integrity and ethical values"),
    c("CC1.2", "Independent board oversees internal control"),
    c("CC1.3", "Structures, reporting lines and authorities are defined"),
    c("CC1.4", "Competent people are hired, developed and retained"),
    c("CC1.5", "People are held accountable for their control duties"),
    // CC2 Communication and Information
    c("CC2.1", "Relevant, quality information supports internal control"),
    c("CC2.2", "Control objectives and duties are communicated internally"),
    c("CC2.3", "Control matters are communicated with external parties"),
    // CC3 Risk Assessment
    c("CC3.1", "Objectives are clear enough to assess risks"),
    c("CC3.2", "Risks to objectives are identified and analysed"),
    c("CC3.3", "Potential for fraud is considered when assessing risk"),
    c("CC3.4", "Significant changes affecting controls are assessed"),
    // CC4 Monitoring Activities
    c("CC4.1", "Ongoing and separate evaluations confirm controls operate"),
    c("CC4.2", "Control deficiencies are reported and corrected promptly"),
    // CC5 Control Activities
    c("CC5.1", "Control activities are chosen to reduce risks"),
    c("CC5.2", "General technology controls support objectives"),
    c("CC5.3", "Policies set expectations and procedures apply them"),
    // CC6 Logical and Physical Access Controls
    c("CC6.1", "Logical access security protects information assets"),
    c("CC6.2", "Users are registered and authorised before access"),
    c("CC6.3", "Role-based, least-privilege access, changed and revoked promptly"),
    c("CC6.4", "Physical access to facilities and assets is restricted"),
    c("CC6.5", "Data is protected until disposed assets are cleared"),
    c("CC6.6", "Defences against threats from outside system boundaries"),
    c("CC6.7", "Information in transit or on removable media is protected"),
    c("CC6.8", "Unauthorised or malicious software is prevented or detected"),
    // CC7 System Operations
    c("CC7.1", "Configuration changes and new vulnerabilities are detected"),
    c("CC7.2", "System components are monitored for anomalies"),
    c("CC7.3", "Security events are evaluated to identify incidents"),
    c("CC7.4", "Incidents are handled by a defined response programme"),
    c("CC7.5", "Recovery from security incidents is planned and carried out"),
    // CC8 Change Management
    c("CC8.1", "Changes are authorised, tested, approved and implemented"),
    // CC9 Risk Mitigation
    c("CC9.1", "Risks of business disruption are mitigated"),
    c("CC9.2", "Vendor and business partner risks are managed"),
    // A1 Availability
    c("A1.1",  "Capacity is monitored and planned to meet objectives"),
    c("A1.2",  "Environmental protections, backups and recovery infrastructure"),
    c("A1.3",  "Recovery plans are tested periodically"),
    // C1 Confidentiality
    c("C1.1",  "Confidential information is identified and protected"),
    c("C1.2",  "Confidential information is disposed of when due"),
    // PI1 Processing Integrity
    c("PI1.1", "Processing specifications and data definitions are documented"),
    c("PI1.2", "System inputs are complete and accurate"),
    c("PI1.3", "Processing is complete, accurate and timely"),
    c("PI1.4", "Outputs are complete, accurate and reach intended recipients"),
    c("PI1.5", "Stored data stays complete, accurate and current"),
    // P1 Notice
    c("P1.1",  "Data subjects are told about privacy practices"),
    // P2 Choice and Consent
    c("P2.1",  "Choices are offered and consent is obtained"),
    // P3 Collection
    c("P3.1",  "Personal data is collected only for stated objectives"),
    c("P3.2",  "Explicit consent is obtained where collection requires it"),
    // P4 Use, Retention, and Disposal
    c("P4.1",  "Personal data is used only for stated purposes"),
    c("P4.2",  "Personal data is kept only as long as needed"),
    c("P4.3",  "Personal data is disposed of securely"),
    // P5 Access
    c("P5.1",  "Data subjects can access their personal data"),
    c("P5.2",  "Data subjects can correct or amend their data"),
    // P6 Disclosure and Notification
    c("P6.1",  "Disclosures to third parties follow consent"),
    c("P6.2",  "Authorised disclosures are recorded completely and accurately"),
    c("P6.3",  "Unauthorised disclosures and breaches are recorded"),
    c("P6.4",  "Third parties commit to privacy obligations"),
    c("P6.5",  "Third parties report unauthorised disclosures to us"),
    c("P6.6",  "Affected parties are notified of breaches and incidents"),
    c("P6.7",  "Data subjects can get an account of their data"),
    // P7 Quality
    c("P7.1",  "Personal data is kept accurate, complete and relevant"),
    // P8 Monitoring and Enforcement
    c("P8.1",  "Privacy complaints are handled and compliance is monitored"),
];

/// Largest edit distance at which [`suggest`] still proposes a criterion.
const MAX_SUGGEST_DISTANCE: usize = 2;

/// The criterion with exactly this id (case-sensitive: "A1.2", not "a1.2").
pub fn find(id: &str) -> Option<&'static Criterion> {
    CRITERIA.iter().find(|c| c.id == id)
}

/// The group with exactly this id (case-sensitive: "CC6", "P6").
pub fn find_group(id: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.id == id)
}

/// The nearest known criterion for a possibly mistyped id, for "did you mean".
///
/// A case-insensitive match wins ("a1.2" -> A1.2). Otherwise the criterion at
/// the smallest Levenshtein distance (on ASCII-uppercased characters) is
/// returned, provided that distance is at most 2; ties go to the earlier
/// criterion in catalogue order ("A1.4" -> A1.1, "CC8-1" -> CC8.1). Returns
/// `None` when nothing is that close ("XYZ99").
pub fn suggest(id: &str) -> Option<&'static Criterion> {
    if let Some(c) = CRITERIA.iter().find(|c| c.id.eq_ignore_ascii_case(id)) {
        return Some(c);
    }
    let input = id.to_ascii_uppercase();
    // "CC7.6" is nearer CC7.5 than CC6.6 for a reader: at equal distance, the
    // same group wins, then catalogue order.
    let group = input.split('.').next().unwrap_or("");
    CRITERIA
        .iter()
        .filter(|c| input.chars().count().abs_diff(c.id.len()) <= MAX_SUGGEST_DISTANCE)
        .map(|c| (edit_distance(&input, c.id), c.group.id != group, c))
        .filter(|(distance, ..)| *distance <= MAX_SUGGEST_DISTANCE)
        .min_by_key(|(distance, other_group, _)| (*distance, *other_group))
        .map(|(.., c)| c)
}

/// Criteria of the group `group_id` (exact id, e.g. "CC6"), in catalogue
/// order. Empty for an unknown group.
pub fn in_group(group_id: &str) -> impl Iterator<Item = &'static Criterion> {
    CRITERIA.iter().filter(move |c| c.group.id == group_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn suggested(id: &str) -> Option<&'static str> {
        suggest(id).map(|c| c.id)
    }

    #[test]
    fn catalogue_has_61_unique_criteria() {
        assert_eq!(CRITERIA.len(), 61);
        let ids: HashSet<&str> = CRITERIA.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), 61, "criterion ids must be unique");
        let group_ids: HashSet<&str> = GROUPS.iter().map(|g| g.id).collect();
        assert_eq!(group_ids.len(), GROUPS.len(), "group ids must be unique");
    }

    #[test]
    fn every_criterion_points_into_groups_and_matches_its_prefix() {
        for c in CRITERIA {
            assert!(
                GROUPS.iter().any(|g| std::ptr::eq(g, c.group)),
                "{} has a group outside GROUPS",
                c.id
            );
            assert_eq!(find_group(c.group.id), Some(c.group));
            let (prefix, number) = c.id.split_once('.').expect("id has a dot");
            assert_eq!(prefix, c.group.id, "{}", c.id);
            assert!(number.parse::<u32>().is_ok(), "{}", c.id);
        }
    }

    #[test]
    fn counts_per_group_match_the_catalogue() {
        let expected = [
            ("CC1", 5),
            ("CC2", 3),
            ("CC3", 4),
            ("CC4", 2),
            ("CC5", 3),
            ("CC6", 8),
            ("CC7", 5),
            ("CC8", 1),
            ("CC9", 2),
            ("A1", 3),
            ("C1", 2),
            ("PI1", 5),
            ("P1", 1),
            ("P2", 1),
            ("P3", 2),
            ("P4", 3),
            ("P5", 2),
            ("P6", 7),
            ("P7", 1),
            ("P8", 1),
        ];
        let group_ids: Vec<&str> = GROUPS.iter().map(|g| g.id).collect();
        let expected_ids: Vec<&str> = expected.iter().map(|(id, _)| *id).collect();
        assert_eq!(group_ids, expected_ids, "groups in catalogue order");
        for (id, n) in expected {
            assert_eq!(in_group(id).count(), n, "criteria in {id}");
        }
        let common = CRITERIA.iter().filter(|c| c.group.category == SECURITY);
        assert_eq!(common.count(), 33);
        let privacy = CRITERIA.iter().filter(|c| c.group.category == PRIVACY);
        assert_eq!(privacy.count(), 18);
    }

    #[test]
    fn criteria_are_in_catalogue_order() {
        // Groups appear in GROUPS order, each contiguous, numbered 1, 2, 3, ...
        let mut position = 0;
        for group in GROUPS {
            let mut number = 1;
            while let Some(c) = CRITERIA.get(position).filter(|c| c.group == group) {
                assert_eq!(c.id, format!("{}.{number}", group.id));
                number += 1;
                position += 1;
            }
            assert!(number > 1, "group {} has no criteria", group.id);
        }
        assert_eq!(position, CRITERIA.len());
        assert_eq!(CRITERIA.first().map(|c| c.id), Some("CC1.1"));
        assert_eq!(CRITERIA.last().map(|c| c.id), Some("P8.1"));
    }

    #[test]
    fn titles_are_short_and_groups_are_named() {
        for c in CRITERIA {
            let words = c.title.split_whitespace().count();
            assert!((4..=10).contains(&words), "{}: {words} words", c.id);
        }
        for g in GROUPS {
            assert!(!g.name.is_empty() && !g.category.is_empty(), "{}", g.id);
        }
    }

    #[test]
    fn find_hits_and_misses() {
        let a12 = find("A1.2").expect("A1.2 exists");
        assert_eq!(a12.id, "A1.2");
        assert_eq!(a12.group.id, "A1");
        assert_eq!(a12.group.category, AVAILABILITY);
        assert_eq!(
            find("CC8.1").map(|c| c.group.name),
            Some("Change Management")
        );
        assert_eq!(find("P8.1").map(|c| c.group.category), Some(PRIVACY));
        assert_eq!(find("a1.2"), None, "find is case-sensitive");
        assert_eq!(find("A1.4"), None);
        assert_eq!(find("CC6"), None);
        assert_eq!(find(""), None);
        assert_eq!(find(" A1.2"), None);
    }

    #[test]
    fn find_group_hits_and_misses() {
        assert_eq!(
            find_group("P6").map(|g| g.name),
            Some("Disclosure and Notification")
        );
        assert_eq!(find_group("p6"), None);
        assert_eq!(find_group("CC10"), None);
    }

    #[test]
    fn suggest_prefers_case_insensitive_match() {
        assert_eq!(suggested("a1.2"), Some("A1.2"));
        assert_eq!(suggested("cc6.1"), Some("CC6.1"));
        assert_eq!(suggested("Pi1.3"), Some("PI1.3"));
        assert_eq!(suggested("A1.2"), Some("A1.2"));
    }

    #[test]
    fn suggest_finds_nearest_by_edit_distance() {
        // Equidistant from A1.1, A1.2 and A1.3: the first in catalogue order.
        assert_eq!(suggested("A1.4"), Some("A1.1"));
        assert_eq!(suggested("CC6.9"), Some("CC6.1"));
        assert_eq!(suggested("CC 8.1"), Some("CC8.1"));
        assert_eq!(suggested("CC8-1"), Some("CC8.1"));
        assert_eq!(suggested("cc8_1"), Some("CC8.1"));
        assert_eq!(suggested("CC81"), Some("CC8.1"));
        assert_eq!(suggested("PI1.7"), Some("PI1.1"));
        assert_eq!(suggested("P6.8"), Some("P6.1"));
    }

    #[test]
    fn suggest_gives_up_when_nothing_is_close() {
        assert_eq!(suggested("XYZ99"), None);
        assert_eq!(suggested(""), None);
        assert_eq!(suggested("SOC2"), None);
        assert_eq!(suggested("CC12.34.56"), None);
        assert_eq!(suggested("ÄÖÜ.ß"), None);
    }

    #[test]
    fn in_group_lists_neighbours_in_order() {
        let cc6: Vec<&str> = in_group("CC6").map(|c| c.id).collect();
        assert_eq!(
            cc6,
            [
                "CC6.1", "CC6.2", "CC6.3", "CC6.4", "CC6.5", "CC6.6", "CC6.7", "CC6.8"
            ]
        );
        let p6: Vec<&str> = in_group("P6").map(|c| c.id).collect();
        assert_eq!(p6.len(), 7);
        assert_eq!(in_group("P").count(), 0, "no prefix matching");
        assert_eq!(in_group("cc6").count(), 0, "exact group id");
        assert_eq!(in_group("ZZ9").count(), 0);
    }

    #[test]
    fn suggest_prefers_the_same_group_at_equal_distance() {
        assert_eq!(suggested("CC7.6"), Some("CC7.1"));
        assert_eq!(suggested("A1.4"), Some("A1.1"));
    }
}
