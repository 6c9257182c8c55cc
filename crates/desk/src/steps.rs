//! The manual's steps as a clock: how long the viewer spent in each numbered step. A drill ends
//! with this as its report (issue 5 §2 "Drill mode"); it names steps, never patients.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The emergency manual's eight steps, in its words (docs/emergency-manual.*.md).
pub const STEPS: [(u8, &str, &str); 8] = [
    (1, "開始", "Start"),
    (2, "解錠", "Unlock"),
    (3, "閲覧者の申告", "Who is viewing"),
    (4, "患者を探す", "Find the patient"),
    (5, "まず要約", "Summary first"),
    (6, "詳細", "Details"),
    (7, "印刷", "Print"),
    (8, "ロック・終了", "Lock or end"),
];

/// Time spent per step; a step visited twice adds up.
#[derive(Debug, Clone)]
pub struct StepClock {
    started: DateTime<Utc>,
    current: u8,
    since: DateTime<Utc>,
    seconds: [f64; 8],
    visited: [bool; 8],
}

/// One line of the drill report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepTime {
    pub step: u8,
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
            current: 1,
            since: now,
            seconds: [0.0; 8],
            visited,
        }
    }

    pub fn current(&self) -> u8 {
        self.current
    }

    /// Moves to `step` (1–8; others are ignored), closing the time of the step before.
    pub fn enter(&mut self, step: u8, now: DateTime<Utc>) {
        if !(1..=8).contains(&step) {
            return;
        }
        self.close(now);
        self.current = step;
        self.visited[usize::from(step - 1)] = true;
    }

    fn close(&mut self, now: DateTime<Utc>) {
        let spent = (now - self.since).num_milliseconds().max(0) as f64 / 1000.0;
        self.seconds[usize::from(self.current - 1)] += spent;
        self.since = now;
    }

    /// The time per visited step, and the total, up to `now`.
    pub fn report(&mut self, now: DateTime<Utc>) -> (Vec<StepTime>, f64) {
        self.close(now);
        let steps = STEPS
            .iter()
            .filter(|(n, _, _)| self.visited[usize::from(n - 1)])
            .map(|&(step, ja, en)| StepTime {
                step,
                ja,
                en,
                seconds: (self.seconds[usize::from(step - 1)] * 10.0).round() / 10.0,
            })
            .collect();
        let total = (now - self.started).num_milliseconds().max(0) as f64 / 1000.0;
        (steps, (total * 10.0).round() / 10.0)
    }
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
        clock.enter(2, at(10));
        clock.enter(3, at(15));
        clock.enter(4, at(45));
        clock.enter(5, at(75));
        clock.enter(4, at(95));
        clock.enter(5, at(100));
        clock.enter(8, at(130));
        let (steps, total) = clock.report(at(131));
        let by: Vec<(u8, f64)> = steps.iter().map(|s| (s.step, s.seconds)).collect();
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

    #[test]
    fn a_step_outside_the_manual_is_ignored() {
        let t0 = Utc::now();
        let mut clock = StepClock::new(t0);
        clock.enter(9, t0);
        clock.enter(0, t0);
        assert_eq!(clock.current(), 1);
    }
}
