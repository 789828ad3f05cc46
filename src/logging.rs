//! How log lines are written, so that no line names who talked to the bot.
//!
//! Two filters and one format, none of which `RUST_LOG` can widen:
//! - **levels**: confidant's own targets log at `debug` at most; matrix-sdk and its friends at
//!   `info` at most, everything else at `warn` (their `debug`/`trace` print request and response
//!   bodies). `RUST_LOG` (default `info`) can only lower these.
//! - **dependency lines** keep only their time, level, target and call site (`file:line`): their
//!   messages and fields carry room ids, user and device ids and display names (matrix-sdk's
//!   "joined room", the inviter's member event, key-sharing recipients). The operator can turn
//!   them back on for one debugging run with `--log-identifiers`, which is logged as a warning.
//! - **no span context** on any line: `#[instrument]` fields (room ids, user ids) of the
//!   dependencies' spans would otherwise be printed around every line, ours included. Span
//!   fields are not even kept in memory unless `--log-identifiers` is on.
//!
//! Our own lines print their message and fields, which carry event kinds, outcome classes,
//! counts and latencies only (see [`crate::privacy`] for the policy).

use std::fmt::{self, Write as _};

use serde_json::{Map, Value};
use tracing::{
    Event, Level, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    EnvFilter, Layer,
    filter::Targets,
    fmt::{
        FmtContext, FormatEvent, FormatFields, MakeWriter,
        format::{self, Writer},
        time::{FormatTime, SystemTime},
    },
    layer::SubscriberExt,
    registry::LookupSpan,
    util::SubscriberInitExt,
};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// What the operator chose for this process's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogOptions {
    /// Text or JSON lines.
    pub format: LogFormat,
    /// Print the dependencies' messages, fields and spans, identifiers included
    /// (`--log-identifiers`): for a debugging session, never for a running service.
    pub identifiers: bool,
}

/// The highest level each dependency may log at, whatever `RUST_LOG` says.
///
/// `info` and above of these crates carry no bodies (checked by the canary tests); below that
/// they print requests, responses and events.
const DEPENDENCY_CAPS: &[(&str, Level)] = &[
    ("matrix_sdk", Level::INFO),
    ("matrix_sdk_base", Level::INFO),
    ("matrix_sdk_crypto", Level::INFO),
    ("matrix_sdk_sqlite", Level::INFO),
    ("matrix_sdk_common", Level::INFO),
    ("matrix_sdk_store_encryption", Level::INFO),
    ("ruma", Level::WARN),
    ("ruma_common", Level::WARN),
    ("ruma_events", Level::WARN),
    ("ruma_client_api", Level::WARN),
    ("vodozemac", Level::WARN),
    ("hyper", Level::WARN),
    ("hyper_util", Level::WARN),
    ("reqwest", Level::WARN),
    ("h2", Level::WARN),
    ("rustls", Level::WARN),
    ("rusqlite", Level::WARN),
    ("deadpool", Level::WARN),
    ("eyeball", Level::WARN),
    ("tower", Level::WARN),
];

/// The cap for everything else that is not ours (unknown dependencies default to quiet).
const OTHER_CAP: Level = Level::WARN;

/// The cap for confidant's own targets: `debug` still carries only kinds, counts and timings.
const OWN_CAP: Level = Level::DEBUG;

/// Our own targets: the library and the binary.
const OWN_TARGET: &str = "confidant";

/// The filter that `RUST_LOG` cannot raise.
pub fn level_caps() -> Targets {
    DEPENDENCY_CAPS
        .iter()
        .fold(
            Targets::new().with_default(OTHER_CAP),
            |t, (target, level)| t.with_target(*target, *level),
        )
        .with_target(OWN_TARGET, OWN_CAP)
}

/// Whether a line comes from confidant itself, whose fields are vetted.
fn is_own(target: &str) -> bool {
    target == OWN_TARGET
        || target
            .strip_prefix(OWN_TARGET)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// Installs the global subscriber on stderr: `RUST_LOG` (default `info`) chooses, the caps
/// decide, [`PrivateFormat`] writes.
pub fn init(options: LogOptions) {
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only on a terminal, and not with NO_COLOR: in the journal or a file they are
    // noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let layer = format_layer(options, std::io::stderr, ansi);
    // A second `init` (tests) is harmless, so its error is ignored.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(level_caps()).with_filter(wanted))
        .try_init();
    if options.identifiers {
        tracing::warn!(
            "--log-identifiers is on: this log names rooms, users, devices and display names of the people who talk to the bot; turn it off when the debugging is done and delete this log"
        );
    }
}

/// The layer that writes lines with [`PrivateFormat`] to `writer`.
fn format_layer<S, W>(options: LogOptions, writer: W, ansi: bool) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    match (options.identifiers, options.format) {
        (false, format) => layer
            .fmt_fields(NoSpanFields)
            .event_format(PrivateFormat::new(format))
            .boxed(),
        (true, LogFormat::Text) => layer
            .event_format(PrivateFormat::new(LogFormat::Text).with_identifiers())
            .boxed(),
        (true, LogFormat::Json) => layer
            .fmt_fields(format::JsonFields::new())
            .event_format(PrivateFormat::new(LogFormat::Json).with_identifiers())
            .boxed(),
    }
}

