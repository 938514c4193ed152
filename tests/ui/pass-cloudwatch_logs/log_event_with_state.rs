//! `LogEvent<T>` with warm state: the event's id and time, its log group
//! and stream, the owner and the matching filters beside the decoded
//! message.

#![deny(warnings)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use lambda_fn::cloudwatch_logs::LogEvent;
use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    level: String,
    message: String,
}

/// Errors per log stream.
#[derive(Default)]
struct Errors(Mutex<HashMap<String, usize>>);

fn errors() -> Errors {
    Errors::default()
}

async fn two_errors(errors: &Errors) {
    let errors = errors.0.lock().unwrap();
    assert_eq!(errors.values().sum::<usize>(), 2);
}

#[lambda(cloudwatch_logs, init = errors, shutdown = two_errors)]
async fn handle(event: LogEvent<Line>, errors: &Errors) -> Result<(), lambda_fn::Error> {
    assert!(event.id.starts_with("371954728"));
    assert!(event.timestamp > SystemTime::UNIX_EPOCH);
    assert_eq!(event.log_group, "/aws/lambda/orders");
    assert_eq!(event.owner, "123456789012");
    assert_eq!(event.subscription_filters, ["json-lines"]);
    assert!(!event.message.message.is_empty());
    if event.message.level == "ERROR" {
        let mut errors = errors.0.lock().unwrap();
        *errors.entry(event.log_stream).or_default() += 1;
    }
    Ok(())
}
