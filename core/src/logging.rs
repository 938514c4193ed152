//! The default log output: tracing events on stderr, which Lambda sends to
//! CloudWatch.
//!
//! [`install`] sets up one global subscriber at cold start, configured the
//! way Lambda's [advanced logging controls] configure the managed runtimes:
//!
//! - **format**: `AWS_LAMBDA_LOG_FORMAT=JSON` (any case) writes one JSON
//!   object per line, with `timestamp` (RFC 3339, UTC), `level` (`INFO`,
//!   `ERROR`, ...), `message`, the event's own fields, the fields of every
//!   span the event is in (the invocation's `requestId` and `cold_start`),
//!   and `target`. Lambda reads `level` and `timestamp` from such lines: the
//!   log-level filtering of the advanced logging controls only works on JSON
//!   lines with a `level` key. Anything else is plain text, one line per
//!   event, without ANSI colours (CloudWatch would show the escape codes).
//! - **level**: `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`, `INFO`, `WARN`,
//!   `ERROR`, `FATAL`), which Lambda sets from the function's application
//!   log level; else `RUST_LOG` directives (`info`, `my_crate=debug,warn`,
//!   as env_logger reads them, without span or regex filters); else `INFO`.
//!
//! Every invocation runs in the [`invocation_span`], so every line logged
//! while it runs carries its request id, and says whether it is the
//! environment's first invocation (`cold_start`). That span is enabled
//! whenever anything is logged at all, even at `ERROR`, so an error line is
//! never missing its request id.
//!
//! Event payloads are never logged above `DEBUG`.
//!
//! [advanced logging controls]: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html

use std::io::Write as _;

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// The target of the [`invocation_span`]. The level filter always lets it
/// through (see [`Settings::from_vars`]), so it is its own target rather
/// than this module's.
const SPAN_TARGET: &str = "lambda_fn::invocation";

/// The target of the line a panic is logged as in the JSON format.
const PANIC_TARGET: &str = "panic";

/// Installs the subscriber described in the [module docs](self), unless a
/// global subscriber is already installed: then it does nothing.
///
/// With the JSON format it also replaces the panic hook, so that a panic is
/// one JSON `ERROR` line (target `panic`, with the invocation's `requestId`)
/// rather than the default hook's plain-text lines, which Lambda would file
/// as `INFO` and drop under an `ERROR` log level.
pub fn install() {
    let settings = Settings::from_vars(|name| std::env::var(name).ok());
    let installed = match settings.format {
        Format::Text => tracing_subscriber::registry()
            .with(settings.targets)
            .with(text_layer(std::io::stderr))
            .try_init(),
        Format::Json => tracing_subscriber::registry()
            .with(settings.targets)
            .with(JsonLayer::new(std::io::stderr))
            .try_init(),
    };
    if installed.is_err() {
        return;
    }
    if settings.format == Format::Json {
        // A panic the level filter would hide (`RUST_LOG=my_crate=debug`)
        // is still printed, by the hook that was there before.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if tracing::enabled!(target: PANIC_TARGET, Level::ERROR) {
                log_panic(info);
                // A backtrace asked for with RUST_BACKTRACE comes from the
                // default hook, as text: capturing one here would link
                // std's symbolizer (about 250 KB) into every function.
                if std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0") {
                    previous(info);
                }
            } else {
                previous(info);
            }
        }));
    }
    for warning in settings.warnings {
        tracing::warn!("{warning}");
    }
}

/// The span an invocation runs in: its request id, and whether it is the
/// first invocation of the execution environment.
///
/// When nothing is logged at all, this is a disabled span: the macro checks
/// the level filter before it looks at its arguments.
pub(crate) fn invocation_span(request_id: &str, cold_start: bool) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "invocation", requestId = request_id, cold_start)
}

/// How lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// One line of text per event.
    Text,
    /// One JSON object per line.
    Json,
}

impl Format {
    /// From `AWS_LAMBDA_LOG_FORMAT`: `JSON` in any case, or text.
    fn from_var(value: Option<&str>) -> Self {
        match value {
            Some(value) if value.trim().eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Text,
        }
    }
}

/// What [`install`] installs, read from the environment.
#[derive(Debug)]
struct Settings {
    format: Format,
    targets: Targets,
    /// Settings that were ignored, logged once the subscriber is installed.
    warnings: Vec<String>,
}

