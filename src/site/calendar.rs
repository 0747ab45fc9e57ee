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
            line(&format!("URL:{base}/{}", runbook_url(&item.runbook)));
        }
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// TEXT values escape backslashes, separators and line breaks (RFC 5545 §3.3.11),
/// so no value can start a property of its own.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
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
