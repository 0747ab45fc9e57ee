//! Projecting when a metric will meet its trigger, so the founder can move
//! before it fires. The trend is a Theil–Sen line (the median of the slopes
//! between every pair of observations), which one odd month cannot swing;
//! the projection is where that line meets the threshold.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::model::trigger::Comparator;

/// Fewer observations than this make no trend worth projecting.
pub const MIN_POINTS: usize = 3;
/// How far ahead a projection is reported.
pub const HORIZON_DAYS: u64 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Projection {
    /// The trend meets the trigger on this day, after the latest observation.
    Trips { date: NaiveDate },
    /// The trend line already crossed the trigger on this day, though the
    /// latest observation did not: the trend and the data disagree.
    CrossedAlready { date: NaiveDate },
    /// The trend does not reach the trigger within the horizon (flat, moving
    /// away, or too slow).
    NotWithinHorizon,
    /// The latest observation already meets the trigger.
    Tripped,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Forecast {
    /// Change per day, in the trigger's scale.
    pub slope_per_day: f64,
    /// The trend's value on the first observation's date.
    pub intercept: f64,
    pub first: NaiveDate,
    pub points: usize,
    pub projection: Projection,
}

impl Forecast {
    /// The projection in words: "projected to trip around 2027-03-14".
    pub fn describe(&self) -> String {
        match self.projection {
            Projection::Trips { date } => format!("projected to trip around {date}"),
            Projection::CrossedAlready { date } => format!(
                "the trend crossed the trigger around {date}, though the latest observation has not: check the data"
            ),
            Projection::NotWithinHorizon => "no trip projected within 12 months".to_owned(),
            Projection::Tripped => "already tripped".to_owned(),
        }
    }

    /// The trend's value on a day.
    pub fn value_on(&self, date: NaiveDate) -> f64 {
        self.intercept + self.slope_per_day * (date - self.first).num_days() as f64
    }
}

/// Fits the trend of `points` (date, value in the trigger's scale; sorted by
/// date) and projects when it meets `comparator threshold`, up to a year after
/// `today`. `None` with fewer than three points, or for `=` triggers, which
/// have no direction to project.
pub fn forecast(
    points: &[(NaiveDate, f64)],
    comparator: Comparator,
    threshold: f64,
    today: NaiveDate,
) -> Option<Forecast> {
    if points.len() < MIN_POINTS || comparator == Comparator::Eq {
        return None;
    }
    let first = points[0].0;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|(d, v)| ((*d - first).num_days() as f64, *v))
        .filter(|(_, v)| v.is_finite())
        .collect();
    let slopes: Vec<f64> = xy
        .iter()
        .enumerate()
        .flat_map(|(i, a)| xy[i + 1..].iter().map(move |b| (a, b)))
        .filter(|(a, b)| b.0 != a.0)
        .map(|(a, b)| (b.1 - a.1) / (b.0 - a.0))
        .collect();
    let slope = median(slopes)?;
    let intercept = median(xy.iter().map(|(x, y)| y - slope * x).collect())?;
    let (last_date, last_value) = *points.last()?;

    let projection = if comparator.holds(last_value, threshold) {
        Projection::Tripped
    } else {
        let rising = matches!(comparator, Comparator::Gt | Comparator::Ge);
        let toward = if rising { slope > 0.0 } else { slope < 0.0 };
        let horizon = today
            .checked_add_days(Days::new(HORIZON_DAYS))
            .unwrap_or(NaiveDate::MAX);
        // The day the trend line meets the threshold.
        let meets = (threshold - intercept) / slope;
        match toward
            .then(|| first.checked_add_signed(chrono::Duration::days(meets.ceil() as i64)))
            .flatten()
        {
            Some(date) if date <= last_date => Projection::CrossedAlready { date },
            Some(date) if date <= horizon => Projection::Trips { date },
            _ => Projection::NotWithinHorizon,
        }
    };
    Some(Forecast {
        slope_per_day: slope,
        intercept,
        first,
        points: points.len(),
        projection,
    })
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Monthly points from 2026-01-01, 30 days apart.
    fn series(values: &[f64]) -> Vec<(NaiveDate, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (d("2026-01-01") + Days::new(30 * i as u64), *v))
            .collect()
    }

    #[test]
    fn rising_series_projects_its_trip_date() {
        // +3 per 30 days from 40: meets 80 after 400 days, on 2027-02-05.
        let f = forecast(
            &series(&[40.0, 43.0, 46.0, 49.0, 52.0]),
            Comparator::Gt,
            80.0,
            d("2026-05-01"),
        )
        .unwrap();
        assert!((f.slope_per_day - 0.1).abs() < 1e-12);
        assert_eq!(
            f.projection,
            Projection::Trips {
                date: d("2027-02-05")
            }
        );
        assert!((f.value_on(d("2027-02-05")) - 80.0).abs() < 1e-9);
    }

    #[test]
    fn flat_and_falling_series_do_not_trip() {
        let today = d("2026-06-01");
        let flat = forecast(
            &series(&[50.0, 50.0, 50.0, 50.0]),
            Comparator::Gt,
            80.0,
            today,
        )
        .unwrap();
        assert_eq!(flat.projection, Projection::NotWithinHorizon);
        let falling = forecast(&series(&[70.0, 65.0, 60.0]), Comparator::Gt, 80.0, today).unwrap();
        assert_eq!(falling.projection, Projection::NotWithinHorizon);
        // For a `<` trigger, falling is the direction that trips.
        let below = forecast(&series(&[70.0, 65.0, 60.0]), Comparator::Lt, 40.0, today).unwrap();
        // -5 per 30 days from 70: meets 40 after 180 days.
        assert_eq!(
            below.projection,
            Projection::Trips {
                date: d("2026-06-30")
            }
        );
    }

    #[test]
    fn too_slow_to_trip_within_a_year() {
        let f = forecast(
            &series(&[10.0, 10.3, 10.6, 10.9]),
            Comparator::Gt,
            80.0,
            d("2026-04-01"),
        )
        .unwrap();
        assert_eq!(f.projection, Projection::NotWithinHorizon);
    }

    #[test]
    fn one_outlier_does_not_swing_the_trend() {
        let steady = forecast(
            &series(&[40.0, 43.0, 46.0, 49.0, 52.0, 55.0]),
            Comparator::Gt,
            80.0,
            d("2026-07-01"),
        )
        .unwrap();
        let spiked = forecast(
            &series(&[40.0, 43.0, 95.0, 49.0, 52.0, 55.0]),
            Comparator::Gt,
            200.0,
            d("2026-07-01"),
        )
        .unwrap();
        assert!(
            (spiked.slope_per_day - steady.slope_per_day).abs() < 0.02,
            "{} vs {}",
            spiked.slope_per_day,
            steady.slope_per_day
        );
    }

    #[test]
    fn noisy_series_follow_their_trend() {
        let f = forecast(
            &series(&[40.0, 44.5, 45.0, 50.5, 51.0, 55.5, 56.0]),
            Comparator::Ge,
            80.0,
            d("2026-07-01"),
        )
        .unwrap();
        assert!(
            f.slope_per_day > 0.08 && f.slope_per_day < 0.12,
            "{}",
            f.slope_per_day
        );
        assert!(matches!(f.projection, Projection::Trips { .. }));
    }

    #[test]
    fn fewer_than_three_points_or_equality_give_no_forecast() {
        assert!(
            forecast(
                &series(&[40.0, 50.0]),
                Comparator::Gt,
                80.0,
                d("2026-03-01")
            )
            .is_none()
        );
        assert!(
            forecast(
                &series(&[1.0, 1.0, 1.0]),
                Comparator::Eq,
                0.0,
                d("2026-04-01")
            )
            .is_none()
        );
    }

    #[test]
    fn an_already_tripped_metric_says_so() {
        let f = forecast(
            &series(&[70.0, 75.0, 82.0]),
            Comparator::Gt,
            80.0,
            d("2026-04-01"),
        )
        .unwrap();
        assert_eq!(f.projection, Projection::Tripped);
    }

    #[test]
    fn a_trend_past_the_trigger_while_the_data_is_not_is_reported_plainly() {
        // A steep trend from the early points, then a drop: the line has crossed, the last value has not.
        let f = forecast(
            &series(&[10.0, 40.0, 70.0, 100.0, 75.0]),
            Comparator::Gt,
            80.0,
            d("2026-06-01"),
        )
        .unwrap();
        assert!(
            matches!(f.projection, Projection::CrossedAlready { date } if date <= d("2026-05-01")),
            "{f:?}"
        );
    }
}
