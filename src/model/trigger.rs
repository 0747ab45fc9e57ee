//! Trigger cells from a runbook's trigger table, e.g. `> 800ms for 24h`.
//!
//! ```text
//! trigger    = comparator number [unit] [rest]
//! comparator = ">" | ">=" | "≥" | "<" | "<=" | "≤" | "="
//! unit       = duration | "%" | "/" period | "per" period | counted noun
//! rest       = free text; "for|over|sustained over DURATION" is the window,
//!              a leading "of X" is what a percentage is of
//! ```
//!
//! The scanner works on byte offsets into the original input so errors can
//! point at the fault, and only ever slices at char boundaries.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparator {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

impl Comparator {
    /// ASCII spelling, so canonical triggers are easy to type.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Eq => "=",
        }
    }

    /// Whether `observed` meets the trigger condition. Exact comparison:
    /// `convert` keeps whole-number conversions exact so `=` stays meaningful.
    pub fn holds(self, observed: f64, threshold: f64) -> bool {
        match self {
            Comparator::Gt => observed > threshold,
            Comparator::Ge => observed >= threshold,
            Comparator::Lt => observed < threshold,
            Comparator::Le => observed <= threshold,
            Comparator::Eq => observed == threshold,
        }
    }

    /// Typographic spelling for human-facing text.
    fn pretty(self) -> &'static str {
        match self {
            Comparator::Ge => "≥",
            Comparator::Le => "≤",
            other => other.symbol(),
        }
    }
}

