//! Turns the matcher's outcome into the message the user gets, from the curated set only.
//!
//! A reply is Markdown: the answer, the region resources (the operator's region first, each line
//! with opening hours saying whether it is open at the reply's time), the follow-up topics as
//! numbers to reply with, and the sources. The Matrix layer renders it to HTML and keeps the
//! Markdown as the plain-text body, so every client shows the whole answer.
//!
//! A menu in a reply (the "did you mean" choice, the follow-up topics) is also given as a
//! [`Menu`], so the Matrix layer can send it as a poll instead of text (`menus = "poll"`).

use std::{fmt::Write, ops::Range};

use jiff::Timestamp;

use crate::{
    config::Region,
    matcher::{Audience, Outcome},
    responses::{DAYS, Hours, ResponseSet, Status, Topic},
    topics,
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

/// The time a reply is composed for: what the opening-hours notes of its resources say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The reply goes out at this instant: each line with hours says "open now", or "closed
    /// now" and when it opens.
    At(Timestamp),
    /// Each line with hours carries the longer of its two notes, whatever the hour: what
    /// `check` measures, so a length rule that holds for it holds at any time of the week.
    Longest,
}

/// A reply as the bot sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsSent {
    /// The Markdown text.
    pub text: String,
    /// Where the first screen ends (a byte index into `text`): after the answer or the part
    /// for who is asking, with what the code adds to it (the menu, the "whole answer" line,
    /// the homeserver's name).
    pub first_screen: usize,
    /// Where the operator's region's resources end (a byte index into `text`).
    pub local_help: usize,
    /// The menu in `text` to pick a topic from, if there is one.
    pub menu: Option<Menu>,
}

/// A menu to pick a topic from by its number: what a poll is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// What the menu asks (`did_you_mean` or `follow_ups_label`), as plain text.
    pub question: String,
    /// The topics to pick from, in order.
    pub options: Vec<MenuOption>,
    /// The menu as text, as it stands in the reply: the poll's fallback.
    pub text: String,
    /// Where the menu stands in the reply's text (a byte range, with the blank line before
    /// it), so the reply can be sent without it.
    pub span: Range<usize>,
}

/// One topic of a [`Menu`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuOption {
    /// The topic's stable number: what typing picks it, and a poll's answer id.
    pub number: u32,
    /// The line as a poll shows it, plain text: "3 · Title (keyword)".
    pub label: String,
}

impl AsSent {
    fn whole(text: String) -> Self {
        AsSent {
            first_screen: text.len(),
            local_help: text.len(),
            text,
            menu: None,
        }
    }

    /// The first screen's text.
    pub fn first_screen(&self) -> &str {
        &self.text[..self.first_screen]
    }

    /// The text without its menu (empty when the reply is only a menu).
    pub fn without_menu(&self) -> String {
        match &self.menu {
            Some(menu) => {
                let mut text = self.text.clone();
                text.replace_range(menu.span.clone(), "");
                text
            }
            None => self.text.clone(),
        }
    }
}

/// Composes replies from a response set.
#[derive(Debug, Clone)]
pub struct Composer<'a> {
    set: &'a ResponseSet,
    instance: &'a Instance,
    clock: Clock,
}

impl<'a> Composer<'a> {
    /// A composer for one set and instance, for replies sent at `clock`.
    pub fn new(set: &'a ResponseSet, instance: &'a Instance, clock: Clock) -> Self {
        Composer {
            set,
            instance,
            clock,
        }
    }

    /// The Markdown reply for an outcome.
    pub fn compose(&self, outcome: &Outcome) -> String {
        self.as_sent(outcome).text
    }

    /// The reply for an outcome, with where its first screen ends.
    pub fn as_sent(&self, outcome: &Outcome) -> AsSent {
        match outcome {
            Outcome::Topic {
                id, also, audience, ..
            } => self.topic(id, also, *audience),
            Outcome::MenuPick { id } => self.topic(id, &[], Audience::Myself),
            Outcome::Ambiguous { options } => {
                let menu = self.did_you_mean(options);
                AsSent {
                    menu: Some(menu.clone()),
                    ..AsSent::whole(menu.text)
                }
            }
            Outcome::OutOfScope => self.topic(topics::OUT_OF_SCOPE, &[], Audience::Myself),
            Outcome::TooLong => AsSent::whole(self.set.messages.too_long.clone()),
        }
    }

