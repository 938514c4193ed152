//! The default log output: tracing events on stderr, which Lambda sends to
//! CloudWatch.

use tracing::level_filters::LevelFilter;

/// Installs a plain-text subscriber unless one is already installed. The
/// level comes from `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's advanced logging
/// controls), then `RUST_LOG`, and is `INFO` by default. Event payloads are
/// never logged above `TRACE`.
pub fn install() {
    let level = ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .and_then(|value| parse_level(&value))
        .unwrap_or(LevelFilter::INFO);
    let _already_installed = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .try_init();
}

fn parse_level(value: &str) -> Option<LevelFilter> {
    match value.trim().to_ascii_lowercase().as_str() {
        "trace" => Some(LevelFilter::TRACE),
        "debug" => Some(LevelFilter::DEBUG),
        "info" => Some(LevelFilter::INFO),
        "warn" => Some(LevelFilter::WARN),
        "error" | "fatal" => Some(LevelFilter::ERROR),
        "off" => Some(LevelFilter::OFF),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(parse_level("DEBUG"), Some(LevelFilter::DEBUG));
        assert_eq!(parse_level("fatal"), Some(LevelFilter::ERROR));
        assert_eq!(parse_level("my_crate=debug"), None);
    }
}
