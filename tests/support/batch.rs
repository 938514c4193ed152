//! The batch triggers (SQS, Kinesis, DynamoDB Streams): the answers they
//! expect and the record data they carry.

use std::ops::Range;

use serde_json::Value;

/// The `itemIdentifier`s of a partial batch failure answer
/// (`{"batchItemFailures": [...]}`), in the order they are listed.
pub fn failed_ids(answer: &Value) -> Vec<String> {
    answer["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("a partial batch failure answer: {answer}"))
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

/// The sequence numbers `sequence_number(i)` of the records `range` of a
/// stream's batch (Kinesis, DynamoDB Streams).
pub fn sequence_numbers(range: Range<usize>, sequence_number: fn(usize) -> String) -> Vec<String> {
    range.map(sequence_number).collect()
}

/// Standard base64, as Kinesis encodes record data (the tests need no
/// base64 crate for it).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_pads_as_the_standard_alphabet_does() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64("21.5 °C".as_bytes()), "MjEuNSDCsEM=");
    }
}
