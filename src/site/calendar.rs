//! `calendar.ics` (RFC 5545): every upcoming review and headroom-report
//! deadline, so the founder can subscribe to the published site.

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};

use crate::agenda::{Item, Kind};
use crate::site::facts::{runbook_url, segment};

/// The calendar of `items`: reviews and report deadlines (flagged metrics and
/// projections are left out: they are not dates to keep).
pub fn ics(items: &[Item], title: &str, base_url: Option<&str>, today: NaiveDate) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//dossier//SOC 2 evidence calendar//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape(title)));
    for item in items
        .iter()
        .filter(|i| matches!(i.kind, Kind::Review | Kind::Report))
    {
        let (kind, summary) = match item.kind {
            Kind::Review => ("review", format!("Review due: {}", item.title)),
            _ => ("report", format!("Headroom report due: {}", item.title)),
        };
        let mut description = format!("{} {}.", item.title, item.what);
        if item.deadline != item.due {
            let _ = write!(description, " On time until {}.", item.deadline);
        }
        let end = item.due.checked_add_days(Days::new(1)).unwrap_or(item.due);
        line("BEGIN:VEVENT");
        line(&format!(
            "UID:{kind}-{}-{}@dossier",
            segment(&item.runbook),
            item.due.format("%Y%m%d")
        ));
        line(&format!("DTSTAMP:{}T000000Z", today.format("%Y%m%d")));
        line(&format!("DTSTART;VALUE=DATE:{}", item.due.format("%Y%m%d")));
        line(&format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
        line(&format!("SUMMARY:{}", escape(&summary)));
        line(&format!("DESCRIPTION:{}", escape(&description)));
        if let Some(base) = base_url {
            line(&format!("URL:{}/{}", uri(base), runbook_url(&item.runbook)));
        }
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// TEXT values escape backslashes, separators and line breaks (RFC 5545 §3.3.11),
/// so no value can start a property of its own. A line break is `\r\n`, `\n` or
/// a lone `\r`; tabs stay (TEXT allows them); other control characters, which
/// TEXT cannot hold, are left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI value (RFC 5545 §3.3.13) is not TEXT and has no backslash escapes:
/// every byte a URI cannot hold (control characters, spaces, quotes,
/// non-ASCII) is percent-encoded. `base_url` reaches here as `dossier.yaml`
/// wrote it, and a line break in it would otherwise end the property and
/// start one of its own.
fn uri(text: &str) -> String {
    crate::model::markdown::percent_encode(text, b"-._~:/?#[]@!$&'()*+,;=%")
}

/// Writes a content line folded at 75 octets, never inside a UTF-8 character, ending in CRLF.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_so_no_property_can_be_forged() {
        assert_eq!(escape("a;b,c\\d\nDTSTART:x"), "a\\;b\\,c\\\\d\\nDTSTART:x");
    }

    #[test]
    fn line_breaks_of_every_kind_are_escaped_and_tabs_kept() {
        assert_eq!(
            escape("a\r\nb\rc\nd\te\u{1b}[31mf\u{9b}g"),
            "a\\nb\\nc\\nd\te[31mfg"
        );
    }

    #[test]
    fn base_url_cannot_forge_a_property() {
        assert_eq!(
            uri("https://e.example/a b\r\nDTSTART:19700101T000000Z\"<é>"),
            "https://e.example/a%20b%0D%0ADTSTART:19700101T000000Z%22%3C%C3%A9%3E"
        );
        // A plain URL stays as it is.
        let plain = "https://evidence.example.com:8443/a-b_c~d/%41?q=1&r=2#x";
        assert_eq!(uri(plain), plain);
        let due = NaiveDate::from_ymd_opt(2027, 5, 1).unwrap();
        let item = Item {
            due,
            days: 1,
            kind: Kind::Review,
            runbook: "backup".to_owned(),
            title: "Backup".to_owned(),
            what: "review".to_owned(),
            deadline: due,
            late: false,
        };
        let calendar = ics(
            &[item],
            "T",
            Some("https://e.example\r\nDTSTART:19700101T000000Z\nEND:VEVENT"),
            due,
        );
        let unfolded = calendar.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split("\r\n").collect();
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with("DTSTART:") && !l.contains(['\r', '\n'])),
            "{calendar}"
        );
        assert_eq!(lines.iter().filter(|l| **l == "END:VEVENT").count(), 1);
        assert!(lines.contains(
            &"URL:https://e.example%0D%0ADTSTART:19700101T000000Z%0AEND:VEVENT/runbooks/backup/index.html"
        ));
    }

    #[test]
    fn folds_long_lines_on_character_boundaries() {
        let mut out = String::new();
        fold(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(60)));
    }
}
