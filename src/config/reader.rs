//! Typed getters over a TOML table that record each wrong key as a [`Problem`] and go on, so
//! every problem in a file is found in one pass.

use super::{Env, error::Problem};

/// Collects problems while reading keys.
pub(super) struct Reader {
    /// Every problem found so far, in the order found.
    pub(super) problems: Vec<Problem>,
}

impl Reader {
    /// Records that `key` is wrong, and why.
    pub(super) fn problem(&mut self, key: &str, why: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_owned(),
            why: why.into(),
        });
    }

    /// Records every key of `t` that is not in `known`.
    pub(super) fn unknown_keys(&mut self, t: &toml::Table, known: &[&str], prefix: &str) {
        for key in t.keys().filter(|k| !known.contains(&k.as_str())) {
            self.problem(
                &format!("{prefix}{key}"),
                format!("unknown key; known keys here: {}", known.join(", ")),
            );
        }
    }

    /// A required string that an environment variable may override.
    pub(super) fn overridden(
        &mut self,
        t: &toml::Table,
        key: &str,
        var: &str,
        env: &dyn Env,
    ) -> Option<String> {
        if let Some(v) = env.get(var) {
            return Some(v);
        }
        let v = self.string(t, key, "");
        if v.is_none() && !self.problems.iter().any(|p| p.key == key) {
            self.problem(key, format!("missing; set it in the file or with {var}"));
        }
        v
    }

    /// A non-empty string, if the key is present.
    pub(super) fn string(&mut self, t: &toml::Table, key: &str, prefix: &str) -> Option<String> {
        match t.get(key)? {
            toml::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            toml::Value::String(_) => {
                self.problem(&format!("{prefix}{key}"), "is empty");
                None
            }
            other => {
                self.problem(
                    &format!("{prefix}{key}"),
                    format!("expected a string, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A list of strings, if the key is present; each wrong item is recorded.
    pub(super) fn strings(
        &mut self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
    ) -> Option<Vec<String>> {
        let full = format!("{prefix}{key}");
        match t.get(key)? {
            toml::Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) => out.push(s.to_owned()),
                        None => self.problem(
                            &format!("{full}[{i}]"),
                            format!("expected a string, found a {}", item.type_str()),
                        ),
                    }
                }
                Some(out)
            }
            other => {
                self.problem(
                    &full,
                    format!("expected a list of strings, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A whole number in `min..=max`, if the key is present.
    pub(super) fn integer(
        &mut self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
        min: i64,
        max: i64,
    ) -> Option<u64> {
        let full = format!("{prefix}{key}");
        match t.get(key)? {
            toml::Value::Integer(n) if (min..=max).contains(n) => Some(*n as u64),
            toml::Value::Integer(n) => {
                self.problem(&full, format!("{n} is out of range; use {min} to {max}"));
                None
            }
            other => {
                self.problem(
                    &full,
                    format!("expected a whole number, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A number of days, whole or fractional, from 0 to `max`, if the key is present: `0` is
    /// `Some(None)` (never), anything else `Some(Some(duration))`.
    pub(super) fn days(
        &mut self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
        max: f64,
    ) -> Option<Option<std::time::Duration>> {
        let days = self.amount(t, key, prefix, max, ("days", " (never)"))??;
        Some((days > 0.0).then(|| std::time::Duration::from_secs_f64(days * 86_400.0)))
    }

    /// A number of seconds, whole or fractional, from 0 to `max`, if the key is present:
    /// `Some(None)` when it is wrong (recorded), `Some(Some(duration))` otherwise.
    pub(super) fn seconds(
        &mut self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
        max: f64,
    ) -> Option<Option<std::time::Duration>> {
        let seconds = self.amount(t, key, prefix, max, ("seconds", ""))?;
        Some(seconds.map(std::time::Duration::from_secs_f64))
    }

    /// A number from 0 to `max`, whole or fractional, if the key is present: `Some(None)` when
    /// it is wrong (recorded). `unit` names it in the problem, with what 0 means.
    fn amount(
        &mut self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
        max: f64,
        (unit, zero): (&str, &str),
    ) -> Option<Option<f64>> {
        let full = format!("{prefix}{key}");
        let value = match t.get(key)? {
            toml::Value::Integer(n) => *n as f64,
            toml::Value::Float(x) => *x,
            other => {
                self.problem(
                    &full,
                    format!("expected a number of {unit}, found a {}", other.type_str()),
                );
                return Some(None);
            }
        };
        if !(0.0..=max).contains(&value) {
            self.problem(
                &full,
                format!("{value} is out of range; use 0{zero} to {max}"),
            );
            return Some(None);
        }
        Some(Some(value))
    }

    /// `true` or `false`, if the key is present.
    pub(super) fn boolean(&mut self, t: &toml::Table, key: &str, prefix: &str) -> Option<bool> {
        match t.get(key)? {
            toml::Value::Boolean(b) => Some(*b),
            other => {
                self.problem(
                    &format!("{prefix}{key}"),
                    format!("expected true or false, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A sub-table such as `[rooms]`, if the key is present.
    pub(super) fn table<'t>(&mut self, t: &'t toml::Table, key: &str) -> Option<&'t toml::Table> {
        match t.get(key)? {
            toml::Value::Table(inner) => Some(inner),
            other => {
                self.problem(
                    key,
                    format!("expected a table [{key}], found a {}", other.type_str()),
                );
                None
            }
        }
    }
}
