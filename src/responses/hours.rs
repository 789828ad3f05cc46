//! Opening hours of a helpline: parsed once when the set loads, asked "open now?" per reply.
//!
//! The grammar (documented for curators in `responses/README.md`):
//!
//! ```text
//! hours  = "24/7" | rule *( ";" rule )
//! rule   = days SPACE ranges
//! days   = day-or-span *( "," day-or-span )      Mon-Fri | Sat,Sun | Mon,Wed-Fri
//! ranges = range *( "," range )                  10:00-13:00,14:00-16:00
//! range  = HH:MM "-" HH:MM                       00:00 to 24:00; an end before the start
//!                                                crosses midnight (Fri 22:00-02:00)
//! ```
//!
//! Times are wall-clock times in the line's own IANA time zone (`tz`), so daylight saving is the
//! tz database's business, never ours.

use jiff::{Timestamp, tz::TimeZone};

/// Day names as the grammar spells them and as a note shows them, Monday first.
pub const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// What a curator writes for a line that is always open.
pub const ALWAYS: &str = "24/7";

const DAY_MINUTES: u32 = 24 * 60;
const WEEK_MINUTES: u32 = 7 * DAY_MINUTES;

/// When a line is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Hours {
    /// `24/7`: open at any hour.
    Always,
    /// Open in weekly windows of its time zone.
    Weekly(Weekly),
}

/// Weekly windows in one time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Weekly {
    /// Each window as (start, length) in minutes from Monday 00:00; a window may run past
    /// Sunday midnight into Monday.
    windows: Vec<(u32, u32)>,
    tz: TimeZone,
    /// The zone's city, as a reader knows it: "London" for Europe/London.
    place: String,
}

/// Whether a line is open at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<'a> {
    /// Open now.
    Open,
    /// Closed now; opens next on `day` (one of [`DAYS`]) at `time` (HH:MM), wall-clock time in
    /// `place` (the zone's city).
    Closed {
        /// The day it opens, as in [`DAYS`].
        day: &'static str,
        /// The time it opens, HH:MM.
        time: String,
        /// The zone's city, "London" for Europe/London.
        place: &'a str,
    },
}

impl Hours {
    /// Parses `hours` with its time zone name; every problem is listed, each for its field
    /// (`"hours"` or `"tz"`).
    pub fn parse(hours: &str, tz: Option<&str>) -> Result<Hours, Vec<(&'static str, String)>> {
        if hours.trim() == ALWAYS {
            return Ok(Hours::Always);
        }
        let mut problems = Vec::new();
        let windows = match parse_rules(hours) {
            Ok(w) => w,
            Err(p) => {
                problems.extend(p.into_iter().map(|p| ("hours", p)));
                Vec::new()
            }
        };
        let tz = match tz {
            None => {
                problems.push((
                    "tz",
                    "is missing: these hours need the time zone they are in, like \
                     \"Europe/London\" (only \"24/7\" needs none)"
                        .to_owned(),
                ));
                None
            }
            Some(name) => match TimeZone::get(name) {
                Ok(tz) => Some(tz),
                Err(_) => {
                    problems.push((
                        "tz",
                        format!(
                            "{name:?} is not a time zone of the tz database; use an IANA name \
                             like \"Europe/London\" or \"America/New_York\""
                        ),
                    ));
                    None
                }
            },
        };
        match tz {
            Some(tz) if problems.is_empty() => {
                let name = tz.iana_name().unwrap_or_default();
                let place = name.rsplit('/').next().unwrap_or(name).replace('_', " ");
                Ok(Hours::Weekly(Weekly { windows, tz, place }))
            }
            _ => Err(problems),
        }
    }

    /// Whether the line is open at `now`, and if not, when it opens next.
    pub fn status_at(&self, now: Timestamp) -> Status<'_> {
        match self {
            Hours::Always => Status::Open,
            Hours::Weekly(w) => w.status_at(now),
        }
    }

    /// Whether this is the always-open `24/7`.
    pub fn is_always(&self) -> bool {
        matches!(self, Hours::Always)
    }

    /// The zone's city for a weekly schedule ("London"); `None` for `24/7`.
    pub fn place(&self) -> Option<&str> {
        match self {
            Hours::Always => None,
            Hours::Weekly(w) => Some(&w.place),
        }
    }
}

impl Weekly {
    fn status_at(&self, now: Timestamp) -> Status<'_> {
        // Wall-clock minute of the week in the line's zone; seconds do not matter, so a line
        // closing at 16:00 is open at 15:59:59 and closed at 16:00:00.
        let local = self.tz.to_datetime(now);
        let day = u32::from(local.weekday().to_monday_zero_offset().unsigned_abs());
        let minute = day * DAY_MINUTES
            + u32::from(local.hour().unsigned_abs()) * 60
            + u32::from(local.minute().unsigned_abs());
        let since = |start: u32| (minute + WEEK_MINUTES - start) % WEEK_MINUTES;
        if self.windows.iter().any(|&(start, len)| since(start) < len) {
            return Status::Open;
        }
        // Closed, so no window starts this minute: the next start is the nearest ahead.
        let next = self
            .windows
            .iter()
            .map(|&(start, _)| start)
            .min_by_key(|&start| (start + WEEK_MINUTES - minute) % WEEK_MINUTES)
            .unwrap_or_default();
        Status::Closed {
            day: DAYS[(next / DAY_MINUTES) as usize],
            time: format!(
                "{:02}:{:02}",
                next % DAY_MINUTES / 60,
                next % DAY_MINUTES % 60
            ),
            place: &self.place,
        }
    }
}

