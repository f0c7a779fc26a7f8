//! Distribution statistics of a group's levels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Count, mean, median, quartiles and range of one level across a group.
/// Quartiles interpolate linearly between the closest ranks (the method of
/// Excel's `QUARTILE.INC` and NumPy's default), so they can be checked by
/// hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// How many contributions had this level.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Lowest value.
    pub min: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Highest value.
    pub max: f64,
}

/// Rounds to four decimals, so stored figures do not carry float noise.
fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// The value at quantile `q` (0 to 1) of sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

impl Distribution {
    /// The distribution of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Self {
            count: sorted.len(),
            mean: round(sorted.iter().sum::<f64>() / sorted.len() as f64),
            min: round(sorted[0]),
            q1: round(quantile(&sorted, 0.25)),
            median: round(quantile(&sorted, 0.5)),
            q3: round(quantile(&sorted, 0.75)),
            max: round(sorted[sorted.len() - 1]),
        })
    }

    /// The estimated percentile of `value` in the group (0 to 100), read
    /// from the piecewise-linear curve through min, quartiles and max: the
    /// benchmark holds no individual values to rank against.
    pub fn percentile(&self, value: f64) -> f64 {
        let points = [
            (self.min, 0.0),
            (self.q1, 25.0),
            (self.median, 50.0),
            (self.q3, 75.0),
            (self.max, 100.0),
        ];
        if value < self.min {
            return 0.0;
        }
        if value >= self.max {
            return 100.0;
        }
        // Within a run of equal points, the value sits at the run's middle.
        let at: Vec<f64> = points
            .iter()
            .filter(|(v, _)| *v == value)
            .map(|(_, p)| *p)
            .collect();
        if !at.is_empty() {
            return round((at[0] + at[at.len() - 1]) / 2.0);
        }
        for pair in points.windows(2) {
            let ((v0, p0), (v1, p1)) = (pair[0], pair[1]);
            if value > v0 && value < v1 {
                return round(p0 + (p1 - p0) * (value - v0) / (v1 - v0));
            }
        }
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_match_a_hand_computation() {
        // Sorted 1, 2, 3, 4, 10: positions 1, 2, 3 of 0..4.
        let d = Distribution::of(&[3.0, 1.0, 10.0, 2.0, 4.0]).unwrap();
        assert_eq!(
            (d.min, d.q1, d.median, d.q3, d.max),
            (1.0, 2.0, 3.0, 4.0, 10.0)
        );
        assert_eq!(d.mean, 4.0);
        // Six values: q1 at position 1.25, median at 2.5, q3 at 3.75.
        let d = Distribution::of(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!((d.q1, d.median, d.q3), (2.25, 3.5, 4.75));
        assert_eq!(d.percentile(3.5), 50.0);
        assert_eq!(d.percentile(0.5), 0.0);
        assert_eq!(d.percentile(6.0), 100.0);
        assert_eq!(d.percentile(2.875), 37.5);
    }
}
