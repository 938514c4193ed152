//! Warm state built by a sync `init` that returns `Result<State, E>` with a
//! std error type, named by a path into a module.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

mod setup {
    pub struct Config {
        pub offset: u64,
    }

    pub fn load() -> Result<Config, std::num::ParseIntError> {
        Ok(Config {
            offset: "35".parse()?,
        })
    }
}

#[lambda(init = setup::load)]
async fn work(job: Job, config: &setup::Config) -> Result<u64, lambda_fn::Error> {
    Ok(job.id + config.offset)
}
