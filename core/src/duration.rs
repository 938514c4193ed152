//! The duration grammar of lambda-fn: `250ms`, `2s`, `0.25s` — a decimal
//! number and the unit `ms` or `s`, converted exactly (integer nanoseconds).
//!
//! One source file for two crates, so that they cannot drift: the macro
//! checks the attribute's `timeout_margin` with it at compile time
//! (`macros/src/lib.rs` includes this file), and the runtime reads local
//! mode's `--timeout` with it. It depends on nothing but `std`.

use std::time::Duration;

/// Parses a decimal number followed by `ms` or `s`.
pub fn parse(text: &str) -> Result<Duration, String> {
    const EXAMPLE: &str = "like \"250ms\" or \"1.5s\"";
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(format!(
            "expected a number followed by `ms` or `s`, {EXAMPLE}"
        ));
    }
    let nanos_per_unit = match unit {
        "ms" => 1_000_000_u128,
        "s" => 1_000_000_000_u128,
        "" => {
            return Err(format!(
                "missing unit: write \"{number}ms\" or \"{number}s\""
            ));
        }
        _ if matches!(unit.trim_start(), "ms" | "s") => {
            return Err(format!(
                "remove the space: write \"{number}{}\"",
                unit.trim_start()
            ));
        }
        _ => {
            return Err(format!(
                "unknown unit \"{}\": use `ms` or `s`, {EXAMPLE}",
                unit.trim_start()
            ));
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.contains('.') || number.ends_with('.') {
        return Err(format!(
            "\"{number}\" is not a number; expected digits with an optional fraction, {EXAMPLE}"
        ));
    }
    // value = whole.fraction × unit, in integer nanoseconds.
    let scale = 10_u128.pow(u32::try_from(fraction.len()).unwrap_or(u32::MAX).min(30));
    let mantissa: u128 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| "the duration is too long".to_owned())?;
    let nanos = mantissa
        .checked_mul(nanos_per_unit)
        .ok_or_else(|| "the duration is too long".to_owned())?
        / scale;
    u64::try_from(nanos)
        .map(Duration::from_nanos)
        .map_err(|_| "the duration is too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    #[test]
    fn accepted() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("0.25s"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("1.5ms"), Ok(Duration::from_micros(1500)));
        assert_eq!(parse("0ms"), Ok(Duration::ZERO));
        assert_eq!(parse("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejected_with_a_reason() {
        assert_eq!(
            parse("250").unwrap_err(),
            "missing unit: write \"250ms\" or \"250s\""
        );
        assert_eq!(
            parse("5 ms").unwrap_err(),
            "remove the space: write \"5ms\""
        );
        assert_eq!(
            parse("250 millis").unwrap_err(),
            "unknown unit \"millis\": use `ms` or `s`, like \"250ms\" or \"1.5s\""
        );
        assert!(
            parse("5min")
                .unwrap_err()
                .starts_with("unknown unit \"min\"")
        );
        assert!(parse("1.s").unwrap_err().contains("is not a number"));
        assert!(parse("1.2.3s").unwrap_err().contains("is not a number"));
        assert!(parse(".5s").unwrap_err().contains("is not a number"));
        for text in ["", "-5ms", "ms", " 5ms"] {
            assert!(
                parse(text)
                    .unwrap_err()
                    .starts_with("expected a number followed by"),
                "{text:?}"
            );
        }
        assert!(
            parse("99999999999999999999999s")
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "", "250", "ms", "1.s", ".5s", "-1s", "5 s", "5min", "1.2.3s",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
