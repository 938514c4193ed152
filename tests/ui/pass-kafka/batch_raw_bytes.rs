//! `#[lambda(kafka, batch)]`: every record's value as raw bytes in one
//! call, partition by partition and each in offset order, answered with one
//! outcome per record.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::lambda;

static HANDLED: AtomicUsize = AtomicUsize::new(0);

fn all_handled() {
    assert_eq!(HANDLED.load(Ordering::SeqCst), 3);
}

#[lambda(kafka, batch, shutdown = all_handled)]
async fn handle(
    values: Vec<Vec<u8>>,
) -> Result<Vec<Result<(), lambda_fn::Error>>, lambda_fn::Error> {
    let ids: Vec<&[u8]> = values.iter().map(|value| &value[..9]).collect();
    assert_eq!(ids, [b"{\"id\": 7,", b"{\"id\": 8,", b"{\"id\": 9,"]);
    HANDLED.fetch_add(values.len(), Ordering::SeqCst);
    Ok(values.iter().map(|_| Ok(())).collect())
}
