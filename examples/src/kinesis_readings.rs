//! `kinesis-readings`: one handler call per Kinesis record, in order, with
//! partial batch failures.
//!
//! Each record's data is a temperature reading `{"sensor": "greenhouse-1",
//! "celsius": 21.5}`, base64-encoded by Kinesis and decoded before the
//! handler sees it. A reading below absolute zero is physically impossible
//! and fails its record (`BelowAbsoluteZero`); a reading without a sensor
//! name hits a bug in this example and panics. Records of a shard are
//! processed one at a time in order: at the first failure, that record and
//! every later one are reported in the `KinesisEventResponse` without being
//! processed, so Lambda checkpoints the readings before it and retries from
//! there. Enable `ReportBatchItemFailures` on the event source mapping.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin kinesis-readings -- --event examples/events/kinesis-readings.json
//! {"batchItemFailures":[{"itemIdentifier":"4959..."}, ...]}
//! ```

use std::fmt;

use lambda_fn::kinesis::KinesisRecord;
use lambda_fn::{Context, lambda};
use serde::Deserialize;

/// The lowest temperature there is, in degrees Celsius.
const ABSOLUTE_ZERO: f64 = -273.15;

/// One record's data.
#[derive(Debug, Deserialize)]
pub struct Reading {
    /// The sensor that took the reading.
    pub sensor: String,
    /// The temperature, in degrees Celsius.
    pub celsius: f64,
}

/// A reading colder than anything can be: the sensor is broken, and this
/// record (with every later one of the batch) is retried.
#[derive(Debug)]
pub struct BelowAbsoluteZero {
    sensor: String,
    celsius: f64,
}

impl fmt::Display for BelowAbsoluteZero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sensor {} read {} °C, below absolute zero ({ABSOLUTE_ZERO} °C)",
            self.sensor, self.celsius
        )
    }
}

impl std::error::Error for BelowAbsoluteZero {}

/// Stores one reading.
///
/// # Errors
///
/// Returns a [`BelowAbsoluteZero`] when the reading is colder than
/// [`ABSOLUTE_ZERO`]; this record and every later one of the shard's batch
/// are then reported in `batchItemFailures`.
///
/// # Panics
///
/// Panics when the reading has an empty sensor name, a bug left in on
/// purpose: the panic fails the record (and the later ones) like an error.
#[lambda(kinesis)]
pub async fn kinesis_readings(
    record: KinesisRecord<Reading>,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    let reading = &record.data;
    if reading.celsius < ABSOLUTE_ZERO {
        return Err(BelowAbsoluteZero {
            sensor: reading.sensor.clone(),
            celsius: reading.celsius,
        }
        .into());
    }
    // A bug in this example, to show that a panic fails its record (and, in
    // order, the rest of the batch) but not the function.
    assert!(!reading.sensor.is_empty(), "a reading without a sensor");
    eprintln!(
        "request {}: stored record {} from {} ({}): {} °C",
        ctx.request_id,
        record.sequence_number,
        record.shard_id().unwrap_or("an unknown shard"),
        record.partition_key,
        reading.celsius
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The readings of `examples/events/kinesis-readings.json`.

    fn reading(sensor: &str, celsius: f64) -> KinesisRecord<Reading> {
        let mut record = KinesisRecord::new(
            "49590167373333333333333333333333333333333333333333333331",
            Reading {
                sensor: sensor.into(),
                celsius,
            },
        );
        record.partition_key = sensor.into();
        record.event_id = Some(
            "shardId-000000000000:49590167373333333333333333333333333333333333333333333331".into(),
        );
        record
    }

    #[tokio::test]
    async fn stores_a_reading() {
        let result = kinesis_readings(reading("greenhouse-1", 21.5), &Context::default()).await;
        assert!(result.is_ok(), "{result:?}");
    }

    #[tokio::test]
    async fn refuses_a_reading_below_absolute_zero() {
        let err = kinesis_readings(reading("greenhouse-2", -300.0), &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "BelowAbsoluteZero");
        assert_eq!(
            err.to_string(),
            "sensor greenhouse-2 read -300 °C, below absolute zero (-273.15 °C)"
        );
    }

    #[tokio::test]
    #[should_panic(expected = "a reading without a sensor")]
    async fn a_reading_without_a_sensor_is_a_bug() {
        let _ = kinesis_readings(reading("", 20.0), &Context::default()).await;
    }
}
