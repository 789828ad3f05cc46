//! Turns the matcher's outcome into the message the user gets, from the curated set only.
//!
//! A reply is Markdown: the answer, the region resources (the operator's region first), the
//! follow-up topics as numbers to reply with, and the sources. The Matrix layer renders it to
//! HTML and keeps the Markdown as the plain-text body, so every client shows the whole answer.

use std::fmt::Write;

use crate::{
    config::Region,
    matcher::Outcome,
    responses::{ResponseSet, Topic},
};

/// How many follow-up topics an answer offers at most.
const MAX_FOLLOW_UPS: usize = 4;

/// What is known about the running instance, for answers that describe it.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Which region's resources come first.
    pub region: Region,
    /// The homeserver this instance uses, named in the privacy answer.
    pub homeserver: String,
}

impl Default for Instance {
    fn default() -> Self {
        Instance {
            region: Region::Us,
            homeserver: "the homeserver this bot runs on".to_owned(),
        }
    }
}

/// Composes replies from a response set.
#[derive(Debug, Clone)]
pub struct Composer<'a> {
    set: &'a ResponseSet,
    instance: &'a Instance,
}

impl<'a> Composer<'a> {
    /// A composer for one set and instance.
    pub fn new(set: &'a ResponseSet, instance: &'a Instance) -> Self {
        Composer { set, instance }
    }

    /// The Markdown reply for an outcome.
    pub fn compose(&self, outcome: &Outcome) -> String {
        match outcome {
            Outcome::Topic { id, also, .. } => self.topic(id, also),
            Outcome::MenuPick { id } => self.topic(id, &[]),
            Outcome::Ambiguous { options } => self.did_you_mean(options),
            Outcome::OutOfScope => self.topic("out-of-scope", &[]),
            Outcome::TooLong => self.set.messages.too_long.clone(),
        }
    }

    fn topic(&self, id: &str, also: &[String]) -> String {
        let Some(topic) = self.set.get(id) else {
            // The matcher only returns ids of the set; this keeps a bad build from going silent.
            return self.compose(&Outcome::OutOfScope);
        };
        let mut out = topic
            .answer
            .trim()
            .replace("{homeserver}", &self.instance.homeserver);
        if topic.id == "help" {
            self.menu(&mut out);
        }
        self.resources(topic, &mut out);
        self.follow_ups(topic, also, &mut out);
        self.sources(topic, &mut out);
        out
    }

    fn menu(&self, out: &mut String) {
        let _ = write!(out, "\n\n**{}**\n", self.set.messages.menu_label.trim());
        for t in self.set.topics().iter().filter(|t| t.menu) {
            let _ = write!(out, "\n- **{}** · {} (`{}`)", t.number, t.title, t.keyword);
        }
    }

    fn resources(&self, topic: &Topic, out: &mut String) {
        if topic.resources.is_empty() {
            return;
        }
        let _ = write!(out, "\n\n**{}**", self.set.messages.resources_label.trim());
        let preferred = self.instance.region;
        let order =
            std::iter::once(preferred).chain(Region::ALL.into_iter().filter(|r| *r != preferred));
        for region in order {
            let here: Vec<_> = topic
                .resources
                .iter()
                .filter(|r| r.region() == region)
                .collect();
            if here.is_empty() {
                continue;
            }
            let _ = write!(out, "\n\n*{}*", region.label());
            for r in here {
                let _ = write!(out, "\n- {}", r.name);
                if let Some(contact) = &r.contact {
                    let _ = write!(out, ": {contact}");
                }
                if let Some(url) = &r.url {
                    let _ = write!(out, " ({url})");
                }
                if let Some(note) = &r.note {
                    let _ = write!(out, " ({note})");
                }
            }
        }
    }

