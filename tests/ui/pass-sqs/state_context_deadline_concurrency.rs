//! A batch handler with every optional input, warm state and concurrency.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::{Context, Deadline, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
}

#[derive(Default)]
struct Seen(AtomicUsize);

async fn seen() -> Result<Seen, std::io::Error> {
    Ok(Seen::default())
}

#[derive(Debug)]
struct Rejected;

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rejected")
    }
}

impl std::error::Error for Rejected {}

/// Handles one order.
#[lambda(sqs, init = seen, concurrency = 8, timeout_margin = "250ms")]
async fn handle(
    order: Order,
    deadline: &Deadline,
    seen: &Seen,
    ctx: &Context,
) -> Result<(), Rejected> {
    seen.0.fetch_add(1, Ordering::Relaxed);
    assert!(!ctx.request_id.is_empty());
    assert!(deadline.remaining().is_some());
    if order.id == 0 {
        return Err(Rejected);
    }
    Ok(())
}