/// Longer spellings first so `>=` is not read as `>` followed by `=`.
const COMPARATORS: [(&str, Comparator); 7] = [
    (">=", Comparator::Ge),
    ("≥", Comparator::Ge),
    (">", Comparator::Gt),
    ("<=", Comparator::Le),
    ("≤", Comparator::Le),
    ("<", Comparator::Lt),
    ("=", Comparator::Eq),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RatePeriod {
    Hour,
    Day,
    Week,
    Month,
}

impl RatePeriod {
    pub fn seconds(self) -> f64 {
        match self {
            RatePeriod::Hour => 3_600.0,
            RatePeriod::Day => 86_400.0,
            RatePeriod::Week => 604_800.0,
            // A Gregorian month: 365.2425 / 12 days, which is a whole number of seconds.
            RatePeriod::Month => 2_629_746.0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            RatePeriod::Hour => "hour",
            RatePeriod::Day => "day",
            RatePeriod::Week => "week",
            RatePeriod::Month => "month",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "h" | "hr" | "hour" => Some(RatePeriod::Hour),
            "d" | "day" => Some(RatePeriod::Day),
            "w" | "wk" | "week" => Some(RatePeriod::Week),
            "mo" | "month" => Some(RatePeriod::Month),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Any duration; the value is normalised to seconds.
    Seconds,
    /// Value in percent: `70%` is 70.0.
    Percent,
    /// Events per period, value as written.
    Rate(RatePeriod),
    /// A counted noun as written, e.g. `tenant DBs`.
    Count(String),
    /// A bare number.
    Number,
}

impl Unit {
    /// Noun phrase for error messages ("a duration").
    fn kind(&self) -> String {
        match self {
            Unit::Seconds => "a duration".to_owned(),
            Unit::Percent => "a percentage".to_owned(),
            Unit::Rate(p) => format!("a rate per {}", p.name()),
            Unit::Count(noun) => format!("a count of {noun}"),
            Unit::Number => "a bare number".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        match &self.unit {
            Unit::Seconds => {
                let (x, unit) = readable_duration(v);
                write!(f, "{x}{unit}")
            }
            Unit::Percent => write!(f, "{v}%"),
            Unit::Rate(p) => write!(f, "{v}/{}", p.name()),
            Unit::Count(noun) => write!(f, "{v} {noun}"),
            Unit::Number => write!(f, "{v}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trigger {
    pub comparator: Comparator,
    pub threshold: Quantity,
    /// From `for`, `over` or `sustained over|for`.
    pub window_seconds: Option<f64>,
    /// What a percentage is of, e.g. `cluster size`.
    pub of: Option<String>,
    /// Remaining free text, e.g. `on one cluster`.
    pub rest: Option<String>,
}

/// Canonical order is `of`, window, rest: parsing puts a leading `of X` in
/// `of` and everything else that is not the window in `rest`, so this order
/// parses back to an equal trigger.
impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.comparator.symbol(), self.threshold)?;
        if let Some(of) = &self.of {
            write!(f, " of {of}")?;
        }
        if let Some(window) = self.window_seconds {
            let (x, unit) = readable_duration(window);
            write!(f, " for {x}{unit}")?;
        }
        if let Some(rest) = &self.rest {
            write!(f, " {rest}")?;
        }
        Ok(())
    }
}

impl Trigger {
    /// The "parsed threshold" line for the evidence page. The threshold is
    /// shown in the scale observed values are converted to (seconds for
    /// durations), so a reader can compare the two numbers directly:
    /// `> 0.8 s, window 24 h`, `> 80 % of cluster size`,
    /// `> 200 tenant DBs (on one cluster)`, `≥ 2 per week`.
    pub fn describe(&self) -> String {
        let mut out = String::with_capacity(32);
        // Writing to a String cannot fail.
        let _ = self.write_description(&mut out);
        out
    }

    fn write_description(&self, out: &mut String) -> fmt::Result {
        use fmt::Write as _;
        let v = self.threshold.value;
        write!(out, "{} ", self.comparator.pretty())?;
        match &self.threshold.unit {
            // Seconds show how a duration was read (`800ms` is 0.8 s); from a
            // minute up, seconds are unreadable (`26h` is not `93600 s`).
            Unit::Seconds if v.abs() < 60.0 => write!(out, "{v} s")?,
            Unit::Seconds => {
                let (x, unit) = readable_duration(v);
                write!(out, "{x} {unit}")?
            }
            Unit::Percent => write!(out, "{v} %")?,
            Unit::Rate(p) => write!(out, "{v} per {}", p.name())?,
            Unit::Count(noun) => write!(out, "{v} {noun}")?,
            Unit::Number => write!(out, "{v}")?,
        }
        if let Some(of) = &self.of {
            write!(out, " of {of}")?;
        }
        if let Some(rest) = &self.rest {
            write!(out, " ({rest})")?;
        }
        if let Some(window) = self.window_seconds {
            let (x, unit) = readable_duration(window);
            write!(out, ", window {x} {unit}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the input.
    pub offset: usize,
    pub message: String,
    pub help: Option<String>,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>, help: Option<String>) -> Self {
        ParseError {
            offset,
            message: message.into(),
            help,
        }
    }

    /// The error with `help`, unless it has a more precise one already.
    fn or_help(mut self, help: &str) -> Self {
        self.help.get_or_insert_with(|| help.to_owned());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

pub fn parse_trigger(input: &str) -> Result<Trigger, ParseError> {
    let mut c = Cursor::new(input);
    c.skip_ws();
    if c.at_end() {
        return Err(ParseError::new(
            0,
            "empty trigger",
            Some("write a threshold such as `> 800ms for 24h`".to_owned()),
        ));
    }
    let comparator = c.comparator()?;
    c.skip_ws();
    let value = c
        .number()
        .map_err(|e| e.or_help("a trigger is a comparator and a number, e.g. `> 800ms`"))?;
    let threshold = match c.fixed_unit(value)? {
        Some(q) => q,
        None => Quantity {
            value,
            unit: c.counted_noun().map_or(Unit::Number, Unit::Count),
        },
    };
    let (window_seconds, of, rest) = parse_rest(c.rest());
    Ok(Trigger {
        comparator,
        threshold,
        window_seconds,
        of,
        rest,
    })
}

/// An observed value from a headroom report, e.g. "420ms", "61%", "42",
/// "42 active orgs", "1/week", "0.4 s".
pub fn parse_quantity(input: &str) -> Result<Quantity, ParseError> {
    let mut c = Cursor::new(input);
    c.skip_ws();
    if c.at_end() {
        return Err(ParseError::new(
            0,
            "empty quantity",
            Some("write a value such as `420ms` or `61%`".to_owned()),
        ));
    }
    let value = c.number().map_err(|e| {
        e.or_help(
            "an observed value is a number and its unit, e.g. `590ms`, `61%` or `42 active orgs`",
        )
    })?;
    let quantity = match c.fixed_unit(value)? {
        Some(q) => q,
        None => {
            c.skip_ws();
            // No stop words here: an observed value has no window or rest,
            // so every trailing word belongs to the noun.
            let unit = if c.peek().is_some_and(char::is_alphanumeric) {
                let noun = c.rest().trim_end().to_owned();
                c.pos = c.src.len();
                Unit::Count(noun)
            } else {
                Unit::Number
            };
            Quantity { value, unit }
        }
    };
    c.skip_ws();
    if !c.at_end() {
        return Err(ParseError::new(
            c.pos,
            format!("unexpected `{}` after the quantity", c.rest().trim_end()),
            Some("write just a number and a unit, e.g. `420ms`".to_owned()),
        ));
    }
    Ok(quantity)
}

/// Express `observed` in the scale of `threshold`'s unit, so the two numbers
/// compare directly.
pub fn convert(observed: &Quantity, threshold: &Unit) -> Result<f64, String> {
    let v = observed.value;
    match (&observed.unit, threshold) {
        (Unit::Seconds, Unit::Seconds)
        | (Unit::Percent, Unit::Percent)
        | (Unit::Number, Unit::Number)
        | (Unit::Number, Unit::Count(_)) => Ok(v),
        // Multiply first so whole-number conversions (1/day -> 7/week) stay exact.
        (Unit::Rate(from), Unit::Rate(to)) => Ok(v * to.seconds() / from.seconds()),
        (Unit::Count(a), Unit::Count(b)) if same_noun(a, b) => Ok(v),
        (unit, _) => Err(format!(
            "{observed} is {}, but the trigger is {}",
            unit.kind(),
            threshold.kind()
        )),
    }
}

/// Headroom as a fraction of the threshold: how far `observed` is from
/// tripping it, positive while the trigger does not hold. None for `=`, a zero
/// threshold, or a non-finite result.
pub fn headroom(comparator: Comparator, observed: f64, threshold: f64) -> Option<f64> {
    if threshold == 0.0 {
        return None;
    }
    let gap = match comparator {
        Comparator::Gt | Comparator::Ge => threshold - observed,
        Comparator::Lt | Comparator::Le => observed - threshold,
        Comparator::Eq => return None,
    };
    Some(gap / threshold.abs()).filter(|h| h.is_finite())
}

fn same_noun(a: &str, b: &str) -> bool {
    a.split_whitespace()
        .map(str::to_lowercase)
        .eq(b.split_whitespace().map(str::to_lowercase))
}

/// Words that end a counted noun and start the rest of the trigger.
fn is_stop_word(word: &str) -> bool {
    ["for", "over", "sustained", "of", "on"]
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s))
}

/// Seconds per duration unit as (multiplier, divisor): milliseconds divide by
/// 1000 because multiplying by 0.001 is inexact.
fn duration_unit(word: &str) -> Option<(f64, f64)> {
    match word.to_ascii_lowercase().as_str() {
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => Some((1.0, 1000.0)),
        "s" | "sec" | "secs" | "second" | "seconds" => Some((1.0, 1.0)),
        "min" | "mins" | "minute" | "minutes" => Some((60.0, 1.0)),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some((3_600.0, 1.0)),
        "d" | "day" | "days" => Some((86_400.0, 1.0)),
        "w" | "wk" | "wks" | "week" | "weeks" => Some((604_800.0, 1.0)),
        _ => None,
    }
}

/// Picks the display unit for a duration: ms below 1 s, s below a minute, min
/// below an hour, h up to a day (runbooks say `24h`, not `1d`), else d. Falls back to smaller units when the
/// number would not be clean (more than three decimals) or would not parse
/// back to exactly the same seconds; plain seconds always do.
fn readable_duration(seconds: f64) -> (f64, &'static str) {
    const UNITS: [(&str, f64, f64); 5] = [
        ("d", 86_400.0, 1.0),
        ("h", 3_600.0, 1.0),
        ("min", 60.0, 1.0),
        ("s", 1.0, 1.0),
        ("ms", 1.0, 1000.0),
    ];
    let a = seconds.abs();
    if a == 0.0 || !a.is_finite() {
        return (seconds, "s");
    }
    let first = match a {
        a if a > 86_400.0 => 0,
        a if a >= 3_600.0 => 1,
        a if a >= 60.0 => 2,
        a if a >= 1.0 => 3,
        _ => 4,
    };
    let clean = |(_, mul, div): &(&str, f64, f64)| {
        let x = seconds * div / mul;
        x * mul / div == seconds && (x * 1000.0).fract() == 0.0
    };
    // Sub-second values try ms then s; larger ones walk down towards s.
    let candidates: &[_] = if first == 4 {
        &UNITS[4..]
    } else {
        &UNITS[first..4]
    };
    match candidates.iter().find(|u| clean(u)) {
        Some(&(name, mul, div)) => (seconds * div / mul, name),
        None => (seconds, "s"),
    }
}

/// Splits the text after the unit into window, `of` and free rest.
/// The window is the first `for|over|sustained over|sustained for DURATION`;
/// text before it is `of X` when it starts with `of`, else free text.
fn parse_rest(text: &str) -> (Option<f64>, Option<String>, Option<String>) {
    let text = text.trim();
    let window =
        words(text).find_map(|(i, _)| window_at(&text[i..]).map(|(secs, len)| (i, secs, i + len)));
    let (before, window_seconds, after) = match window {
        Some((start, secs, end)) => (text[..start].trim(), Some(secs), text[end..].trim()),
        None => (text, None, ""),
    };
    let of = match words(before).next() {
        Some((0, w)) if w.eq_ignore_ascii_case("of") => {
            Some(before[w.len()..].trim()).filter(|x| !x.is_empty())
        }
        _ => None,
    };
    let before = if of.is_some() { "" } else { before };
    let free = match (before.is_empty(), after.is_empty()) {
        (true, true) => None,
        (false, true) => Some(before.to_owned()),
        (true, false) => Some(after.to_owned()),
        (false, false) => Some(format!("{before} {after}")),
    };
    (window_seconds, of.map(str::to_owned), free)
}

/// A window clause at the start of `s`: returns (seconds, bytes consumed).
/// Anything that is not followed by a real duration is not a window.
fn window_at(s: &str) -> Option<(f64, usize)> {
    let mut c = Cursor::new(s);
    let w = c.word();
    c.pos += w.len();
    if w.eq_ignore_ascii_case("sustained") {
        c.skip_ws();
        let w = c.word();
        if !(w.eq_ignore_ascii_case("over") || w.eq_ignore_ascii_case("for")) {
            return None;
        }
        c.pos += w.len();
    } else if !(w.eq_ignore_ascii_case("over") || w.eq_ignore_ascii_case("for")) {
        return None;
    }
    c.skip_ws();
    let value = c.number().ok()?;
    c.skip_ws();
    let unit = c.word();
    let (mul, div) = duration_unit(unit)?;
    c.pos += unit.len();
    Some(value * mul / div)
        .filter(|s| s.is_finite())
        .map(|secs| (secs, c.pos))
}

/// Each word (maximal run of alphanumeric chars) in `s` with its byte offset.
fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.char_indices()
        .filter(move |&(i, ch)| {
            ch.is_alphanumeric()
                && !s[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
        .map(move |(i, _)| {
            let tail = &s[i..];
            let end = tail
                .find(|ch: char| !ch.is_alphanumeric())
                .unwrap_or(tail.len());
            (i, &tail[..end])
        })
}

/// A position in the input; `Copy` so lookahead is just a copy.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Cursor { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos == self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// The word starting here, empty if the next char is not alphanumeric.
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest
            .find(|ch: char| !ch.is_alphanumeric())
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// What is at the cursor, for "found …" in error messages.
    fn found(&self) -> String {
        match (self.word(), self.peek()) {
            (_, None) => "end of input".to_owned(),
            ("", Some(ch)) => format!("`{ch}`"),
            (word, _) => format!("`{word}`"),
        }
    }

    fn comparator(&mut self) -> Result<Comparator, ParseError> {
        for (text, comparator) in COMPARATORS {
            if self.rest().starts_with(text) {
                self.pos += text.len();
                return Ok(comparator);
            }
        }
        let written = self.rest().trim_end();
        let starts_with_number = Cursor::new(written).number().is_ok();
        let example = if starts_with_number { written } else { "800ms" };
        Err(ParseError::new(
            self.pos,
            format!(
                "expected a comparator (>, >=, ≥, <, <=, ≤ or =), found {}",
                self.found()
            ),
            Some(format!(
                "start the trigger with a comparator, e.g. write it as `> {example}`"
            )),
        ))
    }

    /// `-`? digits (`.` digits)?. Requires a digit on both sides of the point
    /// so `.5` and `5.` are reported instead of guessed at.
    fn number(&mut self) -> Result<f64, ParseError> {
        let bytes = self.src.as_bytes();
        let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
        let digits_from = |mut i: usize| {
            while digit_at(i) {
                i += 1;
            }
            i
        };
        let start = self.pos;
        let mut end = start;
        if bytes.get(end) == Some(&b'-') {
            end += 1;
        }
        let int_end = digits_from(end);
        if int_end == end {
            if bytes.get(end) == Some(&b'.') && digit_at(end + 1) {
                return Err(ParseError::new(
                    start,
                    "expected a number, found a decimal point",
                    Some("write a leading zero, e.g. `0.5` instead of `.5`".to_owned()),
                ));
            }
            // The help depends on what is parsed: see `or_help`.
            return Err(ParseError::new(
                start,
                format!("expected a number, found {}", self.found()),
                None,
            ));
        }
        end = int_end;
        if bytes.get(end) == Some(&b'.') {
            if !digit_at(end + 1) {
                return Err(ParseError::new(
                    end + 1,
                    "expected digits after the decimal point",
                    Some("write `5` or `5.0` instead of `5.`".to_owned()),
                ));
            }
            end = digits_from(end + 1);
        }
        // `1,000` would otherwise silently read as 1 followed by text.
        if bytes.get(end) == Some(&b',') && digit_at(end + 1) {
            return Err(ParseError::new(
                end,
                "thousands separators are not supported",
                Some("write `1000` instead of `1,000`".to_owned()),
            ));
        }
        // Only ASCII digits, `-` and `.` reach here, so this never yields NaN.
        let value: f64 = self.src[start..end].parse().unwrap_or(f64::INFINITY);
        if !value.is_finite() {
            return Err(ParseError::new(start, "number is too large", None));
        }
        self.pos = end;
        Ok(value)
    }

    /// A duration, `%`, `/period` or `per period` after the number, with the
    /// value normalised. `None` (cursor untouched) if the next thing is a
    /// counted noun, a stop word, other text or the end.
    fn fixed_unit(&mut self, value: f64) -> Result<Option<Quantity>, ParseError> {
        let mut c = *self;
        c.skip_ws();
        let quantity = match c.peek() {
            Some('%') => {
                c.pos += 1;
                Quantity {
                    value,
                    unit: Unit::Percent,
                }
            }
            Some('/') => {
                c.pos += 1;
                c.skip_ws();
                let word = c.word();
                let Some(period) = RatePeriod::from_word(word) else {
                    return Err(ParseError::new(
                        c.pos,
                        format!("expected a period after `/`, found {}", c.found()),
                        Some("periods are h, hour, day, week and month, e.g. `2/week`".to_owned()),
                    ));
                };
                c.pos += word.len();
                Quantity {
                    value,
                    unit: Unit::Rate(period),
                }
            }
            Some(_) => {
                let word = c.word();
                c.pos += word.len();
                if let Some((mul, div)) = duration_unit(word) {
                    let seconds = value * mul / div;
                    if !seconds.is_finite() {
                        return Err(ParseError::new(self.pos, "duration is too large", None));
                    }
                    Quantity {
                        value: seconds,
                        unit: Unit::Seconds,
                    }
                } else if word.eq_ignore_ascii_case("per") {
                    c.skip_ws();
                    let word = c.word();
                    let Some(period) = RatePeriod::from_word(word) else {
                        return Ok(None);
                    };
                    c.pos += word.len();
                    Quantity {
                        value,
                        unit: Unit::Rate(period),
                    }
                } else {
                    return Ok(None);
                }
            }
            None => return Ok(None),
        };
        *self = c;
        Ok(Some(quantity))
    }

    /// The words after the number up to the first stop word, if any.
    fn counted_noun(&mut self) -> Option<String> {
        let mut c = *self;
        c.skip_ws();
        let word = c.word();
        if word.is_empty() || is_stop_word(word) {
            return None;
        }
        let tail = c.rest();
        let end = words(tail)
            .find(|(_, w)| is_stop_word(w))
            .map_or(tail.len(), |(i, _)| i);
        self.pos = c.pos + end;
        Some(tail[..end].trim_end().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(input: &str) -> Trigger {
        parse_trigger(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e:?}"))
    }

    fn err(input: &str) -> ParseError {
        match parse_trigger(input) {
            Ok(t) => panic!("{input:?} should not parse, got {t:?}"),
            Err(e) => e,
        }
    }

    fn q(value: f64, unit: Unit) -> Quantity {
        Quantity { value, unit }
    }

    fn count(noun: &str) -> Unit {
        Unit::Count(noun.to_owned())
    }

    fn trig(
        comparator: Comparator,
        threshold: Quantity,
        window_seconds: Option<f64>,
        of: Option<&str>,
        rest: Option<&str>,
    ) -> Trigger {
        Trigger {
            comparator,
            threshold,
            window_seconds,
            of: of.map(str::to_owned),
            rest: rest.map(str::to_owned),
        }
    }

    use Comparator::*;

    const SEEDS: [&str; 11] = [
        "> 800ms for 24h",
        "> 70% sustained over 4h",
        "> 0.5% over 1h",
        "> 50 active orgs",
        "> 80% of cluster size",
        "> 70% of pool",
        "> 200 tenant DBs on one cluster",
        "> 5 sec on secondaries",
        "> 50% of interval",
        "> 20 concurrent jobs",
        "≥ 2/week",
    ];

    #[test]
    fn seed_triggers() {
        let expected = [
            trig(Gt, q(0.8, Unit::Seconds), Some(86_400.0), None, None),
            trig(Gt, q(70.0, Unit::Percent), Some(14_400.0), None, None),
            trig(Gt, q(0.5, Unit::Percent), Some(3_600.0), None, None),
            trig(Gt, q(50.0, count("active orgs")), None, None, None),
            trig(Gt, q(80.0, Unit::Percent), None, Some("cluster size"), None),
            trig(Gt, q(70.0, Unit::Percent), None, Some("pool"), None),
            trig(
                Gt,
                q(200.0, count("tenant DBs")),
                None,
                None,
                Some("on one cluster"),
            ),
            trig(
                Gt,
                q(5.0, Unit::Seconds),
                None,
                None,
                Some("on secondaries"),
            ),
            trig(Gt, q(50.0, Unit::Percent), None, Some("interval"), None),
            trig(Gt, q(20.0, count("concurrent jobs")), None, None, None),
            trig(Ge, q(2.0, Unit::Rate(RatePeriod::Week)), None, None, None),
        ];
        for (input, want) in SEEDS.iter().zip(expected) {
            assert_eq!(t(input), want, "{input}");
        }
    }

    #[test]
    fn comparators() {
        for (input, want) in [
            ("> 1", Gt),
            (">= 1", Ge),
            ("≥ 1", Ge),
            ("< 1", Lt),
            ("<= 1", Le),
            ("≤ 1", Le),
            ("= 1", Eq),
        ] {
            let trigger = t(input);
            assert_eq!(trigger.comparator, want, "{input}");
            assert_eq!(trigger.threshold, q(1.0, Unit::Number));
        }
        assert_eq!(Ge.symbol(), ">=");
        assert_eq!(Le.symbol(), "<=");
        assert_eq!(t("≥ 2/week").to_string(), ">= 2/week");
    }

    #[test]
    fn holds() {
        assert!(Gt.holds(2.0, 1.0) && !Gt.holds(1.0, 1.0));
        assert!(Ge.holds(1.0, 1.0) && !Ge.holds(0.5, 1.0));
        assert!(Lt.holds(0.5, 1.0) && !Lt.holds(1.0, 1.0));
        assert!(Le.holds(1.0, 1.0) && !Le.holds(2.0, 1.0));
        assert!(Eq.holds(1.0, 1.0) && !Eq.holds(1.5, 1.0));
    }

    #[test]
    fn duration_units_and_aliases() {
        let cases: [(&[&str], f64); 6] = [
            (
                &["ms", "msec", "msecs", "millisecond", "milliseconds", "MS"],
                0.5,
            ),
            (&["s", "sec", "secs", "second", "seconds"], 500.0),
            (&["min", "mins", "minute", "minutes"], 30_000.0),
            (&["h", "hr", "hrs", "hour", "hours", "Hours"], 1_800_000.0),
            (&["d", "day", "days"], 43_200_000.0),
            (&["w", "wk", "wks", "week", "weeks"], 302_400_000.0),
        ];
        for (aliases, seconds) in cases {
            for alias in aliases {
                for input in [format!("> 500{alias}"), format!("> 500 {alias}")] {
                    assert_eq!(t(&input).threshold, q(seconds, Unit::Seconds), "{input}");
                }
            }
        }
        assert_eq!(t("> 3 days").threshold, q(259_200.0, Unit::Seconds));
    }

    #[test]
    fn whitespace_is_optional() {
        let want = t("> 800ms");
        for input in [
            ">800ms",
            "> 800 ms",
            ">   800   ms",
            "  > 800ms  ",
            "\t>800ms\n",
        ] {
            assert_eq!(t(input), want, "{input:?}");
        }
        assert_eq!(t(">= 5").threshold, q(5.0, Unit::Number));
        assert_eq!(t(">=5").comparator, Ge);
        assert_eq!(t(">70 %").threshold, q(70.0, Unit::Percent));
    }

    #[test]
    fn units_are_whole_words() {
        assert_eq!(t("> 5 hosts").threshold, q(5.0, count("hosts")));
        assert_eq!(t("> 5 mice").threshold, q(5.0, count("mice")));
        assert_eq!(t("> 5 seconds").threshold, q(5.0, Unit::Seconds));
        assert_eq!(t("> 5 often").threshold, q(5.0, count("often")));
        assert_eq!(t("> 5 fortresses").threshold, q(5.0, count("fortresses")));
        // `m` is ambiguous (minute or month), so it is a noun.
        assert_eq!(t("> 5 m").threshold, q(5.0, count("m")));
    }

    #[test]
    fn rates() {
        for (input, period) in [
            ("> 10/h", RatePeriod::Hour),
            ("> 10/hour", RatePeriod::Hour),
            ("> 10 / day", RatePeriod::Day),
            ("> 10/d", RatePeriod::Day),
            ("> 10/week", RatePeriod::Week),
            ("> 10/Week", RatePeriod::Week),
            ("> 10/month", RatePeriod::Month),
            ("> 10 per week", RatePeriod::Week),
            ("> 10 per month", RatePeriod::Month),
        ] {
            assert_eq!(t(input).threshold, q(10.0, Unit::Rate(period)), "{input}");
        }
        assert_eq!(RatePeriod::Month.seconds(), 365.2425 / 12.0 * 86_400.0);
        assert_eq!(t("> 2/week over 4 weeks").window_seconds, Some(2_419_200.0));
        // `per` without a period is just part of a noun.
        assert_eq!(t("> 2 per cent").threshold, q(2.0, count("per cent")));
    }

    #[test]
    fn rate_needs_a_period() {
        let e = err("> 2/fortnight");
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("expected a period"), "{e:?}");
        assert_eq!(err("> 2/").offset, 4);
    }

    #[test]
    fn counted_nouns_stop_at_each_stop_word() {
        let noun = q(5.0, count("busy hosts"));
        assert_eq!(
            t("> 5 busy hosts for 1h"),
            trig(Gt, noun.clone(), Some(3_600.0), None, None)
        );
        assert_eq!(
            t("> 5 busy hosts over 2h"),
            trig(Gt, noun.clone(), Some(7_200.0), None, None)
        );
        assert_eq!(
            t("> 5 busy hosts sustained over 30 min"),
            trig(Gt, noun.clone(), Some(1_800.0), None, None)
        );
        assert_eq!(
            t("> 5 busy hosts of the fleet"),
            trig(Gt, noun.clone(), None, Some("the fleet"), None)
        );
        assert_eq!(
            t("> 5 busy hosts on one rack"),
            trig(Gt, noun.clone(), None, None, Some("on one rack"))
        );
        assert_eq!(
            t("> 5 busy hosts ON one rack"),
            trig(Gt, noun.clone(), None, None, Some("ON one rack"))
        );
        assert_eq!(
            t("> 5 busy hosts for ever"),
            trig(Gt, noun, None, None, Some("for ever"))
        );
        // The noun keeps its spelling but not surrounding whitespace.
        assert_eq!(
            t(">5   Tenant  DBs  ").threshold,
            q(5.0, count("Tenant  DBs"))
        );
    }

    #[test]
    fn stop_word_right_after_number_means_bare_number() {
        assert_eq!(
            t("> 5 for 10 min"),
            trig(Gt, q(5.0, Unit::Number), Some(600.0), None, None)
        );
        assert_eq!(
            t("> 5 on primaries"),
            trig(Gt, q(5.0, Unit::Number), None, None, Some("on primaries"))
        );
        assert_eq!(
            t("> 5 (approx)"),
            trig(Gt, q(5.0, Unit::Number), None, None, Some("(approx)"))
        );
    }

    #[test]
    fn windows() {
        for (input, seconds) in [
            ("> 70% for 24h", 86_400.0),
            ("> 70% over 1h", 3_600.0),
            ("> 70% sustained over 4 hours", 14_400.0),
            ("> 70% sustained for 30 min", 1_800.0),
            ("> 70% for 1.5h", 5_400.0),
            ("> 70% FOR 2 days", 172_800.0),
            ("> 70% over 500ms", 0.5),
        ] {
            let trigger = t(input);
            assert_eq!(trigger.window_seconds, Some(seconds), "{input}");
            assert_eq!((trigger.of, trigger.rest), (None, None), "{input}");
        }
        // Not followed by a duration: free text, not an error.
        for input in [
            "> 70% for ever",
            "> 70% over budget",
            "> 70% for 5 hosts",
            "> 70% for",
        ] {
            let trigger = t(input);
            assert_eq!(trigger.window_seconds, None, "{input}");
            assert_eq!(trigger.rest.as_deref(), input.get(6..), "{input}");
        }
        assert_eq!(
            t("> 70% for 1h on weekdays"),
            trig(
                Gt,
                q(70.0, Unit::Percent),
                Some(3_600.0),
                None,
                Some("on weekdays")
            )
        );
        assert_eq!(
            t("> 70% on weekdays over 1h"),
            trig(
                Gt,
                q(70.0, Unit::Percent),
                Some(3_600.0),
                None,
                Some("on weekdays")
            )
        );
    }

    #[test]
    fn of_clause() {
        assert_eq!(
            t("> 80% of cluster size sustained over 4h"),
            trig(
                Gt,
                q(80.0, Unit::Percent),
                Some(14_400.0),
                Some("cluster size"),
                None
            )
        );
        assert_eq!(
            t("> 80% of pool for 1h on primaries"),
            trig(
                Gt,
                q(80.0, Unit::Percent),
                Some(3_600.0),
                Some("pool"),
                Some("on primaries")
            )
        );
        assert_eq!(t("> 80% OF pool").of.as_deref(), Some("pool"));
        // `of` with nothing after it is kept as text rather than dropped.
        let bare = t("> 80% of");
        assert_eq!((bare.of, bare.rest.as_deref()), (None, Some("of")));
        // Only a leading `of` is the of-clause.
        let late = t("> 80% on one of them");
        assert_eq!(
            (late.of, late.rest.as_deref()),
            (None, Some("on one of them"))
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(t("> 1.5").threshold, q(1.5, Unit::Number));
        assert_eq!(t("> 0.5%").threshold, q(0.5, Unit::Percent));
        assert_eq!(t("< -3").threshold, q(-3.0, Unit::Number));
        assert_eq!(t("> -1.25 s").threshold, q(-1.25, Unit::Seconds));
        assert_eq!(t("> 007").threshold, q(7.0, Unit::Number));

        let e = err("> .5");
        assert_eq!(e.offset, 2);
        assert!(e.help.as_deref().unwrap().contains("0.5"));
        let e = err("> 5.");
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("after the decimal point"));
        let e = err("> 1,000 requests");
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("thousands"));
        assert_eq!(err("> - 3").offset, 2);
        assert_eq!(err("> NaN").offset, 2);
        assert_eq!(err("> inf").offset, 2);
        let huge = format!("> {}", "9".repeat(400));
        assert!(err(&huge).message.contains("too large"));
        let huge_hours = format!("> {}.0h", "9".repeat(305));
        assert!(err(&huge_hours).message.contains("too large"));
    }

    #[test]
    fn rejected_triggers() {
        let e = err("around 800ms");
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("expected a comparator"), "{e:?}");
        for symbol in [">", ">=", "≥", "<", "<=", "≤", "="] {
            assert!(e.message.contains(symbol), "{e:?} lists {symbol}");
        }
        assert!(e.help.as_deref().unwrap().contains("`> 800ms`"));

        let e = err("800ms");
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("expected a comparator"));
        assert_eq!(
            e.help.as_deref(),
            Some("start the trigger with a comparator, e.g. write it as `> 800ms`")
        );

        let e = err("> fast");
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("expected a number"), "{e:?}");
        assert!(e.message.contains("`fast`"), "{e:?}");

        let e = err(">");
        assert_eq!(e.offset, 1);
        assert!(e.message.contains("expected a number"));
        assert!(e.message.contains("end of input"));

        for blank in ["", " ", "\t\n  "] {
            let e = err(blank);
            assert_eq!(e.offset, 0);
            assert_eq!(e.message, "empty trigger");
        }

        // Offsets refer to the original input, leading whitespace included.
        assert_eq!(err("  around").offset, 2);
        assert_eq!(err("  >  fast").offset, 5);
        assert_eq!(err("≥≥").offset, 3);
        assert_eq!(err("=> 5").offset, 1);
    }

    #[test]
    fn display_is_canonical() {
        for (input, canonical) in [
            ("> 800ms for 24h", "> 800ms for 24h"),
            (">800 ms over 1 day", "> 800ms for 24h"),
            ("> 70% sustained over 4h", "> 70% for 4h"),
            ("> 80 % of cluster size", "> 80% of cluster size"),
            (
                "> 200 tenant DBs on one cluster",
                "> 200 tenant DBs on one cluster",
            ),
            ("≥ 2 / week", ">= 2/week"),
            ("> 3 per month", "> 3/month"),
            ("> 5 sec on secondaries", "> 5s on secondaries"),
            ("> 90 s", "> 1.5min"),
            ("> 7 days", "> 7d"),
            ("> 0.5 ms", "> 0.5ms"),
            ("> 100000 s", "> 100000s"),
            ("<= 0 s", "<= 0s"),
            ("> 50", "> 50"),
            ("> 5 on x for 1h", "> 5 for 1h on x"),
        ] {
            assert_eq!(t(input).to_string(), canonical, "{input}");
        }
    }

    #[test]
    fn display_round_trips() {
        let extra = [
            ">800 ms",
            "> 1.5h",
            "> 0.001 s",
            "> 0.0001234 s",
            "> 100000 s",
            "> 1.1 hours",
            "> 0.3 s over 0.7 s",
            "< -3 min",
            "= 0",
            "> 80% of pool for 1h on primaries",
            "> 70% on weekdays over 1h",
            "> 5 busy hosts for ever",
            "> 5 hosts( for 1h )",
            "> 80% of",
            "> 80% of for 1h",
            "> 70% for 1h for 2h",
            "> 2 per cent",
            "> 5 (approx)",
            "> 70%cpu",
            "> 3/month over 2 weeks",
        ];
        for input in SEEDS.iter().chain(&extra) {
            let trigger = t(input);
            let text = trigger.to_string();
            assert_eq!(t(&text), trigger, "{input} -> {text}");
        }
        // Odd durations must still round-trip exactly.
        for seconds in [
            0.1,
            0.7,
            1.0 / 3.0,
            59.999,
            3_599.5,
            86_399.9,
            1e-9,
            123_456.789,
        ] {
            let trigger = trig(Lt, q(seconds, Unit::Seconds), Some(seconds), None, None);
            assert_eq!(t(&trigger.to_string()), trigger, "{seconds}");
        }
    }

    #[test]
    fn describe() {
        for (input, line) in [
            ("> 800ms for 24h", "> 0.8 s, window 24 h"),
            ("> 80% of cluster size", "> 80 % of cluster size"),
            (
                "> 200 tenant DBs on one cluster",
                "> 200 tenant DBs (on one cluster)",
            ),
            ("≥ 2/week", "≥ 2 per week"),
            ("<= 5", "≤ 5"),
            ("> 26h", "> 26 h"),
            ("> 90 s", "> 1.5 min"),
            ("< 5 min for 2d", "< 5 min, window 2 d"),
            (
                "> 80% of pool for 30 min on primaries",
                "> 80 % of pool (on primaries), window 30 min",
            ),
        ] {
            assert_eq!(t(input).describe(), line, "{input}");
        }
    }

    #[test]
    fn a_value_without_a_number_is_told_how_to_write_a_value_not_a_trigger() {
        let e = parse_quantity("about 500ms").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.help.as_deref().unwrap().contains("`590ms`"), "{e:?}");
        let e = parse_trigger("> about 500ms").unwrap_err();
        assert!(e.help.as_deref().unwrap().contains("`> 800ms`"), "{e:?}");
    }

    #[test]
    fn quantities() {
        for (input, want) in [
            ("420ms", q(0.42, Unit::Seconds)),
            ("0.4 s", q(0.4, Unit::Seconds)),
            ("61%", q(61.0, Unit::Percent)),
            ("42", q(42.0, Unit::Number)),
            (" 42 ", q(42.0, Unit::Number)),
            ("42 active orgs", q(42.0, count("active orgs"))),
            ("3 jobs on cluster A", q(3.0, count("jobs on cluster A"))),
            ("1/week", q(1.0, Unit::Rate(RatePeriod::Week))),
            ("1 per day", q(1.0, Unit::Rate(RatePeriod::Day))),
        ] {
            assert_eq!(parse_quantity(input), Ok(want), "{input}");
        }
        assert_eq!(parse_quantity("").unwrap_err().message, "empty quantity");
        assert_eq!(parse_quantity("> 5").unwrap_err().offset, 0);
        assert_eq!(parse_quantity("fast").unwrap_err().offset, 0);
        let e = parse_quantity("420ms p99").unwrap_err();
        assert_eq!(e.offset, 6);
        assert!(e.message.contains("`p99`"));
        assert_eq!(parse_quantity("42 (peak)").unwrap_err().offset, 3);
    }

    #[test]
    fn quantity_display_reparses() {
        for input in [
            "420ms",
            "61%",
            "42",
            "42 active orgs",
            "1/week",
            "0.4 s",
            "3 days",
        ] {
            let quantity = parse_quantity(input).unwrap();
            assert_eq!(
                parse_quantity(&quantity.to_string()),
                Ok(quantity),
                "{input}"
            );
        }
    }

    #[test]
    fn convert_units() {
        let conv = |observed: &str, trigger: &str| {
            convert(
                &parse_quantity(observed).unwrap(),
                &t(trigger).threshold.unit,
            )
        };
        assert_eq!(conv("420ms", "> 1 s"), Ok(0.42));
        assert_eq!(conv("2 min", "> 800ms"), Ok(120.0));
        assert_eq!(conv("1/day", "> 2/week"), Ok(7.0));
        assert_eq!(conv("14/week", "> 1/day"), Ok(2.0));
        assert_eq!(conv("3/month", "> 1/month"), Ok(3.0));
        assert_eq!(conv("61%", "> 70% of pool"), Ok(61.0));
        assert_eq!(conv("42", "> 50 active orgs"), Ok(42.0));
        assert_eq!(conv("42 Active  orgs", "> 50 active orgs"), Ok(42.0));
        assert_eq!(conv("42", "> 50"), Ok(42.0));

        assert_eq!(
            conv("61%", "> 800ms"),
            Err("61% is a percentage, but the trigger is a duration".to_owned())
        );
        assert_eq!(
            conv("42 tenant DBs", "> 50 active orgs"),
            Err(
                "42 tenant DBs is a count of tenant DBs, but the trigger is a count of active orgs"
                    .to_owned()
            )
        );
        assert!(conv("42", "> 70%").unwrap_err().contains("bare number"));
        assert!(conv("42 orgs", "> 50").is_err());
        assert!(
            conv("1/week", "> 5 s")
                .unwrap_err()
                .contains("rate per week")
        );
        assert!(conv("5 s", "> 1/day").is_err());
    }

    #[test]
    fn seed_observations_convert_against_seed_triggers() {
        // Observed values as a headroom report writes them, one per seed.
        let observed = [
            "420ms",
            "38%",
            "0.12%",
            "9 active orgs",
            "41%",
            "22%",
            "9 tenant DBs",
            "0.4 sec",
            "12%",
            "12 concurrent jobs",
            "0/week",
        ];
        let expected = [0.42, 38.0, 0.12, 9.0, 41.0, 22.0, 9.0, 0.4, 12.0, 12.0, 0.0];
        for ((trigger, observed), want) in SEEDS.iter().zip(observed).zip(expected) {
            let trigger = t(trigger);
            let value = convert(&parse_quantity(observed).unwrap(), &trigger.threshold.unit);
            assert_eq!(value, Ok(want), "{observed} against {trigger}");
            assert!(!trigger.comparator.holds(want, trigger.threshold.value));
        }
    }

    #[test]
    fn headroom_fractions() {
        assert_eq!(headroom(Gt, 600.0, 800.0), Some(0.25));
        assert_eq!(headroom(Ge, 1000.0, 800.0), Some(-0.25));
        assert_eq!(headroom(Lt, 150.0, 100.0), Some(0.5));
        assert_eq!(headroom(Le, 50.0, 100.0), Some(-0.5));
        assert_eq!(headroom(Gt, -2.0, -4.0), Some(-0.5));
        assert_eq!(headroom(Eq, 1.0, 2.0), None);
        assert_eq!(headroom(Gt, 1.0, 0.0), None);
        assert_eq!(headroom(Lt, 1.0, 0.0), None);
        assert_eq!(headroom(Gt, f64::NAN, 1.0), None);
    }

    #[test]
    fn odd_input_never_panics() {
        let nasty = [
            "≥≥",
            "> 5 ü",
            "\u{0}",
            "> \u{0}",
            ">",
            "<",
            "≤",
            "> 5 ü for 1h",
            "> 5ü",
            "> 5 /",
            "> 5 / ü",
            "> 5 per",
            "> 5 per ü",
            "> 5 for ü",
            "> 5 for 1 ü",
            "> 5 sustained",
            "> 5 sustained over",
            "> 5 of",
            "> 5 of ü for 1h",
            "> -",
            "> -.",
            "> 1.",
            "> 1.ü",
            "> 1,",
            "> 1,ü",
            "> 5 %ü",
            "> 5 \u{200b}h",
            "> 5 h\u{301}",
            "🦀",
            "> 🦀",
            "> 5 🦀 for 2h 🦀",
            "> 5 ﬁles",
            "> ٣",
            "> 5 ٣",
            "\u{feff}> 5",
            "> 5\u{a0}ms",
            "> 5 İstanbul on x",
            "> 5 ß of ẞ",
        ];
        for input in nasty {
            if let Ok(trigger) = parse_trigger(input) {
                let _ = trigger.describe();
                assert_eq!(t(&trigger.to_string()), trigger, "{input:?}");
            } else if let Err(e) = parse_trigger(input) {
                assert!(input.is_char_boundary(e.offset), "{input:?}: {e:?}");
            }
            if let Ok(quantity) = parse_quantity(input) {
                let _ = convert(&quantity, &Unit::Seconds);
            }
        }
    }
}

/// Properties over generated input: the grammar never panics, whatever it
/// accepts prints back to an equal trigger, and units convert consistently.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn comparator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![">", ">=", "≥", "<", "<=", "≤", "="])
    }

    /// Numbers as people write them: integers, decimals, negatives, zero padding.
    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..100_000).prop_map(|n| n.to_string()),
            (0u64..10_000, 0u32..1_000_000).prop_map(|(i, f)| format!("{i}.{f}")),
            (1u64..1_000).prop_map(|n| format!("-{n}")),
            (0u64..100).prop_map(|n| format!("00{n}")),
            "[0-9]{1,20}(\\.[0-9]{1,20})?",
        ]
    }

    fn unit() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            prop::sample::select(vec![
                "ms",
                " ms",
                "s",
                " sec",
                " seconds",
                "min",
                " minutes",
                "h",
                " hours",
                "d",
                " days",
                "w",
                " weeks",
                "%",
                " %",
                "/h",
                "/hour",
                "/day",
                " / week",
                "/month",
                " per day",
                " per week",
                " per month",
                " per hr",
            ])
            .prop_map(str::to_owned),
            // Counted nouns, stop words and near-units included.
            "( [a-zA-Z]{1,8}){1,3}",
        ]
    }

    fn clause() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            (
                number(),
                prop::sample::select(vec!["ms", "s", "min", "h", "hours", "d", "w"])
            )
                .prop_map(|(n, u)| format!(" for {n}{u}")),
            (
                number(),
                prop::sample::select(vec!["ms", " s", " min", "h", " days"])
            )
                .prop_map(|(n, u)| format!(" sustained over {n}{u}")),
            "( of [a-zA-Z]{1,8}){0,2}",
            "( on [a-zA-Z ()]{0,12})",
            "( [a-zA-Z0-9()/%.,-]{1,6}){0,4}",
        ]
    }

    /// Text shaped like a trigger, valid or nearly so.
    fn trigger_text() -> impl Strategy<Value = String> {
        (comparator(), " {0,2}", number(), unit(), clause(), clause())
            .prop_map(|(c, ws, n, u, a, b)| format!("{c}{ws}{n}{u}{a}{b}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn any_text_is_a_trigger_or_a_located_error(text in "\\PC{0,40}") {
            match parse_trigger(&text) {
                Ok(trigger) => {
                    let _ = trigger.describe();
                    prop_assert_eq!(parse_trigger(&trigger.to_string()), Ok(trigger));
                }
                Err(e) => prop_assert!(text.is_char_boundary(e.offset), "{:?}", e),
            }
            if let Ok(quantity) = parse_quantity(&text) {
                prop_assert!(quantity.value.is_finite());
            }
        }

        #[test]
        fn every_valid_trigger_prints_back_to_an_equal_trigger(text in trigger_text()) {
            if let Ok(trigger) = parse_trigger(&text) {
                let printed = trigger.to_string();
                prop_assert_eq!(parse_trigger(&printed), Ok(trigger), "{} printed as {}", text, printed);
                // Printing is canonical: printing again changes nothing.
                prop_assert_eq!(parse_trigger(&printed).unwrap().to_string(), printed);
            }
        }

        #[test]
        fn every_observed_quantity_prints_back_to_an_equal_quantity(
            text in (number(), unit()).prop_map(|(n, u)| format!("{n}{u}"))
        ) {
            if let Ok(quantity) = parse_quantity(&text) {
                let printed = quantity.to_string();
                prop_assert_eq!(parse_quantity(&printed), Ok(quantity), "{} printed as {}", text, printed);
            }
        }

        #[test]
        fn durations_convert_to_the_same_seconds_whatever_the_unit(n in 0u32..100_000) {
            let seconds = |text: &str| convert(&parse_quantity(text).unwrap(), &Unit::Seconds).unwrap();
            let n = f64::from(n);
            prop_assert_eq!(seconds(&format!("{}ms", n * 1000.0)), n);
            prop_assert_eq!(seconds(&format!("{n} s")), n);
            prop_assert_eq!(seconds(&format!("{} min", n)), n * 60.0);
            prop_assert_eq!(seconds(&format!("{}h", n)), n * 3_600.0);
            prop_assert_eq!(seconds(&format!("{} days", n)), n * 86_400.0);
            prop_assert_eq!(seconds(&format!("{} weeks", n)), n * 604_800.0);
            // A trigger and an observation written in different units agree.
            let trigger = parse_trigger(&format!("> {n} min")).unwrap();
            let observed = parse_quantity(&format!("{} s", n * 60.0)).unwrap();
            let value = convert(&observed, &trigger.threshold.unit).unwrap();
            prop_assert!(!trigger.comparator.holds(value, trigger.threshold.value));
            prop_assert!(Comparator::Ge.holds(value, trigger.threshold.value));
        }

        #[test]
        fn rates_convert_there_and_back(
            n in 0u32..1_000_000,
            from in prop::sample::select(vec![RatePeriod::Hour, RatePeriod::Day, RatePeriod::Week, RatePeriod::Month]),
            to in prop::sample::select(vec![RatePeriod::Hour, RatePeriod::Day, RatePeriod::Week, RatePeriod::Month]),
        ) {
            let v = f64::from(n);
            let there = convert(&Quantity { value: v, unit: Unit::Rate(from) }, &Unit::Rate(to)).unwrap();
            let back = convert(&Quantity { value: there, unit: Unit::Rate(to) }, &Unit::Rate(from)).unwrap();
            prop_assert!((back - v).abs() <= v * 1e-12, "{} -> {} -> {}", v, there, back);
            // Per week is seven times per day, exactly.
            if from == RatePeriod::Day && to == RatePeriod::Week {
                prop_assert_eq!(there, v * 7.0);
            }
        }

        #[test]
        fn units_of_different_kinds_never_convert(
            value in -1e6f64..1e6,
            a in 0usize..6,
            b in 0usize..6,
        ) {
            let units = [
                Unit::Seconds,
                Unit::Percent,
                Unit::Rate(RatePeriod::Day),
                Unit::Count("tenant DBs".to_owned()),
                Unit::Count("active orgs".to_owned()),
                Unit::Number,
            ];
            let kind = |i: usize| match i { 3 | 4 => 10 + i, 5 => 3, i => i };
            let observed = Quantity { value, unit: units[a].clone() };
            let result = convert(&observed, &units[b]);
            // Same kind, or a bare number counted against a noun: converts.
            let compatible = kind(a) == kind(b) || (a == 5 && (b == 3 || b == 4));
            prop_assert_eq!(result.is_ok(), compatible, "{:?} against {:?}: {:?}", units[a], units[b], result);
            if let Ok(v) = result {
                prop_assert!(v.is_finite());
            }
        }

        #[test]
        fn headroom_agrees_with_the_comparison(
            observed in -1e6f64..1e6,
            threshold in prop_oneof![-1e6f64..-1e-3, 1e-3f64..1e6],
            c in prop::sample::select(vec![Comparator::Gt, Comparator::Ge, Comparator::Lt, Comparator::Le]),
        ) {
            let h = headroom(c, observed, threshold).unwrap();
            let holds = c.holds(observed, threshold);
            match c {
                Comparator::Gt | Comparator::Lt => prop_assert_eq!(holds, h < 0.0, "{}", h),
                _ => prop_assert_eq!(holds, h <= 0.0, "{}", h),
            }
        }
    }
}
