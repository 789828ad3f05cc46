//! The [`Region`] whose help (helplines, reporting sites) is listed first: its codes in the config
//! and in response files, and its names for people.

/// Where the region-specific help (helplines, reporting sites) that comes first is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// United States.
    Us,
    /// United Kingdom.
    Uk,
    /// European Union.
    Eu,
    /// Australia.
    Au,
    /// Canada.
    Ca,
    /// International services, useful anywhere.
    Intl,
}

impl Region {
    /// Every region, in the order used when none is preferred.
    pub const ALL: [Region; 6] = [
        Region::Us,
        Region::Uk,
        Region::Eu,
        Region::Au,
        Region::Ca,
        Region::Intl,
    ];

    /// Parses the code used in the config and in response files.
    pub fn try_from_code(code: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The code used in the config and in response files.
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Uk => "uk",
            Region::Eu => "eu",
            Region::Au => "au",
            Region::Ca => "ca",
            Region::Intl => "intl",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Region::Us => "United States",
            Region::Uk => "United Kingdom",
            Region::Eu => "European Union",
            Region::Au => "Australia",
            Region::Ca => "Canada",
            Region::Intl => "International",
        }
    }
}
