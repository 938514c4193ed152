//! Durations as written on the command line: `250ms`, `3s`, `1.5s`.
//!
//! The same grammar as the attribute's `timeout_margin`, which the macro
//! checks at compile time.

use std::time::Duration;

/// Parses `<number><unit>` where the number may have a fraction and the
/// unit is `ms` or `s`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| "missing unit: write `ms` or `s` after the number".to_owned())?;
    let (number, unit) = text.split_at(split);
    let nanos_per_unit: f64 = match unit {
        "ms" => 1e6,
        "s" => 1e9,
        _ => return Err(format!("unknown unit {unit:?}: use `ms` or `s`")),
    };
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err("expected a number such as `250` or `1.5` before the unit".to_owned());
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{number:?} is not a number"))?;
    let nanos = (value * nanos_per_unit).round();
    if nanos > u64::MAX as f64 {
        return Err("duration too long".to_owned());
    }
    Ok(Duration::from_nanos(nanos as u64))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    #[test]
    fn units_and_fractions() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0.25s"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
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