/// The windows of `rule *( ";" rule )`, or every problem found.
fn parse_rules(text: &str) -> Result<Vec<(u32, u32)>, Vec<String>> {
    let mut windows = Vec::new();
    let mut problems = Vec::new();
    if text.trim().is_empty() {
        return Err(vec![
            "is empty; write \"24/7\" or days and times like \"Mon-Fri 10:00-16:00\"".to_owned(),
        ]);
    }
    for rule in text.split(';').map(str::trim) {
        let mut parts = rule.split_whitespace();
        let (Some(days), Some(ranges), None) = (parts.next(), parts.next(), parts.next()) else {
            problems.push(if rule.is_empty() {
                "has an empty rule (a \";\" with nothing after it)".to_owned()
            } else {
                format!(
                    "{rule:?} is not days then times, like \"Mon-Fri 10:00-16:00\" (one space \
                     between them, none inside)"
                )
            });
            continue;
        };
        let days = parse_days(days, &mut problems);
        let ranges = parse_ranges(ranges, &mut problems);
        for day in &days {
            for &(start, len) in &ranges {
                windows.push((day * DAY_MINUTES + start, len));
            }
        }
    }
    if problems.is_empty() {
        Ok(windows)
    } else {
        Err(problems)
    }
}

/// `day-or-span *( "," day-or-span )` as day numbers, Monday 0.
fn parse_days(text: &str, problems: &mut Vec<String>) -> Vec<u32> {
    let mut days = Vec::new();
    for item in text.split(',') {
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (day(a, problems), day(b, problems)),
            None => {
                let d = day(item, problems);
                (d, d)
            }
        };
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        if first > last {
            problems.push(format!(
                "{item:?} runs backwards (the week starts on Mon); write it as \"{},{}\"",
                span(first, 6),
                span(0, last)
            ));
            continue;
        }
        days.extend(first..=last);
    }
    days
}

/// `Mon-Wed`, or `Mon` when the span is one day.
fn span(first: u32, last: u32) -> String {
    if first == last {
        DAYS[first as usize].to_owned()
    } else {
        format!("{}-{}", DAYS[first as usize], DAYS[last as usize])
    }
}

fn day(text: &str, problems: &mut Vec<String>) -> Option<u32> {
    let found = DAYS.iter().position(|d| d.eq_ignore_ascii_case(text));
    if found.is_none() {
        problems.push(format!(
            "{text:?} is not a day; use {}",
            DAYS.join(", ").replacen(", Sun", " or Sun", 1)
        ));
    }
    found.and_then(|d| u32::try_from(d).ok())
}

/// `range *( "," range )` as (start, length) in minutes from the day's midnight.
fn parse_ranges(text: &str, problems: &mut Vec<String>) -> Vec<(u32, u32)> {
    let mut ranges = Vec::new();
    for range in text.split(',') {
        let Some((from, to)) = range.split_once('-') else {
            problems.push(format!(
                "{range:?} is not a range of times like \"10:00-16:00\""
            ));
            continue;
        };
        let (Some(start), Some(end)) = (time(from, problems), time(to, problems)) else {
            continue;
        };
        if start == DAY_MINUTES {
            problems.push(format!(
                "{range:?} starts at 24:00; start at 00:00 of the next day instead"
            ));
        } else if start == end {
            problems.push(format!(
                "{range:?} is empty: it ends when it starts (a whole day is \"00:00-24:00\")"
            ));
        } else if end < start {
            // Crosses midnight: "Fri 22:00-02:00" runs into Saturday. 24:00 as an end already
            // means midnight, so an end past it ("22:00-24:30") is not a crossing.
            ranges.push((start, DAY_MINUTES - start + end));
        } else {
            ranges.push((start, end - start));
        }
    }
    ranges
}

/// `HH:MM`, 00:00 to 24:00, as minutes from midnight.
fn time(text: &str, problems: &mut Vec<String>) -> Option<u32> {
    let parsed = match text.as_bytes() {
        [h1, h2, b':', m1, m2] if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) => {
            let digit = |c: &u8| u32::from(c - b'0');
            let (h, m) = (digit(h1) * 10 + digit(h2), digit(m1) * 10 + digit(m2));
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        }
        _ => None,
    };
    if parsed.is_none() {
        problems.push(format!(
            "{text:?} is not a time from 00:00 to 24:00 (two digits, a colon, two digits)"
        ));
    }
    parsed
}

#[cfg(test)]
mod tests;
