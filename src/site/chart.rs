//! Small trend charts drawn at build time as inline SVG: no JavaScript, crisp
//! in print. Observed values over the report dates, the trigger threshold as
//! a line, and the margin before it as a band.

use std::fmt::Write;

use chrono::Days;

use crate::forecast::Projection;
use crate::model::trigger::Comparator;
use crate::site::facts::MetricFacts;
use crate::site::markdown::escape;

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 140.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 22.0;
/// How far a projection that trips nothing is drawn past the last observation.
const PROJECTION_DAYS: u64 = 182;

/// An SVG chart of a metric's history, or `None` when it has no observations.
pub fn svg(metric: &MetricFacts, margin: Option<f64>) -> Option<String> {
    let history = &metric.history;
    let first = history.first()?;
    let last = history.last()?;
    let threshold = metric.trigger.threshold.value;
    let band = band(metric.trigger.comparator, threshold, margin);

    let values = history.iter().map(|o| o.observed);
    let edges = [
        threshold,
        band.map_or(threshold, |b| b.0),
        band.map_or(threshold, |b| b.1),
        0.0,
    ];
    let (mut low, mut high) = values
        .chain(edges)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let pad = ((high - low) * 0.1).max(f64::EPSILON);
    if low < 0.0 {
        low -= pad;
    }
    high += pad;

    // The projection runs dashed from the last observation to the trip date,
    // or half a year on when no trip is projected, clipped to the chart.
    let projection = metric.forecast.as_ref().and_then(|f| {
        let end = match f.projection {
            Projection::Trips { date } => date,
            Projection::NotWithinHorizon => {
                last.date.checked_add_days(Days::new(PROJECTION_DAYS))?
            }
            Projection::CrossedAlready { .. } | Projection::Tripped => return None,
        };
        Some((f, end))
    });
    let end = projection.map_or(last.date, |(_, end)| end.max(last.date));
    let days = (end - first.date).num_days().max(1) as f64;
    let x = |date: chrono::NaiveDate| {
        LEFT + (date - first.date).num_days() as f64 / days * (WIDTH - LEFT - RIGHT)
    };
    let y = |v: f64| TOP + (high - v) / (high - low) * (HEIGHT - TOP - BOTTOM);
    let single = history.len() == 1;
    let x_of = |date| if single { WIDTH / 2.0 } else { x(date) };

    let label = format!(
        "{} ({}) — trigger {}",
        metric.metric, metric.group, metric.trigger_text
    );
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(&label)
    );
    let _ = write!(s, "<title>{}</title>", escape(&label));
    if let Some((a, b)) = band {
        let (top, bottom) = (y(a.max(b)), y(a.min(b)));
        let _ = write!(
            s,
            r#"<rect class="band" x="{LEFT}" y="{top:.1}" width="{:.1}" height="{:.1}"/>"#,
            WIDTH - LEFT - RIGHT,
            (bottom - top).max(0.5)
        );
    }
    let ty = y(threshold);
    let _ = write!(
        s,
        r#"<line class="threshold" x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}"/>"#,
        WIDTH - RIGHT
    );
    let _ = write!(
        s,
        r#"<text class="threshold-label" x="{:.1}" y="{:.1}" text-anchor="end">trigger {}</text>"#,
        WIDTH - RIGHT,
        (ty - 4.0).max(10.0),
        escape(&metric.trigger_text)
    );
    if let Some((forecast, end)) = projection {
        let (mut to, mut value) = (end, forecast.value_on(end));
        if !(low..=high).contains(&value) && forecast.slope_per_day != 0.0 {
            // Stop where the line leaves the chart.
            let bound = value.clamp(low, high);
            let start_value = forecast.value_on(last.date);
            let steps = ((bound - start_value) / forecast.slope_per_day).max(0.0);
            to = last
                .date
                .checked_add_days(Days::new(steps as u64))
                .unwrap_or(end)
                .min(end);
            value = forecast.value_on(to);
        }
        let _ = write!(
            s,
            r#"<line class="projection" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"><title>{}</title></line>"#,
            x_of(last.date),
            y(forecast.value_on(last.date)),
            x(to),
            y(value),
            escape(&forecast.describe())
        );
    }
    let points: Vec<String> = history
        .iter()
        .map(|o| format!("{:.1},{:.1}", x_of(o.date), y(o.observed)))
        .collect();
    let _ = write!(
        s,
        r#"<polyline class="observed" points="{}"/>"#,
        points.join(" ")
    );
    for o in history {
        let _ = write!(
            s,
            r#"<circle class="point {}" cx="{:.1}" cy="{:.1}" r="3"><title>{}: {}</title></circle>"#,
            level_class(o.level),
            x_of(o.date),
            y(o.observed),
            o.date,
            escape(&o.text)
        );
    }
    let baseline = HEIGHT - 6.0;
    let _ = write!(
        s,
        r#"<text class="axis" x="{LEFT}" y="{baseline}">{}</text>"#,
        first.date
    );
    if !single {
        let _ = write!(
            s,
            r#"<text class="axis" x="{:.1}" y="{baseline}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            end
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// The values within `margin` of the threshold, on the side before it trips.
fn band(comparator: Comparator, threshold: f64, margin: Option<f64>) -> Option<(f64, f64)> {
    let width = threshold.abs() * margin?;
    match comparator {
        Comparator::Gt | Comparator::Ge => Some((threshold - width, threshold)),
        Comparator::Lt | Comparator::Le => Some((threshold, threshold + width)),
        Comparator::Eq => None,
    }
}

pub fn level_class(level: crate::evaluate::Level) -> &'static str {
    match level {
        crate::evaluate::Level::Ok => "ok",
        crate::evaluate::Level::ActBeforeItTrips => "act",
        crate::evaluate::Level::Tripped => "tripped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Level;
    use crate::model::trigger::parse_trigger;
    use crate::site::facts::ObservationFacts;

    fn metric(values: &[(&str, f64)]) -> MetricFacts {
        MetricFacts {
            group: "G".into(),
            metric: "Storage <used>".into(),
            anchor: "metric-g-storage-used".into(),
            trigger_text: "> 80%".into(),
            trigger: parse_trigger("> 80%").unwrap(),
            threshold: "> 80 %".into(),
            response: "Upgrade".into(),
            query: None,
            history: values
                .iter()
                .map(|(d, v)| ObservationFacts {
                    date: d.parse().unwrap(),
                    report_url: "".into(),
                    text: format!("{v}%"),
                    observed: *v,
                    display: format!("{v}%"),
                    headroom: None,
                    level: Level::Ok,
                })
                .collect(),
            latest: None,
            forecast: None,
            forecast_note: None,
        }
    }

    #[test]
    fn draws_values_threshold_and_band() {
        let svg = svg(
            &metric(&[
                ("2026-03-03", 41.0),
                ("2026-04-07", 45.0),
                ("2026-05-05", 50.0),
            ]),
            Some(0.25),
        )
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains(r#"class="band""#));
        assert!(svg.contains(r#"class="threshold""#));
        assert!(svg.contains("Storage &lt;used&gt;"), "labels are escaped");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn handles_one_point_and_no_points() {
        assert!(svg(&metric(&[]), None).is_none());
        let svg = svg(&metric(&[("2026-03-03", 80.0)]), None).unwrap();
        assert!(!svg.contains("NaN") && !svg.contains(r#"class="band""#));
    }
}
