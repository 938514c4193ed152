//! End to end: `firehose-transform` answers every record of a Firehose
//! batch, in input order, as `Ok`, `Dropped` or `ProcessingFailed`, and
//! never fails the invocation for a record.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{
    assert_invalid_event, batch::base64, example_binary, sample_event, serve, three_seconds,
};
use serde_json::{Value, json};

/// A Firehose batch of records `r<i>` with these data.
fn batch(data: &[String]) -> String {
    let records: Vec<Value> = data
        .iter()
        .enumerate()
        .map(|(i, data)| {
            json!({
                "recordId": format!("r{i}"),
                "approximateArrivalTimestamp": 1764720000000i64 + i as i64,
                "data": base64(data.as_bytes())
            })
        })
        .collect();
    json!({
        "invocationId": "4e5a0a0e-58c6-4b4d-9d74-1d4a0ab3e6a1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs",
        "region": "us-east-1",
        "records": records
    })
    .to_string()
}

fn entry(id: u64, level: &str, message: &str) -> String {
    json!({"id": id, "level": level, "message": message}).to_string()
}

/// Each answered record: id, result, decoded data and partition keys.
fn answered(answer: &Value) -> Vec<(String, String, String, Value)> {
    answer["records"]
        .as_array()
        .expect("a Firehose transformation response")
        .iter()
        .map(|record| {
            let data = record["data"].as_str().expect("base64 data");
            let data = decode_base64(data);
            (
                record["recordId"].as_str().unwrap().to_owned(),
                record["result"].as_str().unwrap().to_owned(),
                data,
                record["metadata"]["partitionKeys"].clone(),
            )
        })
        .collect()
}

fn decode_base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut held = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte).expect("base64") as u32;
        bits = (bits << 6) | value;
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 data")
}

#[tokio::test]
async fn the_sample_batch_is_transformed_into_ndjson_lines() {
    let (api, mut function) = serve("firehose-transform").await;
    let sample = std::fs::read_to_string(sample_event("firehose-transform.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    let results: Vec<(String, String)> = answered(&answer.json())
        .into_iter()
        .map(|(_, result, data, _)| (result, data))
        .collect();
    assert_eq!(
        results,
        [
            (
                "Ok",
                "{\"id\":1,\"level\":\"info\",\"message\":\"order 17 shipped\"}\n"
            ),
            (
                "Dropped",
                r#"{"id": 2, "level": "debug", "message": "cache warm", "drop": true}"#
            ),
            (
                "Ok",
                "{\"id\":3,\"level\":\"error\",\"message\":\"payment declined\"}\n"
            ),
            ("ProcessingFailed", "not json at all"),
        ]
        .map(|(r, d)| (r.to_owned(), d.to_owned()))
    );
    function.kill().await;
}

#[tokio::test]
async fn every_fault_is_processing_failed_with_its_original_data() {
    let (api, mut function) = serve("firehose-transform").await;
    let mut data: Vec<String> = (1..=200)
        .map(|id| {
            entry(
                id,
                ["info", "warn", "error"][id as usize % 3],
                &format!("event {id}"),
            )
        })
        .collect();
    data[10] = entry(11, "info", ""); // EmptyMessage
    data[20] = entry(0, "info", "zero"); // the bug: panics
    data[30] = "{\"id\": 31".to_owned(); // cut short
    data[40] = json!({"id": 41, "level": "info", "message": "x", "drop": true}).to_string();
    let answer = api.invoke(batch(&data), three_seconds()).await;
    let answered = answered(&answer.json());
    assert_eq!(answered.len(), 200);
    for (i, (id, result, out, keys)) in answered.iter().enumerate() {
        assert_eq!(id, &format!("r{i}"), "in input order");
        match i {
            10 | 20 | 30 => {
                assert_eq!(result, "ProcessingFailed", "r{i}");
                assert_eq!(out, &data[i], "r{i} keeps its original data");
            }
            40 => assert_eq!(result, "Dropped"),
            _ => {
                assert_eq!(result, "Ok", "r{i}");
                let line: Value = serde_json::from_str(out.strip_suffix('\n').unwrap()).unwrap();
                assert_eq!(line["id"], i as u64 + 1);
                assert_eq!(keys, &json!({"level": line["level"]}));
            }
        }
    }
    assert!(function.is_running(), "a panic does not end the process");
    let stderr = function.stderr();
    assert!(stderr.contains("Panic"), "{stderr}");
    function.kill().await;
}

#[tokio::test]
async fn records_unfinished_at_the_deadline_are_processing_failed() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("firehose-transform"),
            &[("FIREHOSE_TRANSFORM_MS", "100")],
        )
        .unwrap();
    // 40 records of 100 ms, eight at a time: 500 ms, past 400 ms − 100 ms.
    let data: Vec<String> = (1..=40).map(|id| entry(id, "info", "slow")).collect();
    let answer = api
        .invoke(batch(&data), DeadlineHeader::In(Duration::from_millis(400)))
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    let answered = answered(&answer.json());
    assert_eq!(answered.len(), 40, "every record is answered");
    let ok = answered.iter().filter(|r| r.1 == "Ok").count();
    let failed: Vec<_> = answered
        .iter()
        .filter(|r| r.1 == "ProcessingFailed")
        .collect();
    assert!(
        ok >= 8 && !failed.is_empty(),
        "{ok} Ok, {} failed",
        failed.len()
    );
    assert_eq!(ok + failed.len(), 40);
    for (id, _, original, _) in failed {
        let index: usize = id[1..].parse().unwrap();
        assert_eq!(original, &data[index], "{id} keeps its original data");
    }
    function.kill().await;
}

#[tokio::test]
async fn an_envelope_that_is_not_firehose_is_invalid_event() {
    let (api, mut function) = serve("firehose-transform").await;
    let answer = api
        .invoke(r#"{"records": [{"recordId": "r0"}]}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "records[0]");
    let answer = api
        .invoke(
            r#"{"records": [{"recordId": "r0", "approximateArrivalTimestamp": 1, "data": "!!"}]}"#,
            three_seconds(),
        )
        .await;
    assert_invalid_event(&answer, "records[0]: Invalid symbol 33");
    function.kill().await;
}