    /// What the bot says when someone wants a person and nobody can join now: that, when
    /// someone is on hand next (`next`: day, HH:MM and the zone's city), and the helplines, which
    /// are people too (the `getting-help` answer).
    pub fn handoff_unavailable(&self, next: Option<(&str, &str, &str)>) -> String {
        let messages = &self.set.messages;
        let mut out = messages.handoff_unavailable.trim().to_owned();
        if let Some((day, time, place)) = next {
            let next = messages
                .handoff_next
                .trim()
                .replace("{day}", day)
                .replace("{time}", time)
                .replace("{zone}", place);
            let _ = write!(out, " {next}");
        }
        let helplines = self.compose(&Outcome::MenuPick {
            id: topics::GETTING_HELP.to_owned(),
        });
        let _ = write!(out, "\n\n{helplines}");
        out
    }

    fn topic(&self, id: &str, also: &[String], audience: Audience) -> AsSent {
        let Some(topic) = self.set.get(id) else {
            // The matcher only returns ids of the set; this keeps a bad build from going silent.
            return self.as_sent(&Outcome::OutOfScope);
        };
        // Someone under 18, or anyone reading the answer written for them, is never offered an
        // adult-only topic.
        let young = audience == Audience::Under18 || topic.id == topics::MINORS;
        let part = topic.parts.get(audience);
        let mut out = part
            .unwrap_or(&topic.answer)
            .trim()
            .replace("{homeserver}", &self.instance.homeserver);
        if topic.id == topics::HELP {
            self.menu(&mut out, young);
        }
        if part.is_some() {
            let whole = self
                .set
                .messages
                .whole_answer
                .trim()
                .replace("{number}", &topic.number.to_string());
            let _ = write!(out, "\n\n{whole}");
        }
        let first_screen = out.len();
        let local_help = self.resources(topic, &mut out).unwrap_or(first_screen);
        let menu = self.follow_ups(topic, also, young, &mut out);
        self.sources(topic, &mut out);
        AsSent {
            first_screen,
            local_help,
            text: out,
            menu,
        }
    }

    fn menu(&self, out: &mut String, young: bool) {
        let _ = write!(out, "\n\n**{}**\n", self.set.messages.menu_label.trim());
        for t in self
            .set
            .topics()
            .iter()
            .filter(|t| t.menu && !(young && t.adult_only))
        {
            let _ = write!(out, "\n- **{}** · {}", t.number, t.title);
        }
    }

