//! Opening hours at fixed instants: the edges of a day, a week and daylight saving.

use super::*;

fn at(instant: &str) -> Timestamp {
    instant.parse().expect("an RFC 3339 instant")
}

fn hours(text: &str, tz: &str) -> Hours {
    Hours::parse(text, Some(tz)).unwrap_or_else(|p| panic!("{text:?} in {tz}: {p:?}"))
}

fn closed(day: &'static str, time: &str, place: &'static str) -> Status<'static> {
    Status::Closed {
        day,
        time: time.to_owned(),
        place,
    }
}

/// The Revenge Porn Helpline's hours, as the response set has them.
fn office() -> Hours {
    hours("Mon-Fri 10:00-16:00", "Europe/London")
}

// One table: every row is a UK office-hours line at one instant. 2026-01-12 and 2026-07-13 are
// Mondays; the UK is on GMT (UTC+0) in January and on BST (UTC+1) in July.
#[test]
fn office_hours_in_the_uk_at_the_edges() {
    let cases: &[(&str, &str, Status<'_>)] = &[
        (
            "winter, 09:59 GMT",
            "2026-01-12T09:59:59Z",
            closed("Mon", "10:00", "London"),
        ),
        ("winter, 10:00 GMT", "2026-01-12T10:00:00Z", Status::Open),
        ("winter, 15:59 GMT", "2026-01-12T15:59:59Z", Status::Open),
        (
            "winter, 16:00 GMT",
            "2026-01-12T16:00:00Z",
            closed("Tue", "10:00", "London"),
        ),
        (
            "summer, 09:59 BST is 08:59 UTC",
            "2026-07-13T08:59:00Z",
            closed("Mon", "10:00", "London"),
        ),
        (
            "summer, 10:00 BST is 09:00 UTC",
            "2026-07-13T09:00:00Z",
            Status::Open,
        ),
        ("summer, 15:59 BST", "2026-07-13T14:59:59Z", Status::Open),
        (
            "summer, 16:00 BST is 15:00 UTC",
            "2026-07-13T15:00:00Z",
            closed("Tue", "10:00", "London"),
        ),
        (
            "summer, 10:00 UTC would be open on GMT, is 11:00 BST",
            "2026-07-13T10:00:00Z",
            Status::Open,
        ),
        (
            "Friday evening",
            "2026-01-16T18:30:00Z",
            closed("Mon", "10:00", "London"),
        ),
        (
            "Saturday noon",
            "2026-01-17T12:00:00Z",
            closed("Mon", "10:00", "London"),
        ),
        (
            "Sunday, a minute to midnight",
            "2026-01-18T23:59:00Z",
            closed("Mon", "10:00", "London"),
        ),
        (
            "Monday midnight, opens the same day",
            "2026-01-12T00:00:00Z",
            closed("Mon", "10:00", "London"),
        ),
        (
            "Wednesday 02:00",
            "2026-01-14T02:00:00Z",
            closed("Wed", "10:00", "London"),
        ),
    ];
    let office = office();
    for (name, instant, expected) in cases {
        assert_eq!(office.status_at(at(instant)), *expected, "{name}");
    }
}

#[test]
fn the_uk_clock_change_counts_from_its_instant() {
    // 2026-03-29, a Sunday: at 01:00 UTC the UK goes from 01:00 GMT to 02:00 BST.
    let early = hours("Sun 01:30-03:00", "Europe/London");
    assert_eq!(
        early.status_at(at("2026-03-29T00:59:59Z")),
        closed("Sun", "01:30", "London"),
        "00:59 GMT, the last second before the change"
    );
    assert_eq!(
        early.status_at(at("2026-03-29T01:00:00Z")),
        Status::Open,
        "02:00 BST, the first second after it"
    );
    // 2026-10-25: at 01:00 UTC, 02:00 BST becomes 01:00 GMT again.
    let late = hours("Sun 01:30-02:00", "Europe/London");
    assert_eq!(
        late.status_at(at("2026-10-25T00:30:00Z")),
        Status::Open,
        "01:30 BST"
    );
    assert_eq!(
        late.status_at(at("2026-10-25T01:00:00Z")),
        closed("Sun", "01:30", "London"),
        "01:00 GMT, after the change"
    );
    assert_eq!(
        late.status_at(at("2026-10-25T01:30:00Z")),
        Status::Open,
        "01:30 GMT"
    );
    // The office hours follow the clocks: Monday 10:00 is 10:00 UTC before, 09:00 UTC after.
    assert_eq!(
        office().status_at(at("2026-03-23T09:30:00Z")),
        closed("Mon", "10:00", "London")
    );
    assert_eq!(office().status_at(at("2026-03-30T09:30:00Z")), Status::Open);
}

#[test]
fn the_same_instant_in_another_zone() {
    // Monday 16:30 in London is 11:30 in New York.
    let now = at("2026-01-12T16:30:00Z");
    assert_eq!(office().status_at(now), closed("Tue", "10:00", "London"));
    let new_york = hours("Mon-Fri 10:00-16:00", "America/New_York");
    assert_eq!(new_york.status_at(now), Status::Open);
    // Monday 14:30 in London is 09:30 in New York: the opening is shown in New York's time.
    assert_eq!(
        new_york.status_at(at("2026-01-12T14:30:00Z")),
        closed("Mon", "10:00", "New York")
    );
    assert_eq!(new_york.place(), Some("New York"));
}

#[test]
fn a_range_crossing_midnight_runs_into_the_next_day() {
    let late = hours("Fri 22:00-02:00", "Europe/London");
    for (instant, open) in [
        ("2026-01-16T21:59:00Z", false),
        ("2026-01-16T22:00:00Z", true),
        ("2026-01-16T23:59:59Z", true),
        ("2026-01-17T00:00:00Z", true),
        ("2026-01-17T01:59:00Z", true),
        ("2026-01-17T02:00:00Z", false),
    ] {
        assert_eq!(
            late.status_at(at(instant)) == Status::Open,
            open,
            "{instant}"
        );
    }
    assert_eq!(
        late.status_at(at("2026-01-17T02:00:00Z")),
        closed("Fri", "22:00", "London")
    );
    // Sunday night runs into Monday morning, across the end of the week.
    let sunday = hours("Sun 22:00-02:00", "Europe/London");
    assert_eq!(sunday.status_at(at("2026-01-12T01:00:00Z")), Status::Open);
    assert_eq!(
        sunday.status_at(at("2026-01-12T02:00:00Z")),
        closed("Sun", "22:00", "London")
    );
}

#[test]
fn lists_of_days_and_ranges_and_several_rules() {
    let h = hours(
        "Mon-Fri 10:00-13:00,14:00-16:00; Sat 10:00-14:00; Sun,Wed 20:00-24:00",
        "Europe/London",
    );
    for (instant, expected) in [
        ("2026-01-12T12:59:00Z", Status::Open),
        ("2026-01-12T13:30:00Z", closed("Mon", "14:00", "London")),
        ("2026-01-17T13:59:00Z", Status::Open),
        ("2026-01-17T14:00:00Z", closed("Sun", "20:00", "London")),
        ("2026-01-18T23:59:00Z", Status::Open),
        ("2026-01-14T16:00:00Z", closed("Wed", "20:00", "London")),
        ("2026-01-14T23:59:59Z", Status::Open),
        ("2026-01-15T00:00:00Z", closed("Thu", "10:00", "London")),
    ] {
        assert_eq!(h.status_at(at(instant)), expected, "{instant}");
    }
    let lower = hours("mon-fri 10:00-16:00", "Europe/London");
    assert_eq!(lower, office(), "day names in any case");
}

#[test]
fn always_open_needs_no_zone() {
    let always = Hours::parse("24/7", None).expect("24/7 parses without a zone");
    assert!(always.is_always());
    assert_eq!(always.place(), None);
    for instant in [
        "2026-01-12T00:00:00Z",
        "2026-03-29T01:00:00Z",
        "2026-01-17T03:00:00Z",
    ] {
        assert_eq!(always.status_at(at(instant)), Status::Open, "{instant}");
    }
    assert!(!office().is_always());
}

// One table: every row is a malformed `hours` or `tz` and the field and words its problem names.
#[test]
fn malformed_hours_and_zones_are_named() {
    let cases: &[(&str, &str, Option<&str>, &str, &str)] = &[
        (
            "bad day",
            "Mnd-Fri 10:00-16:00",
            Some("Europe/London"),
            "hours",
            "\"Mnd\" is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun",
        ),
        (
            "full day name",
            "Monday 10:00-16:00",
            Some("Europe/London"),
            "hours",
            "\"Monday\" is not a day",
        ),
        (
            "backwards days",
            "Fri-Mon 10:00-16:00",
            Some("Europe/London"),
            "hours",
            "write it as \"Fri-Sun,Mon\"",
        ),
        (
            "bad hour",
            "Mon-Fri 10:00-25:00",
            Some("Europe/London"),
            "hours",
            "\"25:00\" is not a time from 00:00 to 24:00",
        ),
        (
            "bad minute",
            "Mon-Fri 10:60-16:00",
            Some("Europe/London"),
            "hours",
            "\"10:60\" is not a time",
        ),
        (
            "one-digit hour",
            "Mon-Fri 9:00-16:00",
            Some("Europe/London"),
            "hours",
            "\"9:00\" is not a time",
        ),
        (
            "past 24:00",
            "Mon 10:00-24:30",
            Some("Europe/London"),
            "hours",
            "\"24:30\" is not a time",
        ),
        (
            "starts at 24:00",
            "Mon 24:00-02:00",
            Some("Europe/London"),
            "hours",
            "starts at 24:00",
        ),
        (
            "ends when it starts",
            "Mon 10:00-10:00",
            Some("Europe/London"),
            "hours",
            "is empty: it ends when it starts",
        ),
        (
            "no times",
            "Mon-Fri",
            Some("Europe/London"),
            "hours",
            "is not days then times",
        ),
        (
            "a single time",
            "Mon-Fri 10:00",
            Some("Europe/London"),
            "hours",
            "is not a range of times",
        ),
        (
            "space in a range",
            "Mon-Fri 10:00 - 16:00",
            Some("Europe/London"),
            "hours",
            "is not days then times",
        ),
        (
            "trailing semicolon",
            "Mon-Fri 10:00-16:00;",
            Some("Europe/London"),
            "hours",
            "empty rule",
        ),
        ("empty", " ", Some("Europe/London"), "hours", "is empty"),
        (
            "24/7 spelled otherwise",
            "24x7",
            None,
            "hours",
            "is not days then times",
        ),
        (
            "unknown zone",
            "Mon-Fri 10:00-16:00",
            Some("Europe/Londn"),
            "tz",
            "\"Europe/Londn\" is not a time zone of the tz database",
        ),
        (
            "an abbreviation, not a zone",
            "Mon-Fri 10:00-16:00",
            Some("BST"),
            "tz",
            "not a time zone",
        ),
        (
            "hours without a zone",
            "Mon-Fri 10:00-16:00",
            None,
            "tz",
            "is missing",
        ),
    ];
    for (name, text, tz, field, why) in cases {
        match Hours::parse(text, *tz) {
            Ok(h) => panic!("{name}: {text:?} parsed as {h:?}"),
            Err(problems) => assert!(
                problems.iter().any(|(f, w)| f == field && w.contains(why)),
                "{name}: expected {field} {why:?}, got {problems:?}"
            ),
        }
    }
}

#[test]
fn every_problem_of_one_line_is_listed() {
    let problems = Hours::parse("Mnd 25:00-16:00; Sat 10:00-", Some("Mars/Olympus")).unwrap_err();
    assert_eq!(problems.len(), 4, "{problems:?}");
}
