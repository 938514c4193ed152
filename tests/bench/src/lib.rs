//! The lambda-fn benchmark: the same Lambda functions written with
//! `#[lambda]` (variant a), hand-written on `lambda_runtime` the way its
//! README shows (b1) and on a current-thread runtime (b2), and as a bare
//! Runtime API loop with no framework (c, the floor), all driven through the
//! project's loopback Runtime API by the `bench` binary.
//!
//! This library holds what the function binaries and the driver share: the
//! business types ([`model`]), the floor's HTTP loop ([`floor`]), the
//! scenarios' events and the check of every answer ([`scenario`]), and the
//! statistics and the report ([`stats`], [`report`]). See `BENCHMARKS.md` at
//! the repository root.

#![warn(missing_docs)]

pub mod digits;
pub mod floor;
pub mod model;
pub mod report;
pub mod scenario;
pub mod stats;

/// The log output of the hand-written variants: plain text on stderr at
/// `INFO`, exactly what lambda-fn installs for a `#[lambda]` function, so
/// that both sides pay for the same logging.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::level_filters::LevelFilter::INFO)
        .with_target(false)
        .init();
}
