//! `#[lambda(firehose)]` with the data as raw bytes, answering `Vec<u8>`,
//! written as it is.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::{Deadline, lambda};

static TRANSFORMED: AtomicUsize = AtomicUsize::new(0);

fn all_transformed() {
    assert_eq!(TRANSFORMED.load(Ordering::SeqCst), 3);
}

#[lambda(firehose, shutdown = all_transformed)]
async fn transform(mut data: Vec<u8>, deadline: &Deadline) -> Result<Vec<u8>, lambda_fn::Error> {
    assert!(data.starts_with(b"{"));
    assert!(deadline.remaining().is_some());
    TRANSFORMED.fetch_add(1, Ordering::SeqCst);
    data.push(b'\n');
    Ok(data)
}
