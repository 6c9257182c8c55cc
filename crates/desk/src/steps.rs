//! The manual's steps as a clock: how long the viewer spent in each numbered step. A drill ends
//! with this as its report (requirements APP-18); it names steps, never patients.

use chrono::{DateTime, Utc};
use serde::Serialize;
use strum::VariantArray;

use crate::contract::Step;

/// Time spent per step; a step visited twice adds up.
#[derive(Debug, Clone)]
pub struct StepClock {
    started: DateTime<Utc>,
    current: Step,
    since: DateTime<Utc>,
    seconds: [f64; 8],
    visited: [bool; 8],
}

/// One line of the drill report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepTime {
    pub step: Step,
    pub ja: &'static str,
    pub en: &'static str,
    pub seconds: f64,
}

impl StepClock {
    /// Starts at step 1.
    pub fn new(now: DateTime<Utc>) -> StepClock {
        let mut visited = [false; 8];
        visited[0] = true;
        StepClock {
            started: now,
            current: Step::Start,
            since: now,
            seconds: [0.0; 8],
            visited,
        }
    }

    pub fn current(&self) -> Step {
        self.current
    }

    /// Moves to `step`, closing the time of the step before.
    pub fn enter(&mut self, step: Step, now: DateTime<Utc>) {
        self.close(now);
        self.current = step;
        self.visited[slot(step)] = true;
    }

    fn close(&mut self, now: DateTime<Utc>) {
        let spent = (now - self.since).num_milliseconds().max(0) as f64 / 1000.0;
        self.seconds[slot(self.current)] += spent;
        self.since = now;
    }

    /// The time per visited step, and the total, up to `now`.
    pub fn report(&mut self, now: DateTime<Utc>) -> (Vec<StepTime>, f64) {
        self.close(now);
        let steps = Step::VARIANTS
            .iter()
            .filter(|&&step| self.visited[slot(step)])
            .map(|&step| StepTime {
                step,
                ja: step.ja(),
                en: step.en(),
                seconds: (self.seconds[slot(step)] * 10.0).round() / 10.0,
            })
            .collect();
        let total = (now - self.started).num_milliseconds().max(0) as f64 / 1000.0;
        (steps, (total * 10.0).round() / 10.0)
    }
}

/// A step's place in the per-step arrays.
fn slot(step: Step) -> usize {
    usize::from(step.number() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn time_in_each_step_adds_up_across_visits() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s: i64| t0 + TimeDelta::seconds(s);
        let mut clock = StepClock::new(t0);
        clock.enter(Step::Unlock, at(10));
        clock.enter(Step::Declare, at(15));
        clock.enter(Step::Find, at(45));
        clock.enter(Step::Summary, at(75));
        clock.enter(Step::Find, at(95));
        clock.enter(Step::Summary, at(100));
        clock.enter(Step::LockOrEnd, at(130));
        let (steps, total) = clock.report(at(131));
        let by: Vec<(u8, f64)> = steps.iter().map(|s| (s.step.number(), s.seconds)).collect();
        assert_eq!(
            by,
            vec![
                (1, 10.0),
                (2, 5.0),
                (3, 30.0),
                (4, 35.0),
                (5, 50.0),
                (8, 1.0)
            ]
        );
        assert_eq!(total, 131.0);
    }
}