    /// Writes the resources, the operator's region first; returns where that region's list
    /// ends.
    fn resources(&self, topic: &Topic, out: &mut String) -> Option<usize> {
        if topic.resources.is_empty() {
            return None;
        }
        let _ = write!(out, "\n\n**{}**", self.set.messages.resources_label.trim());
        let preferred = self.instance.region;
        let order =
            std::iter::once(preferred).chain(Region::ALL.into_iter().filter(|r| *r != preferred));
        let mut local_end = out.len();
        for region in order {
            let here: Vec<_> = topic
                .resources
                .iter()
                .filter(|r| r.region() == region)
                .collect();
            if !here.is_empty() {
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
                    if let Some(hours) = &r.opening {
                        let _ = write!(out, " ({})", self.hours_note(hours));
                    }
                }
            }
            if region == preferred {
                local_end = out.len();
            }
        }
        Some(local_end)
    }

    /// "open now", or "closed now; opens Mon 10:00 London time", for the reply's clock.
    fn hours_note(&self, hours: &Hours) -> String {
        let messages = &self.set.messages;
        let open = messages.open_now.trim().to_owned();
        let closed = |day: &str, time: &str, place: &str| {
            messages
                .closed_now
                .trim()
                .replace("{day}", day)
                .replace("{time}", time)
                .replace("{zone}", place)
        };
        match self.clock {
            Clock::At(now) => match hours.status_at(now) {
                Status::Open => open,
                Status::Closed { day, time, place } => closed(day, &time, place),
            },
            // Every day name has the same length, and so has every HH:MM.
            Clock::Longest => match hours.place() {
                Some(place) => {
                    let closed = closed(DAYS[0], "00:00", place);
                    if closed.len() >= open.len() {
                        closed
                    } else {
                        open
                    }
                }
                None => open,
            },
        }
    }

    /// Writes the follow-up topics, and returns them as a menu.
    fn follow_ups(
        &self,
        topic: &Topic,
        also: &[String],
        young: bool,
        out: &mut String,
    ) -> Option<Menu> {
        let mut entries: Vec<&Topic> = Vec::new();
        for t in also
            .iter()
            .chain(&topic.follow_ups)
            .filter_map(|id| self.set.get(id))
        {
            if t.id != topic.id
                && !(young && t.adult_only)
                && !entries.iter().any(|e| e.id == t.id)
                && entries.len() < MAX_FOLLOW_UPS
            {
                entries.push(t);
            }
        }
        if entries.is_empty() {
            return None;
        }
        let start = out.len();
        let question = self.set.messages.follow_ups_label.trim().to_owned();
        let _ = write!(out, "\n\n{question}");
        let mut options = Vec::with_capacity(entries.len());
        for t in entries {
            let _ = write!(out, "\n- **{}** · {}", t.number, t.title);
            options.push(MenuOption {
                number: t.number,
                label: format!("{} · {}", t.number, t.title),
            });
        }
        Some(Menu {
            question,
            options,
            text: out[start + 2..].to_owned(),
            span: start..out.len(),
        })
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

    fn did_you_mean(&self, ids: &[String]) -> Menu {
        let question = self.set.messages.did_you_mean.trim().to_owned();
        let mut out = question.clone();
        let mut options = Vec::with_capacity(ids.len());
        for t in ids.iter().filter_map(|id| self.set.get(id)) {
            let _ = write!(out, "\n- **{}** · {} (`{}`)", t.number, t.title, t.keyword);
            options.push(MenuOption {
                number: t.number,
                label: format!("{} · {} ({})", t.number, t.title, t.keyword),
            });
        }
        Menu {
            question,
            options,
            span: 0..out.len(),
            text: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_set() -> ResponseSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        crate::responses::load(&dir, None).unwrap()
    }

    /// A fixed clock: Monday 12 January 2026, 12:00 UTC (noon in London, on GMT).
    fn monday_noon() -> Clock {
        Clock::At("2026-01-12T12:00:00Z".parse().unwrap())
    }

    /// The resource line of the reply that starts with `name`.
    fn line<'t>(text: &'t str, name: &str) -> &'t str {
        text.lines()
            .find(|l| l.starts_with(&format!("- {name}")))
            .unwrap_or_else(|| panic!("no line for {name} in {text}"))
    }

    #[test]
    fn region_first_and_all_regions_listed() {
        let set = repo_set();
        let instance = Instance {
            region: Region::Au,
            ..Instance::default()
        };
        let text = Composer::new(&set, &instance, monday_noon()).compose(&Outcome::MenuPick {
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
        let text = Composer::new(&set, &instance, monday_noon()).compose(&outcome);
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
        let text = Composer::new(&set, &instance, monday_noon()).compose(&outcome);
        for id in ["consent", "boundaries"] {
            let t = set.get(id).unwrap();
            assert!(text.contains(&format!("**{}**", t.number)) && text.contains(&t.keyword));
        }
    }

    #[test]
    fn a_did_you_mean_is_all_menu_with_numbers_and_keywords_as_options() {
        let set = repo_set();
        let instance = Instance::default();
        let outcome = Outcome::Ambiguous {
            options: vec!["consent".into(), "boundaries".into()],
        };
        let sent = Composer::new(&set, &instance, monday_noon()).as_sent(&outcome);
        let menu = sent.menu.clone().expect("a menu");
        assert_eq!(menu.text, sent.text, "the poll's fallback is the text menu");
        assert_eq!(menu.question, set.messages.did_you_mean.trim());
        assert_eq!(sent.without_menu(), "", "nothing is left beside the poll");
        let consent = set.get("consent").unwrap();
        assert_eq!(menu.options[0].number, consent.number);
        assert_eq!(
            menu.options[0].label,
            format!(
                "{} · {} ({})",
                consent.number, consent.title, consent.keyword
            )
        );
        assert_eq!(menu.options.len(), 2);
    }

    #[test]
    fn follow_ups_are_a_menu_and_the_answer_without_them_keeps_everything_else() {
        let set = repo_set();
        let instance = Instance::default();
        let outcome = Outcome::Topic {
            id: "sextortion".into(),
            also: vec!["minors".into()],
            audience: Default::default(),
        };
        let sent = Composer::new(&set, &instance, monday_noon()).as_sent(&outcome);
        let menu = sent.menu.clone().expect("follow-ups");
        let label = set.messages.follow_ups_label.trim();
        assert_eq!(menu.question, label);
        assert!(menu.text.starts_with(label));
        assert!(sent.text.contains(&format!("\n\n{}", menu.text)));
        let minors = set.get("minors").unwrap();
        assert_eq!(
            menu.options[0],
            MenuOption {
                number: minors.number,
                label: format!("{} · {}", minors.number, minors.title),
            }
        );
        let rest = sent.without_menu();
        assert!(!rest.contains(label), "{rest}");
        assert!(rest.starts_with(set.get("sextortion").unwrap().answer.trim()));
        assert!(rest.contains(set.messages.resources_label.trim()));
        assert!(rest.contains(set.messages.sources_label.trim()));
        assert_eq!(
            rest.len() + menu.span.len(),
            sent.text.len(),
            "only the menu went"
        );
    }

    #[test]
    fn an_answer_without_follow_ups_has_no_menu() {
        let set = repo_set();
        let instance = Instance::default();
        let help = Composer::new(&set, &instance, monday_noon())
            .as_sent(&Outcome::MenuPick { id: "help".into() });
        assert!(help.menu.is_none(), "help's topic list stays text");
        assert_eq!(help.without_menu(), help.text);
    }

    #[test]
    fn help_lists_the_menu_and_privacy_names_the_homeserver() {
        let set = repo_set();
        let instance = Instance {
            homeserver: "https://hs.example.org".into(),
            ..Instance::default()
        };
        let composer = Composer::new(&set, &instance, monday_noon());
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

    #[test]
    fn a_helpline_with_hours_says_whether_it_is_open_at_the_reply_time() {
        let set = repo_set();
        let instance = Instance {
            region: Region::Uk,
            ..Instance::default()
        };
        let help = Outcome::MenuPick {
            id: "getting-help".into(),
        };
        let at = |instant: &str| {
            let clock = Clock::At(instant.parse().unwrap());
            Composer::new(&set, &instance, clock).compose(&help)
        };
        let rph = "Revenge Porn Helpline";
        // Friday 18:30 in London: closed, and it opens on Monday morning, London time.
        let friday = at("2026-01-16T18:30:00Z");
        assert!(
            line(&friday, rph).ends_with(" (closed now; opens Mon 10:00 London time)"),
            "{}",
            line(&friday, rph)
        );
        assert!(line(&friday, "Samaritans").ends_with(" (open now)"));
        // Monday noon: open; a line without hours says nothing either way.
        let monday = Composer::new(&set, &instance, monday_noon()).compose(&help);
        assert!(line(&monday, rph).ends_with(" (open now)"));
        assert!(!line(&monday, "Childline").contains("open now"));
        // In July the UK is on BST: 09:30 UTC is 10:30 in London.
        assert!(line(&at("2026-07-13T09:30:00Z"), rph).ends_with(" (open now)"));
        assert!(line(&at("2026-01-12T09:30:00Z"), rph).contains("opens Mon 10:00"));
    }

    #[test]
    fn the_longest_clock_writes_the_longer_note_on_every_line_with_hours() {
        let set = repo_set();
        let instance = Instance::default();
        let help = Outcome::MenuPick {
            id: "getting-help".into(),
        };
        let text = Composer::new(&set, &instance, Clock::Longest).compose(&help);
        assert!(
            line(&text, "Revenge Porn Helpline")
                .ends_with(" (closed now; opens Mon 00:00 London time)")
        );
        assert!(line(&text, "Samaritans").ends_with(" (open now)"));
    }
}
