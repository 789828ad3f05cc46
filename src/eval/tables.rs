//! The report as text: one run's tables, or two runs side by side (`confidant eval --compare`).

use std::fmt;

use super::{EvalReport, GroupScore, ratio};
use crate::topics::OUT_OF_SCOPE;

/// One table of group scores (cases, correct, top-1, ambiguous) under `title`.
fn write_groups(f: &mut fmt::Formatter<'_>, title: &str, groups: &[GroupScore]) -> fmt::Result {
    writeln!(
        f,
        "{title:<26} {:>5} {:>7} {:>6} {:>5}",
        "cases", "correct", "top-1", "ambig"
    )?;
    for g in groups {
        writeln!(
            f,
            "  {:<24} {:>5} {:>7} {:>6.2} {:>5}",
            g.name,
            g.total,
            g.correct,
            ratio(g.correct, g.total),
            g.ambiguous
        )?;
    }
    Ok(())
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Ambiguous answers count as wrong; out of scope counts as the topic `{OUT_OF_SCOPE}`."
        )?;
        writeln!(f)?;
        write_groups(f, "per expected topic", &self.per_topic)?;
        writeln!(f)?;
        write_groups(f, "per kind", &self.per_kind)?;
        writeln!(f)?;
        writeln!(f, "urgent recall")?;
        for rec in &self.urgent_recall {
            let target = if rec.must_be_complete {
                "  (target 1.00)"
            } else {
                ""
            };
            writeln!(
                f,
                "  {:<24} {:>3}/{:<3} {:.2}{target}",
                rec.topic,
                rec.found,
                rec.expected,
                ratio(rec.found, rec.expected)
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "out of scope: {} answered, {} correctly (precision {:.2})",
            self.answered_out_of_scope,
            self.answered_out_of_scope_correctly,
            ratio(
                self.answered_out_of_scope_correctly,
                self.answered_out_of_scope
            )
        )?;
        if !self.confusions.is_empty() {
            writeln!(f)?;
            writeln!(f, "top confusions (expected -> answered)")?;
            for c in &self.confusions {
                writeln!(f, "  {:>3}  {} -> {}", c.count, c.expected, c.answered)?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "top-1           {:.3}  ({}/{}, {} ambiguous)",
            self.top1(),
            self.correct,
            self.total,
            self.ambiguous
        )?;
        writeln!(
            f,
            "urgent recall   {:.2}  (lowest of crisis, sextortion, minors)",
            self.urgent_recall_min()
        )?;
        writeln!(
            f,
            "in-scope -> out of scope      {:.3}  ({}/{})",
            self.in_scope_to_out_of_scope_rate(),
            self.in_scope_answered_out_of_scope,
            self.in_scope
        )?;
        write!(
            f,
            "out of scope -> guidance      {:.3}  ({}/{})",
            self.out_of_scope_to_guidance_rate(),
            self.out_of_scope_answered_with_guidance,
            self.out_of_scope
        )?;
        if self.audience_cases > 0 {
            write!(
                f,
                "\naudience                      {:.3}  ({}/{}; parents sent the minors text written to a teenager: {})",
                ratio(self.audience_correct, self.audience_cases),
                self.audience_correct,
                self.audience_cases,
                self.parent_read_teen_text
            )?;
        }
        Ok(())
    }
}

/// Two reports of the same cases side by side: the headline figures, then per kind and per
/// expected topic (`confidant eval --compare`).
pub struct SideBySide<'a>(pub &'a EvalReport, pub &'a EvalReport);

impl fmt::Display for SideBySide<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = (self.0, self.1);
        writeln!(
            f,
            "{:<30} {:>10} {:>10}",
            "side by side", "cues only", "with model"
        )?;
        let rows = [
            ("top-1", a.top1(), b.top1()),
            (
                "urgent recall (lowest)",
                a.urgent_recall_min(),
                b.urgent_recall_min(),
            ),
            (
                "in-scope -> out of scope",
                a.in_scope_to_out_of_scope_rate(),
                b.in_scope_to_out_of_scope_rate(),
            ),
            (
                "out of scope -> guidance",
                a.out_of_scope_to_guidance_rate(),
                b.out_of_scope_to_guidance_rate(),
            ),
            (
                "ambiguous",
                ratio(a.ambiguous, a.total),
                ratio(b.ambiguous, b.total),
            ),
        ];
        for (name, x, y) in rows {
            writeln!(f, "  {name:<28} {x:>10.3} {y:>10.3}")?;
        }
        for (title, xs, ys) in [
            ("per kind", &a.per_kind, &b.per_kind),
            ("per expected topic", &a.per_topic, &b.per_topic),
        ] {
            writeln!(f, "{title}")?;
            for (x, y) in xs.iter().zip(ys.iter()) {
                writeln!(
                    f,
                    "  {:<28} {:>10} {:>10}   ({} cases)",
                    x.name,
                    format!("{:.2}", ratio(x.correct, x.total)),
                    format!("{:.2}", ratio(y.correct, y.total)),
                    x.total
                )?;
            }
        }
        Ok(())
    }
}
