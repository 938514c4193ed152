//! `shutdown = path` naming an `async fn` of the warm state. In local mode
//! the hook runs after the event, so it sees what the invocation did.

#![deny(warnings)]

use std::sync::atomic::{AtomicU32, Ordering};

use lambda_fn::lambda;

struct Buffer {
    pending: AtomicU32,
}

fn open() -> Buffer {
    Buffer {
        pending: AtomicU32::new(0),
    }
}

async fn flush(buffer: &Buffer) {
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    assert_eq!(buffer.pending.swap(0, Ordering::SeqCst), 1);
}

#[lambda(init = open, shutdown = flush)]
async fn handler(
    event: serde_json::Value,
    buffer: &Buffer,
) -> Result<serde_json::Value, lambda_fn::Error> {
    buffer.pending.fetch_add(1, Ordering::SeqCst);
    Ok(event)
}
