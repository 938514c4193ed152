//! `#[lambda(schedule)]` with no payload at all: only the context and
//! warm state.

#![deny(warnings)]

use std::sync::atomic::{AtomicU32, Ordering};

use lambda_fn::{Context, lambda};

#[derive(Default)]
struct Runs(AtomicU32);

fn runs() -> Runs {
    Runs::default()
}

#[lambda(schedule, init = runs)]
async fn tick(ctx: &Context, runs: &Runs) -> Result<(), lambda_fn::Error> {
    runs.0.fetch_add(1, Ordering::Relaxed);
    assert!(!ctx.request_id.is_empty());
    Ok(())
}
