//! Who may bring the bot into a room: the allow-list and a cap on joins per inviter. Pure (the
//! clock is passed in), so every rule is a unit test; `join.rs` applies it to invites and to
//! room upgrades alike (the sender of the tombstone counts as the inviter).

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant},
};

use matrix_sdk::ruma::{OwnedUserId, UserId};

/// The window the join cap counts over.
pub const WINDOW: Duration = Duration::from_secs(3600);

/// Why an invite is declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The inviter is not on `rooms.allowed_inviters`.
    NotAllowed,
    /// The inviter brought the bot into `rooms.max_joins_per_inviter_per_hour` rooms already.
    TooManyJoins,
}

impl Refusal {
    /// A content-free word for the log.
    pub fn kind(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "not-allowed",
            Refusal::TooManyJoins => "join-cap",
        }
    }

    /// The reason, for the log line.
    pub fn why(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "the inviter is not on the allow-list",
            Refusal::TooManyJoins => "the inviter reached rooms.max_joins_per_inviter_per_hour",
        }
    }
}

/// Whether `inviter` is on the allow-list: a user id, or a server name for everyone on it. An
/// empty list allows anyone.
pub fn allowed(allow_list: &[String], inviter: &UserId) -> bool {
    allow_list.is_empty()
        || allow_list.iter().any(|a| {
            a == inviter.as_str() || (!a.starts_with('@') && a == inviter.server_name().as_str())
        })
}

/// Joins per inviter in the last hour, in memory only (a restart starts afresh).
#[derive(Debug)]
pub struct JoinCap {
    per_hour: u32,
    joins: HashMap<OwnedUserId, VecDeque<Instant>>,
}

impl JoinCap {
    /// A cap of `per_hour` joins per inviter.
    pub fn new(per_hour: u32) -> Self {
        JoinCap {
            per_hour,
            joins: HashMap::new(),
        }
    }

    /// Decides an invite (or an upgrade) from `inviter` at `now`; an accepted one counts
    /// against the inviter's cap.
    pub fn admit(
        &mut self,
        allow_list: &[String],
        inviter: Option<&UserId>,
        now: Instant,
    ) -> Result<(), Refusal> {
        let Some(inviter) = inviter else {
            // Without a known inviter only an open bot joins, and nobody's cap is counted.
            return if allow_list.is_empty() {
                Ok(())
            } else {
                Err(Refusal::NotAllowed)
            };
        };
        if !allowed(allow_list, inviter) {
            return Err(Refusal::NotAllowed);
        }
        // Forget inviters with no join in the window, so the map stays small.
        self.joins.retain(|_, times| {
            while times
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
            {
                times.pop_front();
            }
            !times.is_empty()
        });
        let times = self.joins.entry(inviter.to_owned()).or_default();
        if times.len() >= self.per_hour as usize {
            return Err(Refusal::TooManyJoins);
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::user_id;

    use super::*;

    #[test]
    fn the_allow_list_takes_user_ids_and_servers_and_empty_means_anyone() {
        let alice = user_id!("@alice:example.org");
        let bob = user_id!("@bob:example.net");
        assert!(allowed(&[], alice));
        let list = vec!["@alice:example.org".to_owned(), "example.com".to_owned()];
        assert!(allowed(&list, alice));
        assert!(!allowed(&list, bob));
        assert!(allowed(&list, user_id!("@carol:example.com")));
        // A server entry is the whole name, not a suffix.
        assert!(!allowed(&list, user_id!("@mallory:evilexample.com")));
    }

    #[test]
    fn each_inviter_gets_the_cap_per_hour_and_it_frees_up_after_the_hour() {
        let alice = user_id!("@alice:example.org");
        let bob = user_id!("@bob:example.org");
        let mut cap = JoinCap::new(2);
        let t0 = Instant::now();
        assert_eq!(cap.admit(&[], Some(alice), t0), Ok(()));
        assert_eq!(
            cap.admit(&[], Some(alice), t0 + Duration::from_secs(60)),
            Ok(())
        );
        assert_eq!(
            cap.admit(&[], Some(alice), t0 + Duration::from_secs(120)),
            Err(Refusal::TooManyJoins)
        );
        // Another inviter has their own count.
        assert_eq!(
            cap.admit(&[], Some(bob), t0 + Duration::from_secs(120)),
            Ok(())
        );
        // An hour after the first join, one place is free again; refused tries do not count.
        assert_eq!(cap.admit(&[], Some(alice), t0 + WINDOW), Ok(()));
        assert_eq!(
            cap.admit(&[], Some(alice), t0 + WINDOW + Duration::from_secs(1)),
            Err(Refusal::TooManyJoins)
        );
    }

    #[test]
    fn a_refused_inviter_uses_no_place_and_an_unknown_one_joins_only_an_open_bot() {
        let alice = user_id!("@alice:example.org");
        let list = vec!["example.net".to_owned()];
        let mut cap = JoinCap::new(1);
        let now = Instant::now();
        assert_eq!(cap.admit(&list, Some(alice), now), Err(Refusal::NotAllowed));
        assert_eq!(cap.admit(&list, None, now), Err(Refusal::NotAllowed));
        assert_eq!(cap.admit(&[], None, now), Ok(()));
        assert_eq!(cap.admit(&[], Some(alice), now), Ok(()));
    }
}
