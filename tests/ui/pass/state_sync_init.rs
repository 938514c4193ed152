//! Warm state built by a sync `init` that returns the state itself.

#![deny(warnings)]

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

struct Counter {
    served: AtomicU64,
}

fn counter() -> Counter {
    Counter {
        served: AtomicU64::new(0),
    }
}

#[lambda(init = counter)]
async fn work(job: Job, counter: &Counter) -> Result<u64, lambda_fn::Error> {
    Ok(job.id + counter.served.fetch_add(1, Ordering::Relaxed))
}
