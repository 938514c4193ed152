//! `sqs-b2`: the same hand-written typed SQS function on a current-thread tokio
//! runtime (variant b2).

mod hand;

use lambda_runtime::{Error, service_fn};

fn main() -> Result<(), Error> {
    lambda_fn_bench::init_logging();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(lambda_runtime::run(service_fn(hand::orders)))
}
