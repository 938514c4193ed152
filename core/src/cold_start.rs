//! The one `INFO` line every function logs at the end of init: how long
//! the cold start took, and how much memory the process holds against the
//! function's memory setting, so that a model that grew past its budget,
//! or an `init` that got slow, shows in the logs of the first invocation
//! of each execution environment.

use std::time::Instant;

/// Logs how long init took since `started` (the first thing the generated
/// `main` does) and the process's resident memory against
/// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
pub(crate) fn report(started: Instant) {
    let init_ms = started.elapsed().as_secs_f64() * 1000.0;
    let rss_mb = resident_bytes().map(|bytes| bytes as f64 / MIB);
    let memory_size_mb = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        .ok()
        .and_then(|size| size.trim().parse::<u64>().ok());
    let summary = summary(init_ms, rss_mb, memory_size_mb);
    match (rss_mb, memory_size_mb) {
        (Some(rss_mb), Some(memory_size_mb)) => {
            tracing::info!(init_ms, rss_mb, memory_size_mb, "{summary}");
        }
        (Some(rss_mb), None) => tracing::info!(init_ms, rss_mb, "{summary}"),
        (None, _) => tracing::info!(init_ms, "{summary}"),
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// `init done in 3.1 ms; resident memory 5.2 MB of 128 MB (4%)`.
fn summary(init_ms: f64, rss_mb: Option<f64>, memory_size_mb: Option<u64>) -> String {
    let memory = match (rss_mb, memory_size_mb) {
        (Some(rss), Some(size)) => format!(
            "resident memory {rss:.1} MB of {size} MB ({:.0}%)",
            rss / size as f64 * 100.0
        ),
        (Some(rss), None) => {
            format!("resident memory {rss:.1} MB (AWS_LAMBDA_FUNCTION_MEMORY_SIZE is not set)")
        }
        (None, _) => "resident memory unknown (no /proc/self/status)".to_owned(),
    };
    format!("init done in {init_ms:.1} ms; {memory}")
}

/// The process's resident set size, from `/proc/self/status` (Linux, as
/// on Lambda).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    vm_rss(&status)
}

/// The `VmRSS:` line of a `/proc/<pid>/status` text, in bytes.
fn vm_rss(status: &str) -> Option<u64> {
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resident_set_is_read_from_proc_status() {
        let status = "Name:\tbootstrap\nVmPeak:\t  20000 kB\nVmRSS:\t    5324 kB\nThreads:\t1\n";
        assert_eq!(vm_rss(status), Some(5324 * 1024));
        assert_eq!(vm_rss("Name:\tx\n"), None);
        // This process has one.
        assert!(resident_bytes().is_some_and(|bytes| bytes > 0));
    }

    #[test]
    fn the_summary_says_time_memory_and_share_of_the_limit() {
        assert_eq!(
            summary(3.06, Some(5.2), Some(128)),
            "init done in 3.1 ms; resident memory 5.2 MB of 128 MB (4%)"
        );
        assert_eq!(
            summary(120.0, Some(64.0), None),
            "init done in 120.0 ms; resident memory 64.0 MB (AWS_LAMBDA_FUNCTION_MEMORY_SIZE is not set)"
        );
        assert_eq!(
            summary(1.0, None, Some(128)),
            "init done in 1.0 ms; resident memory unknown (no /proc/self/status)"
        );
    }
}
