//! The arithmetic of PKIMM scoring, as pure functions.
//!
//! These are the formulas of the official evaluation and extension scoring
//! pages, and of the Evaluation sheet of the official assessment workbook. Values
//! stay unrounded; only presentation rounds.

use schemars::JsonSchema;
use serde::Serialize;

use pkimm_model::Model;

/// Tolerance for float noise when truncating to a whole level, so that a mean of
/// exactly 3 computed as 2.9999999999 still achieves level 3.
const TRUNCATION_EPSILON: f64 = 1e-9;

/// Σ(value × weight) / Σ(weight), or `None` when the weights sum to zero.
pub fn weighted_average(items: impl IntoIterator<Item = (f64, f64)>) -> Option<f64> {
    let (sum, weights) = items
        .into_iter()
        .fold((0.0, 0.0), |(s, w), (value, weight)| {
            (s + value * weight, w + weight)
        });
    (weights > 0.0).then(|| sum / weights)
}

/// The extension category level: the baseline level blended with the relevance
/// signal, `(Level_C × WeightSum_C + RelLevel_C × RelWeight_C) / (WeightSum_C + RelWeight_C)`.
/// With no weight at all the baseline level is returned unchanged.
pub fn blend_relevance(
    level: f64,
    weight_sum: f64,
    relevance_level: f64,
    relevance_weight: f64,
) -> f64 {
    weighted_average([(level, weight_sum), (relevance_level, relevance_weight)]).unwrap_or(level)
}

/// The whole level reached: the workbook's `TRUNC(value, 0)`, 0 to 5.
pub fn whole_level(value: f64) -> u8 {
    let truncated = (value + TRUNCATION_EPSILON).trunc();
    truncated.clamp(0.0, 5.0) as u8
}

/// How far a value fills each level band, Initial to Optimized, as the
/// workbook's "Reached PKI Maturity Level" row computes it: bands below the whole
/// level are full (1), the band of the whole level holds the fraction, the rest
/// are empty.
pub fn level_progress(value: f64) -> [f64; 5] {
    let whole = whole_level(value);
    let fraction = (value - f64::from(whole)).max(0.0);
    let mut bands = [0.0; 5];
    for (band, fill) in bands.iter_mut().enumerate() {
        let band = band as u8;
        *fill = if whole > band {
            1.0
        } else if whole == band {
            fraction
        } else {
            0.0
        };
    }
    bands
}

/// A computed maturity value with its presentation forms.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LevelScore {
    /// The unrounded weighted average, 0 to 5.
    pub value: f64,
    /// The value rounded to two decimals, for display.
    pub rounded: f64,
    /// The whole level achieved (0 means not evaluated).
    pub level: u8,
    /// The achieved level's name, or `Not evaluated`.
    pub name: String,
    /// The value as a share of the maximum level 5, in percent.
    pub percent: f64,
    /// Fill of the five level bands, Initial to Optimized, 0 to 1 each.
    pub progress: [f64; 5],
}

impl LevelScore {
    /// Builds the presentation forms of `value`, with `model`'s level names.
    pub fn new(value: f64, model: &Model) -> Self {
        let level = whole_level(value);
        Self {
            value,
            rounded: round2(value),
            level,
            name: model.level_name(level).to_string(),
            percent: round2(value / 5.0 * 100.0),
            progress: level_progress(value),
        }
    }
}

/// Rounds to two decimals, half away from zero.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_average_of_nothing_is_none() {
        assert_eq!(weighted_average([]), None);
        assert_eq!(weighted_average([(3.0, 0.0)]), None);
        assert_eq!(weighted_average([(3.0, 2.0), (1.0, 2.0)]), Some(2.0));
    }

    #[test]
    fn truncation_tolerates_float_noise() {
        assert_eq!(whole_level(2.999_999_999_99), 3);
        assert_eq!(whole_level(2.99), 2);
        assert_eq!(whole_level(0.5), 0);
        assert_eq!(whole_level(5.0), 5);
    }

    #[test]
    fn progress_bands_follow_the_workbook() {
        let bands = level_progress(2.45);
        assert_eq!(bands[0], 1.0);
        assert_eq!(bands[1], 1.0);
        assert!((bands[2] - 0.45).abs() < 1e-9);
        assert_eq!(bands[3], 0.0);
        assert_eq!(level_progress(5.0), [1.0; 5]);
        assert!((level_progress(0.4)[0] - 0.4).abs() < 1e-9);
    }

    /// extension-scoring.md, "Extension category level".
    #[test]
    fn relevance_blend_examples() {
        assert_eq!(round2(blend_relevance(3.6, 7.5, 2.0, 2.0)), 3.26);
        assert_eq!(round2(blend_relevance(4.0, 7.5, 2.0, 2.0)), 3.58);
        assert_eq!(blend_relevance(3.0, 0.0, 0.0, 0.0), 3.0);
    }

    /// extension-scoring.md, "Extension progress score".
    #[test]
    fn extension_score_example() {
        let score = weighted_average([(2.53, 4.0), (3.0, 6.0)]).unwrap();
        assert_eq!(round2(score), 2.81);
    }
}
