//! The first screen of every topic and part as the bot sends it: its length and reading grade,
//! measured over every region.

use super::{file_of, reading_grade};
use crate::{
    config::Region,
    matcher::Outcome,
    reply::{Clock, Composer, Instance},
    responses::{Issue, MAX_ANSWER_CHARS, ResponseSet},
};

/// The highest reading grade a first screen may have.
pub const MAX_GRADE: f32 = 8.0;

/// One topic's message as the bot sends it, to one audience, measured over every region.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMeasure {
    /// The topic.
    pub topic: String,
    /// Who it is written to: `answer` or `parts.parent` and so on.
    pub field: String,
    /// The whole message's length in characters, for the region that makes it longest.
    pub chars: usize,
    /// The first screen's length: the answer or the part as sent, with what the code adds
    /// (the help menu, the "whole answer" line).
    pub first_screen: usize,
    /// The length up to the end of the operator's region's help, for the longest region.
    pub with_local_help: usize,
    /// That region.
    pub region: Region,
    /// The first screen's reading grade (see [`reading_grade`]).
    pub grade: f32,
}

/// Every topic as sent: its answer, and each part for the audience it is written to, with the
/// topic's own follow-ups, in every region, each line with hours carrying its longer note.
pub fn as_sent(set: &ResponseSet) -> Vec<SentMeasure> {
    let mut out = Vec::new();
    for topic in set.topics() {
        for (field, audience, _) in topic.texts() {
            let outcome = Outcome::Topic {
                id: topic.id.clone(),
                also: Vec::new(),
                audience,
            };
            let mut m = SentMeasure {
                topic: topic.id.clone(),
                field,
                chars: 0,
                first_screen: 0,
                with_local_help: 0,
                region: Region::Us,
                grade: 0.0,
            };
            for region in Region::ALL {
                let instance = Instance {
                    region,
                    ..Instance::default()
                };
                let sent = Composer::new(set, &instance, Clock::Longest).as_sent(&outcome);
                m.chars = m.chars.max(sent.text.chars().count());
                // The first screen is the same in every region.
                if m.first_screen == 0 {
                    m.first_screen = sent.first_screen().chars().count();
                    m.grade = reading_grade(sent.first_screen());
                }
                let local = sent.text[..sent.local_help].chars().count();
                if local > m.with_local_help {
                    m.with_local_help = local;
                    m.region = region;
                }
            }
            out.push(m);
        }
    }
    out
}

/// First screens that are too long or read above [`MAX_GRADE`].
pub(super) fn as_sent_problems(measures: &[SentMeasure]) -> Vec<Issue> {
    let mut issues = Vec::new();
    for m in measures {
        if m.first_screen > MAX_ANSWER_CHARS {
            issues.push(Issue {
                file: file_of(&m.topic),
                field: m.field.clone(),
                why: format!(
                    "its first screen as sent is {} characters; {MAX_ANSWER_CHARS} fit",
                    m.first_screen
                ),
            });
        }
        if m.grade > MAX_GRADE {
            issues.push(Issue {
                file: file_of(&m.topic),
                field: m.field.clone(),
                why: format!(
                    "its first screen as sent reads at grade {:.1}; at most {MAX_GRADE:.0} \
                     (shorter sentences and plainer words bring it down)",
                    m.grade
                ),
            });
        }
    }
    issues
}