    fn follow_ups(&self, topic: &Topic, also: &[String], out: &mut String) {
        let mut ids: Vec<&str> = Vec::new();
        for id in also.iter().chain(&topic.follow_ups).map(String::as_str) {
            if id != topic.id && !ids.contains(&id) && ids.len() < MAX_FOLLOW_UPS {
                ids.push(id);
            }
        }
        let entries: Vec<&Topic> = ids.iter().filter_map(|id| self.set.get(id)).collect();
        if entries.is_empty() {
            return;
        }
        let _ = write!(out, "\n\n{}", self.set.messages.follow_ups_label.trim());
        for t in entries {
            let _ = write!(out, "\n- **{}** · {}", t.number, t.title);
        }
    }

    fn sources(&self, topic: &Topic, out: &mut String) {
        if topic.sources.is_empty() {
            return;
        }
        let list: Vec<String> = topic
            .sources
            .iter()
            .map(|s| format!("[{}]({})", s.name, s.url))
            .collect();
        let _ = write!(
            out,
            "\n\n_{}: {}_",
            self.set.messages.sources_label.trim(),
            list.join(", ")
        );
    }

    fn did_you_mean(&self, options: &[String]) -> String {
        let mut out = self.set.messages.did_you_mean.trim().to_owned();
        for t in options.iter().filter_map(|id| self.set.get(id)) {
            let _ = write!(out, "\n- **{}** · {} (`{}`)", t.number, t.title, t.keyword);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_set() -> ResponseSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        crate::responses::load(&dir, None).unwrap()
    }

    #[test]
    fn region_first_and_all_regions_listed() {
        let set = repo_set();
        let instance = Instance {
            region: Region::Au,
            ..Instance::default()
        };
        let text = Composer::new(&set, &instance).compose(&Outcome::MenuPick {
            id: "getting-help".into(),
        });
        let au = text.find("*Australia*").expect("australia listed");
        for region in Region::ALL.iter().filter(|r| **r != Region::Au) {
            let at = text.find(&format!("*{}*", region.label()));
            if let Some(at) = at {
                assert!(au < at, "{} listed before Australia", region.label());
            }
        }
        for region in [Region::Us, Region::Uk, Region::Ca] {
            assert!(text.contains(region.label()), "{} missing", region.label());
        }
    }

    #[test]
    fn answer_names_sources_and_offers_follow_ups() {
        let set = repo_set();
        let instance = Instance::default();
        let outcome = Outcome::Topic {
            id: "sextortion".into(),
            also: vec!["minors".into()],
            audience: Default::default(),
        };
        let text = Composer::new(&set, &instance).compose(&outcome);
        assert!(text.starts_with(set.get("sextortion").unwrap().answer.trim()));
        let minors = set.get("minors").unwrap();
        assert!(
            text.contains(&format!("**{}** · {}", minors.number, minors.title)),
            "touched topic offered first"
        );
        assert!(text.contains(set.messages.sources_label.trim()));
    }

    #[test]
    fn did_you_mean_lists_numbers_and_keywords() {
        let set = repo_set();
        let instance = Instance::default();
        let outcome = Outcome::Ambiguous {
            options: vec!["consent".into(), "boundaries".into()],
        };
        let text = Composer::new(&set, &instance).compose(&outcome);
        for id in ["consent", "boundaries"] {
            let t = set.get(id).unwrap();
            assert!(text.contains(&format!("**{}**", t.number)) && text.contains(&t.keyword));
        }
    }

    #[test]
    fn help_lists_the_menu_and_privacy_names_the_homeserver() {
        let set = repo_set();
        let instance = Instance {
            homeserver: "https://hs.example.org".into(),
            ..Instance::default()
        };
        let composer = Composer::new(&set, &instance);
        let help = composer.compose(&Outcome::MenuPick { id: "help".into() });
        for t in set.topics().iter().filter(|t| t.menu) {
            assert!(help.contains(&t.title), "menu lacks {}", t.id);
        }
        let privacy = composer.compose(&Outcome::MenuPick {
            id: "bot-privacy".into(),
        });
        assert!(privacy.contains("https://hs.example.org"));
        assert!(!privacy.contains("{homeserver}"));
    }
}
