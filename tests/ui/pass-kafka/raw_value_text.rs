//! `#[lambda(kafka)]` with each record's value as text, as the producer
//! wrote it.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::lambda;

static HANDLED: AtomicUsize = AtomicUsize::new(0);

fn all_handled() {
    assert_eq!(HANDLED.load(Ordering::SeqCst), 3);
}

#[lambda(kafka, shutdown = all_handled)]
async fn handle(value: String) -> Result<(), lambda_fn::Error> {
    assert!(value.starts_with("{\"id\": "), "{value}");
    HANDLED.fetch_add(1, Ordering::SeqCst);
    Ok(())
}