impl Settings {
    /// Reads `AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL` and `RUST_LOG`
    /// through `var`.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let format = Format::from_var(var("AWS_LAMBDA_LOG_FORMAT").as_deref());
        let mut warnings = Vec::new();
        let lambda_level = var("AWS_LAMBDA_LOG_LEVEL").filter(|value| !value.trim().is_empty());
        let from_lambda = lambda_level.and_then(|value| {
            let level = lambda_level_filter(&value);
            if level.is_none() {
                warnings.push(format!(
                    "AWS_LAMBDA_LOG_LEVEL={value:?} is not one of TRACE, DEBUG, INFO, WARN, ERROR or FATAL; ignored"
                ));
            }
            level
        });
        let mut targets = match from_lambda {
            Some(level) => Targets::new().with_default(level),
            None => var("RUST_LOG")
                .and_then(|value| rust_log_targets(&value, &mut warnings))
                .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO)),
        };
        if enables_anything(&targets) && !targets.would_enable(SPAN_TARGET, &Level::INFO) {
            targets = targets.with_target(SPAN_TARGET, LevelFilter::INFO);
        }
        Settings {
            format,
            targets,
            warnings,
        }
    }
}

/// A level as Lambda's advanced logging controls name it. Lambda's `FATAL`
/// is tracing's `ERROR`, the most severe level it has.
fn lambda_level_filter(value: &str) -> Option<LevelFilter> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Some(LevelFilter::TRACE),
        "DEBUG" => Some(LevelFilter::DEBUG),
        "INFO" => Some(LevelFilter::INFO),
        "WARN" => Some(LevelFilter::WARN),
        "ERROR" | "FATAL" => Some(LevelFilter::ERROR),
        _ => None,
    }
}

/// `RUST_LOG`'s comma-separated directives, each `level`, `target` or
/// `target=level`. A directive that does not parse is skipped with a
/// warning; `None` when no directive is left.
fn rust_log_targets(value: &str, warnings: &mut Vec<String>) -> Option<Targets> {
    let mut kept = Vec::new();
    // An empty directive would parse as the target "" at TRACE: everything.
    for directive in value.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match directive.parse::<Targets>() {
            Ok(_) => kept.push(directive),
            Err(err) => warnings.push(format!("RUST_LOG directive {directive:?} ignored: {err}")),
        }
    }
    if kept.is_empty() {
        return None;
    }
    kept.join(",").parse().ok()
}

/// Whether `targets` lets anything through at all.
fn enables_anything(targets: &Targets) -> bool {
    targets
        .default_level()
        .into_iter()
        .chain(targets.iter().map(|(_, level)| level))
        .any(|level| level != LevelFilter::OFF)
}

/// The text format: tracing's default, without ANSI colours or targets.
fn text_layer<S, W>(make_writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(false)
        .with_writer(make_writer)
}

/// The panic hook of the JSON format: the panic as one `ERROR` line, in the
/// span of the invocation that panicked.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload");
    let location = info
        .location()
        .map(|at| format!("{}:{}:{}", at.file(), at.line(), at.column()));
    let thread = std::thread::current();
    let thread = thread.name().unwrap_or("<unnamed>");
    tracing::error!(target: PANIC_TARGET, location, thread, "panicked: {message}");
}

/// Field values in the order they were recorded, each name once.
#[derive(Debug, Default)]
struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    fn set(&mut self, field: &Field, value: Value) {
        let name = field.name();
        match self.0.iter_mut().find(|(known, _)| *known == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        let index = self.0.iter().position(|(known, _)| *known == name)?;
        Some(self.0.remove(index).1)
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.set(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.set(field, value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `message` (format arguments) and `%value` fields land here, and
        // their Debug is their Display.
        self.set(field, format!("{value:?}").into());
    }
}

/// The JSON format: one object per event, on one line, written with one
/// `write_all` so that lines from several threads never interleave.
///
/// tracing-subscriber's own JSON format nests span fields under `span` and
/// `spans`; Lambda's JSON logs, and the queries written for them, have
/// `requestId` at the top level, hence this layer.
struct JsonLayer<W> {
    make_writer: W,
}

impl<W> JsonLayer<W> {
    fn new(make_writer: W) -> Self {
        Self { make_writer }
    }
}

/// The keys every line starts with; event and span fields of the same name
/// are left out.
const RESERVED: [&str; 4] = ["timestamp", "level", "message", "target"];

impl<W> JsonLayer<W> {
    /// The line for `event`, newline included.
    fn line<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> Vec<u8>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let metadata = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = match fields.take("message") {
            Some(Value::String(message)) => message,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let mut timestamp = String::with_capacity(32);
        // Writing into a String cannot fail.
        let _ = SystemTime.format_time(&mut Writer::new(&mut timestamp));

        let mut line = Vec::with_capacity(256);
        let mut written: Vec<&str> = RESERVED.to_vec();
        line.extend_from_slice(b"{\"timestamp\":");
        write_json(&mut line, &timestamp);
        line.extend_from_slice(b",\"level\":");
        write_json(&mut line, metadata.level().as_str());
        line.extend_from_slice(b",\"message\":");
        write_json(&mut line, &message);
        line.extend_from_slice(b",\"target\":");
        write_json(&mut line, metadata.target());
        let mut write_field = |line: &mut Vec<u8>, name: &'static str, value: &Value| {
            if !written.contains(&name) {
                written.push(name);
                line.push(b',');
                write_json(line, name);
                line.push(b':');
                write_json(line, value);
            }
        };
        for (name, value) in &fields.0 {
            write_field(&mut line, name, value);
        }
        // Innermost span first: its fields win over an outer span's.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if let Some(span_fields) = span.extensions().get::<Fields>() {
                    for (name, value) in &span_fields.0 {
                        write_field(&mut line, name, value);
                    }
                }
            }
        }
        line.extend_from_slice(b"}\n");
        line
    }
}

