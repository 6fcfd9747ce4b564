//! Dispute warning grades (分级预警) from people involved, urgency and money.
//!
//! The sources name the three inputs but not the cut-offs, so the cut-offs are data: rows of the
//! `settings` table (seeded by the first migration, editable by an administrator) read at start.
//! The seeded defaults:
//!
//! | grade | people involved | money at stake | urgency |
//! |---|---|---|---|
//! | 1 (most serious) | ≥ 30 | ≥ ¥1,000,000 | `critical` |
//! | 2 | ≥ 10 | ≥ ¥100,000 | `high` |
//! | 3 | otherwise | | |
//!
//! A case takes the most serious grade any one input reaches: 30 workers owed wages are grade 1
//! whatever the sum, one person owed ¥2,000,000 is grade 1 too.

use serde::{Deserialize, Serialize};

use crate::model::{Grade, Urgency};

/// Cut-offs for the warning grade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GradeThresholds {
    /// People involved from which a case is grade 1.
    pub grade1_people: i64,
    /// Money (yuan) from which a case is grade 1.
    pub grade1_money_yuan: f64,
    /// People involved from which a case is grade 2.
    pub grade2_people: i64,
    /// Money (yuan) from which a case is grade 2.
    pub grade2_money_yuan: f64,
}

impl Default for GradeThresholds {
    fn default() -> Self {
        Self {
            grade1_people: 30,
            grade1_money_yuan: 1_000_000.0,
            grade2_people: 10,
            grade2_money_yuan: 100_000.0,
        }
    }
}

impl GradeThresholds {
    /// The setting keys, as stored in the `settings` table.
    pub const KEYS: [&'static str; 4] = [
        "grade1_people",
        "grade1_money_yuan",
        "grade2_people",
        "grade2_money_yuan",
    ];

    /// Sets one value by its key; unknown keys are ignored.
    pub(crate) fn set(&mut self, key: &str, value: f64) {
        match key {
            "grade1_people" => self.grade1_people = value as i64,
            "grade1_money_yuan" => self.grade1_money_yuan = value,
            "grade2_people" => self.grade2_people = value as i64,
            "grade2_money_yuan" => self.grade2_money_yuan = value,
            _ => {}
        }
    }

    /// The warning grade of a case.
    ///
    /// ```
    /// use onemap::grading::GradeThresholds;
    /// use onemap::model::{Grade, Urgency};
    /// let t = GradeThresholds::default();
    /// assert_eq!(t.grade(35, 0.0, Urgency::Normal), Grade::ONE);
    /// assert_eq!(t.grade(1, 150_000.0, Urgency::Normal), Grade::TWO);
    /// assert_eq!(t.grade(2, 500.0, Urgency::Normal), Grade::THREE);
    /// assert_eq!(t.grade(1, 0.0, Urgency::Critical), Grade::ONE);
    /// ```
    pub fn grade(&self, people: i64, money_yuan: f64, urgency: Urgency) -> Grade {
        if people >= self.grade1_people
            || money_yuan >= self.grade1_money_yuan
            || urgency == Urgency::Critical
        {
            Grade::ONE
        } else if people >= self.grade2_people
            || money_yuan >= self.grade2_money_yuan
            || urgency == Urgency::High
        {
            Grade::TWO
        } else {
            Grade::THREE
        }
    }
}