/// Keeps dependency span fields out of memory: spans are never printed without
/// `--log-identifiers`, so there is no reason to format and store their fields.
struct NoSpanFields;

impl<'writer> FormatFields<'writer> for NoSpanFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        _writer: Writer<'writer>,
        _fields: R,
    ) -> fmt::Result {
        Ok(())
    }
}

/// Writes one line per event: our own with message and fields, a dependency's with its call
/// site only, and never a span.
struct PrivateFormat {
    format: LogFormat,
    /// With `--log-identifiers`, dependency lines are handed to tracing-subscriber's own format
    /// (message, fields, spans).
    full: Option<FullFormat>,
}

/// tracing-subscriber's own formats, for `--log-identifiers`.
enum FullFormat {
    Text(format::Format<format::Full>),
    Json(format::Format<format::Json>),
}

impl PrivateFormat {
    fn new(format: LogFormat) -> Self {
        Self { format, full: None }
    }

    fn with_identifiers(mut self) -> Self {
        self.full = Some(match self.format {
            LogFormat::Text => FullFormat::Text(format::Format::default()),
            LogFormat::Json => FullFormat::Json(format::Format::default().json()),
        });
        self
    }
}

impl<S, N> FormatEvent<S, N> for PrivateFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let own = is_own(meta.target());
        if !own {
            match &self.full {
                Some(FullFormat::Text(f)) => return f.format_event(ctx, writer, event),
                Some(FullFormat::Json(f)) => return f.format_event(ctx, writer, event),
                None => {}
            }
        }
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let fields = if own {
            let mut fields = Fields::default();
            event.record(&mut fields);
            fields.0
        } else {
            Vec::new()
        };
        let line = Line {
            timestamp: &timestamp,
            level: *meta.level(),
            target: meta.target(),
            call_site: (!own).then(|| call_site(meta)),
            fields: &fields,
        };
        match self.format {
            LogFormat::Text => {
                let ansi = writer.has_ansi_escapes();
                line.write_text(&mut writer, ansi)
            }
            LogFormat::Json => line.write_json(&mut writer),
        }
    }
}

/// Where a dependency's event is in its source: enough to look it up, nothing about the data.
/// A registry path is cut to the crate's own (`matrix-sdk-0.18.0/src/client/mod.rs:1622`).
fn call_site(meta: &tracing::Metadata<'_>) -> String {
    match (meta.file().map(in_crate), meta.line()) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.to_owned(),
        _ => meta.name().to_owned(),
    }
}

/// A source path from the crate's directory on (the registry's part says nothing useful).
fn in_crate(file: &str) -> &str {
    file.rsplit_once("/registry/src/")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or(file, |(_, in_crate)| in_crate)
}

/// One log line before it is written.
struct Line<'a> {
    timestamp: &'a str,
    level: Level,
    target: &'a str,
    /// Only for dependency lines, which print nothing else.
    call_site: Option<String>,
    /// Only for our own lines; `message` first when present.
    fields: &'a [(&'static str, Value)],
}

impl Line<'_> {
    fn write_text(&self, w: &mut Writer<'_>, ansi: bool) -> fmt::Result {
        let level = format!("{:>5}", self.level);
        let level = if ansi {
            let colour = match self.level {
                Level::ERROR => "31",
                Level::WARN => "33",
                Level::INFO => "32",
                Level::DEBUG => "34",
                Level::TRACE => "35",
            };
            format!("\x1b[{colour}m{level}\x1b[0m")
        } else {
            level
        };
        write!(w, "{} {level} {}:", self.timestamp, self.target)?;
        if let Some(site) = &self.call_site {
            write!(w, " [{site}] (message and fields withheld)")?;
        }
        for (name, value) in self.fields {
            match (*name, value) {
                ("message", Value::String(s)) => write!(w, " {s}")?,
                (name, Value::String(s)) => write!(w, " {name}={s}")?,
                (name, other) => write!(w, " {name}={other}")?,
            }
        }
        writeln!(w)
    }

    fn write_json(&self, w: &mut Writer<'_>) -> fmt::Result {
        let mut object = Map::new();
        object.insert("timestamp".into(), self.timestamp.into());
        object.insert("level".into(), self.level.as_str().into());
        object.insert("target".into(), self.target.into());
        if let Some(site) = &self.call_site {
            object.insert("call_site".into(), site.as_str().into());
        }
        for (name, value) in self.fields {
            object.insert((*name).to_owned(), value.clone());
        }
        let text = serde_json::to_string(&Value::Object(object)).map_err(|_| fmt::Error)?;
        writeln!(w, "{text}")
    }
}