/// Appends `value` as JSON.
fn write_json<T: serde::Serialize + ?Sized>(line: &mut Vec<u8>, value: &T) {
    // Strings and `Value`s always serialize.
    let _ = serde_json::to_writer(line, value);
}

impl<S, W> Layer<S> for JsonLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut fields = Fields::default();
            attrs.record(&mut fields);
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let line = Self::line(event, &ctx);
        let mut writer = self.make_writer.make_writer_for(event.metadata());
        // Nowhere to report a failed write to stderr.
        let _ = writer.write_all(&line);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(|name| vars.get(name).cloned())
    }

    /// Whether `settings` logs `level` events of `target`.
    fn logs(settings: &Settings, target: &str, level: Level) -> bool {
        settings.targets.would_enable(target, &level)
    }

    #[test]
    fn lambda_levels() {
        assert_eq!(lambda_level_filter("DEBUG"), Some(LevelFilter::DEBUG));
        assert_eq!(lambda_level_filter("trace"), Some(LevelFilter::TRACE));
        assert_eq!(lambda_level_filter(" Warn "), Some(LevelFilter::WARN));
        assert_eq!(lambda_level_filter("FATAL"), Some(LevelFilter::ERROR));
        assert_eq!(lambda_level_filter("ERROR"), Some(LevelFilter::ERROR));
        assert_eq!(lambda_level_filter("INFO"), Some(LevelFilter::INFO));
        assert_eq!(lambda_level_filter("WARNING"), None);
        assert_eq!(lambda_level_filter("my_crate=debug"), None);
    }

    #[test]
    fn info_by_default() {
        let s = settings(&[]);
        assert!(logs(&s, "lambda_fn::runtime", Level::INFO));
        assert!(logs(&s, "my_crate", Level::INFO));
        assert!(!logs(&s, "my_crate", Level::DEBUG));
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn lambda_log_level_wins_over_rust_log() {
        let s = settings(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR"), ("RUST_LOG", "debug")]);
        assert!(logs(&s, "my_crate", Level::ERROR));
        assert!(!logs(&s, "my_crate", Level::WARN));
        let s = settings(&[("AWS_LAMBDA_LOG_LEVEL", "debug"), ("RUST_LOG", "error")]);
        assert!(logs(&s, "my_crate", Level::DEBUG));
        assert!(!logs(&s, "my_crate", Level::TRACE));
    }

    #[test]
    fn an_unknown_lambda_log_level_falls_back_to_rust_log() {
        let s = settings(&[("AWS_LAMBDA_LOG_LEVEL", "LOUD"), ("RUST_LOG", "warn")]);
        assert!(logs(&s, "my_crate", Level::WARN));
        assert!(!logs(&s, "my_crate", Level::INFO));
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(s.warnings[0].contains("LOUD"), "{:?}", s.warnings);
        // Empty is unset, without a warning.
        let s = settings(&[("AWS_LAMBDA_LOG_LEVEL", " "), ("RUST_LOG", "warn")]);
        assert!(!logs(&s, "my_crate", Level::INFO));
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn rust_log_directives() {
        let s = settings(&[("RUST_LOG", "my_crate=debug,warn")]);
        assert!(logs(&s, "my_crate", Level::DEBUG));
        assert!(logs(&s, "my_crate::db", Level::DEBUG));
        assert!(!logs(&s, "my_crate", Level::TRACE));
        assert!(logs(&s, "hyper", Level::WARN));
        assert!(!logs(&s, "hyper", Level::INFO));
        assert!(!logs(&s, "lambda_fn::runtime", Level::INFO));

        let s = settings(&[("RUST_LOG", "DEBUG")]);
        assert!(logs(&s, "anything", Level::DEBUG));
        assert!(!logs(&s, "anything", Level::TRACE));

        // A bare target is that target at every level, and nothing else.
        let s = settings(&[("RUST_LOG", "my_crate")]);
        assert!(logs(&s, "my_crate", Level::TRACE));
        assert!(!logs(&s, "other", Level::ERROR));
    }

    #[test]
    fn empty_and_bad_rust_log_directives_are_skipped() {
        // An empty directive would otherwise mean "everything at TRACE".
        let s = settings(&[("RUST_LOG", "warn, ,")]);
        assert!(logs(&s, "x", Level::WARN));
        assert!(!logs(&s, "x", Level::INFO));
        assert!(s.warnings.is_empty());

        let s = settings(&[("RUST_LOG", "")]);
        assert!(logs(&s, "x", Level::INFO));
        assert!(!logs(&s, "x", Level::DEBUG));

        let s = settings(&[("RUST_LOG", "my_crate=loud,error")]);
        assert!(logs(&s, "my_crate", Level::ERROR));
        assert!(!logs(&s, "my_crate", Level::WARN));
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(s.warnings[0].contains("my_crate=loud"), "{:?}", s.warnings);

        // Nothing usable: the default.
        let s = settings(&[("RUST_LOG", "a=b=c")]);
        assert!(logs(&s, "x", Level::INFO));
        assert!(!logs(&s, "x", Level::DEBUG));
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn the_invocation_span_passes_every_level_but_off() {
        for vars in [
            &[("AWS_LAMBDA_LOG_LEVEL", "ERROR")][..],
            &[("RUST_LOG", "my_crate=debug")],
            &[("RUST_LOG", "lambda_fn=off,warn")],
            &[],
        ] {
            let s = settings(vars);
            assert!(logs(&s, SPAN_TARGET, Level::INFO), "{vars:?}");
        }
        // The span's directive lets nothing else of lambda-fn's through.
        let s = settings(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR")]);
        assert!(!logs(&s, "lambda_fn::runtime", Level::INFO));
        assert!(!logs(&s, "lambda_fn::invoke", Level::INFO));
        let s = settings(&[("RUST_LOG", "off")]);
        assert!(!logs(&s, SPAN_TARGET, Level::INFO));
        assert!(!logs(&s, "x", Level::ERROR));
    }

    #[test]
    fn formats() {
        assert_eq!(Format::from_var(Some("JSON")), Format::Json);
        assert_eq!(Format::from_var(Some("json")), Format::Json);
        assert_eq!(Format::from_var(Some(" Json ")), Format::Json);
        assert_eq!(Format::from_var(Some("TEXT")), Format::Text);
        assert_eq!(Format::from_var(Some("")), Format::Text);
        assert_eq!(Format::from_var(Some("yaml")), Format::Text);
        assert_eq!(Format::from_var(None), Format::Text);
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_FORMAT", "JSON")]).format,
            Format::Json
        );
        assert_eq!(settings(&[]).format, Format::Text);
    }

    /// A writer that keeps what is written.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
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

    /// Runs `f` under the subscriber `install` would build for `vars`,
    /// writing into the returned buffer.
    fn capture(vars: &[(&str, &str)], f: impl FnOnce()) -> String {
        let s = settings(vars);
        let out = Captured::default();
        match s.format {
            Format::Text => {
                let subscriber = tracing_subscriber::registry()
                    .with(s.targets)
                    .with(text_layer(out.clone()));
                tracing::subscriber::with_default(subscriber, f);
            }
            Format::Json => {
                let subscriber = tracing_subscriber::registry()
                    .with(s.targets)
                    .with(JsonLayer::new(out.clone()));
                tracing::subscriber::with_default(subscriber, f);
            }
        }
        out.text()
    }

    fn json_lines(text: &str) -> Vec<serde_json::Map<String, Value>> {
        text.lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(object)) => object,
                _ => panic!("not a JSON object: {line:?}"),
            })
            .collect()
    }

    #[test]
    fn json_lines_have_lambdas_keys_and_the_span_fields_at_the_top() {
        let out = capture(&[("AWS_LAMBDA_LOG_FORMAT", "JSON")], || {
            let span = invocation_span("req-1", true);
            let _entered = span.enter();
            tracing::error!(
                error_type = "OrderError",
                attempt = 2_u64,
                ratio = 0.5,
                ok = false,
                "invocation \"failed\"\nbadly"
            );
            tracing::info!(target: "my_crate", user = %"ada", "hello");
            tracing::debug!("hidden at INFO");
        });
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(out.lines().count(), 2, "one object per line: {out}");

        let error = &lines[0];
        assert_eq!(error["level"], "ERROR");
        assert_eq!(error["message"], "invocation \"failed\"\nbadly");
        assert_eq!(error["requestId"], "req-1");
        assert_eq!(error["cold_start"], true);
        assert_eq!(error["error_type"], "OrderError");
        assert_eq!(error["attempt"], 2);
        assert_eq!(error["ratio"], 0.5);
        assert_eq!(error["ok"], false);
        assert_eq!(error["target"], "lambda_fn::logging::tests");
        let timestamp = error["timestamp"].as_str().unwrap();
        // RFC 3339 in UTC, as 2026-11-27T08:00:00.123456Z.
        assert_eq!(timestamp.len(), 27, "{timestamp}");
        assert_eq!(&timestamp[10..11], "T", "{timestamp}");
        assert!(timestamp.ends_with('Z'), "{timestamp}");
        let keys: Vec<&str> = error.keys().map(String::as_str).collect();
        assert!(
            !keys.contains(&"span") && !keys.contains(&"fields"),
            "{keys:?}"
        );

        let info = &lines[1];
        assert_eq!(info["level"], "INFO");
        assert_eq!(info["message"], "hello");
        assert_eq!(info["user"], "ada");
        assert_eq!(info["target"], "my_crate");
        assert_eq!(info["requestId"], "req-1");
    }

    #[test]
    fn json_inner_spans_add_fields_and_win_on_names() {
        let out = capture(&[("AWS_LAMBDA_LOG_FORMAT", "JSON")], || {
            let outer = invocation_span("req-2", false);
            let _outer = outer.enter();
            let inner = tracing::info_span!(
                "db",
                table = "orders",
                cold_start = "inner",
                later = tracing::field::Empty
            );
            let _inner = inner.enter();
            inner.record("later", 7_u64);
            tracing::warn!(level = "mine", message_id = "m-1", "slow");
        });
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{out}");
        let line = &lines[0];
        assert_eq!(line["level"], "WARN", "a field cannot replace the level");
        assert_eq!(line["message_id"], "m-1");
        assert_eq!(line["table"], "orders");
        assert_eq!(line["later"], 7);
        assert_eq!(line["cold_start"], "inner");
        assert_eq!(line["requestId"], "req-2");
    }

    #[test]
    fn json_lines_outside_an_invocation_have_no_request_id() {
        let out = capture(&[("AWS_LAMBDA_LOG_FORMAT", "json")], || {
            tracing::info!(concurrency = 4, "serving");
        });
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{out}");
        assert!(!lines[0].contains_key("requestId"), "{out}");
        assert_eq!(lines[0]["concurrency"], 4);
    }

    #[test]
    fn at_error_level_errors_still_carry_the_request_id() {
        let out = capture(
            &[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
            ],
            || {
                let span = invocation_span("req-3", true);
                assert!(!span.is_disabled());
                let _entered = span.enter();
                tracing::info!("hidden");
                tracing::warn!("hidden");
                tracing::error!("shown");
            },
        );
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{out}");
        assert_eq!(lines[0]["message"], "shown");
        assert_eq!(lines[0]["requestId"], "req-3");
    }

    #[test]
    fn the_span_is_disabled_when_nothing_is_logged() {
        capture(&[("RUST_LOG", "off")], || {
            assert!(invocation_span("req-4", true).is_disabled());
        });
    }

    #[test]
    fn text_lines_carry_the_span_and_no_colours() {
        let out = capture(&[], || {
            let span = invocation_span("req-5", true);
            let _entered = span.enter();
            tracing::error!(error_type = "OrderError", "invocation failed");
        });
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.contains("ERROR invocation{requestId=\"req-5\" cold_start=true}: invocation failed error_type=\"OrderError\""),
            "{out}"
        );
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(serde_json::from_str::<Value>(out.trim()).is_err());
    }
}
