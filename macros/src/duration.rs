//! `timeout_margin` values: `"250ms"`, `"2s"`, `"0.25s"`, checked exactly at
//! compile time so a typo never reaches a deployed function.

use std::time::Duration;

/// Parses a decimal number followed by `ms` or `s`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let (number, nanos_per_unit) = if let Some(number) = text.strip_suffix("ms") {
        (number, 1_000_000_u128)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1_000_000_000_u128)
    } else if text.chars().all(|c| c.is_ascii_digit() || c == '.') && !text.is_empty() {
        return Err(format!("missing unit: write \"{text}ms\" or \"{text}s\""));
    } else {
        return Err("expected a number followed by `ms` or `s`, like \"250ms\" or \"1.5s\"".into());
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) || number.ends_with('.') {
        return Err(format!(
            "\"{number}\" is not a number; expected digits with an optional fraction, like \"250ms\" or \"1.5s\""
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
    }

    #[test]
    fn rejected_with_a_reason() {
        assert_eq!(
            parse("250").unwrap_err(),
            "missing unit: write \"250ms\" or \"250s\""
        );
        assert!(parse("-5ms").unwrap_err().contains("is not a number"));
        assert!(parse("5 ms").unwrap_err().contains("is not a number"));
        assert!(parse("1.s").unwrap_err().contains("is not a number"));
        assert!(
            parse("5min")
                .unwrap_err()
                .contains("expected a number followed by")
        );
        assert!(
            parse("")
                .unwrap_err()
                .contains("expected a number followed by")
        );
        assert!(
            parse("99999999999999999999999s")
                .unwrap_err()
                .contains("too long")
        );
    }
}