/// An event's fields, in order, as JSON values.
#[derive(Default)]
struct Fields(Vec<(&'static str, Value)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = write!(s, "{value:?}");
        self.0.push((field.name(), Value::String(s)));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name(), value.into()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push((field.name(), value.into()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name(), value.into()));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.push((field.name(), value.into()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push((field.name(), value.into()));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn dependency_caps_hold_at_trace() {
        let caps = level_caps();
        assert!(!caps.would_enable("matrix_sdk::sync", &Level::DEBUG));
        assert!(!caps.would_enable("matrix_sdk_crypto::machine", &Level::TRACE));
        assert!(!caps.would_enable("hyper_util::client", &Level::INFO));
        assert!(!caps.would_enable("some_new_crate", &Level::INFO));
        assert!(caps.would_enable("matrix_sdk::sync", &Level::INFO));
        assert!(caps.would_enable("confidant::matrix", &Level::DEBUG));
        assert!(!caps.would_enable("confidant::matrix", &Level::TRACE));
    }

    #[test]
    fn only_our_own_targets_count_as_ours() {
        for (target, own) in [
            ("confidant", true),
            ("confidant::matrix::bot", true),
            ("confidant_echo_floor", false),
            ("confidantial::x", false),
            ("matrix_sdk::client", false),
        ] {
            assert_eq!(is_own(target), own, "{target}");
        }
    }

    #[test]
    fn registry_paths_are_cut_to_the_crate() {
        for (file, cut) in [
            (
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/matrix-sdk-0.18.0/src/client/mod.rs",
                "matrix-sdk-0.18.0/src/client/mod.rs",
            ),
            ("src/matrix/bot.rs", "src/matrix/bot.rs"),
            ("/root/.cargo/registry/src/", "/root/.cargo/registry/src/"),
        ] {
            assert_eq!(in_crate(file), cut);
        }
    }

    /// A writer that keeps what is logged, for the format tests.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// What a dependency and confidant log inside a dependency's `#[instrument]` span, written
    /// with the given options.
    fn log_through(options: LogOptions) -> String {
        let out = Captured::default();
        let layer = format_layer(options, out.clone(), false);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(target: "matrix_sdk::sync", "sync_once", room_id = "!SPANROOM:example.org");
            let _entered = span.enter();
            tracing::info!(target: "matrix_sdk::room", user_id = "@DEPUSER:example.org", "joined room !DEPROOM:example.org as Displayname");
            tracing::info!(target: "confidant::matrix::bot", outcome = "answered", ms = 12u64, urgent = false, "event handled");
        });
        let bytes = out.0.lock().expect("not poisoned").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    const IDENTIFIERS: [&str; 4] = ["SPANROOM", "DEPUSER", "DEPROOM", "Displayname"];

    #[test]
    fn dependency_lines_keep_their_call_site_and_nothing_else_and_no_line_has_span_fields() {
        for format in [LogFormat::Text, LogFormat::Json] {
            let log = log_through(LogOptions {
                format,
                identifiers: false,
            });
            for id in IDENTIFIERS {
                assert!(!log.contains(id), "{format:?} log shows {id}:\n{log}");
            }
            assert_eq!(log.lines().count(), 2, "{log}");
            assert!(log.contains("matrix_sdk::room"), "{log}");
            assert!(log.contains("src/logging.rs:"), "call site missing:\n{log}");
            assert!(log.contains("event handled"), "{log}");
            assert!(log.contains("answered") && log.contains("12"), "{log}");
            assert!(!log.contains("sync_once"), "span name printed:\n{log}");
        }
    }

    #[test]
    fn json_lines_are_one_object_each_with_the_fields_flattened() {
        let log = log_through(LogOptions {
            format: LogFormat::Json,
            identifiers: false,
        });
        let lines: Vec<Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines[0]["target"], "matrix_sdk::room");
        assert_eq!(lines[0]["level"], "INFO");
        assert!(lines[0]["call_site"].is_string());
        assert!(lines[0].get("message").is_none());
        assert_eq!(lines[1]["message"], "event handled");
        assert_eq!(lines[1]["outcome"], "answered");
        assert_eq!(lines[1]["ms"], 12);
        assert_eq!(lines[1]["urgent"], false);
        assert!(lines[1].get("span").is_none() && lines[1].get("spans").is_none());
    }

    #[test]
    fn log_identifiers_brings_the_dependencies_lines_back_whole() {
        for format in [LogFormat::Text, LogFormat::Json] {
            let log = log_through(LogOptions {
                format,
                identifiers: true,
            });
            for id in IDENTIFIERS {
                assert!(log.contains(id), "{format:?} log lacks {id}:\n{log}");
            }
            let own = log
                .lines()
                .find(|l| l.contains("event handled"))
                .expect("our line");
            assert!(!own.contains("SPANROOM"), "our line has span fields: {own}");
        }
    }
}
