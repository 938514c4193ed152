//! The model's input: one 8x8 image, validated.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// How many values one image has: 8 rows of 8.
pub const PIXEL_COUNT: usize = 64;

/// The largest pixel value (ink); 0 is the background.
pub const MAX_PIXEL: f32 = 16.0;

/// One 8x8 grayscale image, as in scikit-learn's digits data set: 64 values
/// in `0..=16`, row by row (pixel `i` is at row `i / 8`, column `i % 8`).
///
/// Built with [`Pixels::new`] or deserialized from a JSON array of 64
/// numbers; both check every value, so a `Pixels` always holds a valid image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pixels([f32; PIXEL_COUNT]);

impl Pixels {
    /// The image with these values, or the first one outside `0..=16`
    /// (`NaN` included).
    ///
    /// # Errors
    ///
    /// [`PixelError::OutOfRange`] for the first value that is not in
    /// `0..=16`.
    pub fn new(values: [f32; PIXEL_COUNT]) -> Result<Self, PixelError> {
        for (index, &value) in values.iter().enumerate() {
            check(index, value)?;
        }
        Ok(Self(values))
    }

    /// The 64 values, row by row.
    #[must_use]
    pub fn as_array(&self) -> &[f32; PIXEL_COUNT] {
        &self.0
    }
}

/// Whether `value` may be pixel `index`.
fn check(index: usize, value: f32) -> Result<(), PixelError> {
    if (0.0..=MAX_PIXEL).contains(&value) {
        Ok(())
    } else {
        Err(PixelError::OutOfRange { index, value })
    }
}

/// Why some values are not an image. Its `Display` is the message a client
/// sees, e.g. `pixel 12 is 17.5, outside 0..=16`.
///
/// Pixel indices count from 0, row by row.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum PixelError {
    /// The array does not have 64 values.
    WrongLength {
        /// How many values it has.
        got: usize,
    },
    /// A value is outside `0..=16`, or `NaN`.
    OutOfRange {
        /// Which pixel.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// A value is not a number (a string, `null`, an array...).
    NotANumber {
        /// Which pixel.
        index: usize,
        /// What it is instead, e.g. `a string`.
        found: &'static str,
    },
}

impl fmt::Display for PixelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::WrongLength { got } => {
                write!(f, "expected {PIXEL_COUNT} pixel values, got {got}")
            }
            Self::OutOfRange { index, value } => {
                write!(f, "pixel {index} is {value}, outside 0..={MAX_PIXEL}")
            }
            Self::NotANumber { index, found } => {
                write!(f, "pixel {index} is not a number but {found}")
            }
        }
    }
}

impl std::error::Error for PixelError {}

/// As an array of 64 numbers, which deserializes back.
impl Serialize for Pixels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0)
    }
}

impl<'de> Deserialize<'de> for Pixels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(PixelsVisitor)
    }
}

/// Reads the array value by value, so that an error can name the pixel.
struct PixelsVisitor;

impl<'de> Visitor<'de> for PixelsVisitor {
    type Value = Pixels;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {PIXEL_COUNT} pixel values 0..={MAX_PIXEL}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pixels, A::Error> {
        let mut values = [0.0; PIXEL_COUNT];
        let mut count = 0;
        while count < PIXEL_COUNT {
            match seq.next_element_seed(PixelSeed(count))? {
                Some(value) => values[count] = value,
                None => break,
            }
            count += 1;
        }
        // Count the rest, so that the message says how many there were.
        while seq.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        if count == PIXEL_COUNT {
            Ok(Pixels(values))
        } else {
            Err(de::Error::custom(PixelError::WrongLength { got: count }))
        }
    }
}

/// Reads pixel `.0`: any JSON number, checked once converted to `f32` (the
/// value the model is given).
struct PixelSeed(usize);

impl PixelSeed {
    fn number<E: de::Error>(&self, value: f32) -> Result<f32, E> {
        check(self.0, value).map(|()| value).map_err(E::custom)
    }

    fn not_a_number<E: de::Error>(&self, found: &'static str) -> Result<f32, E> {
        Err(E::custom(PixelError::NotANumber {
            index: self.0,
            found,
        }))
    }
}

impl<'de> de::DeserializeSeed<'de> for PixelSeed {
    type Value = f32;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<f32, D::Error> {
        deserializer.deserialize_any(self)
    }
}

// The conversions to `f32` round (an image's values are small whole
// numbers); the rounded value is the one checked.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
impl<'de> Visitor<'de> for PixelSeed {
    type Value = f32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pixel {} as a number 0..={MAX_PIXEL}", self.0)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f32, E> {
        self.number(v as f32)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f32, E> {
        self.number(v as f32)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f32, E> {
        self.number(v as f32)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<f32, E> {
        self.not_a_number("a boolean")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<f32, E> {
        self.not_a_number("a string")
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<f32, E> {
        self.not_a_number("bytes")
    }

    fn visit_unit<E: de::Error>(self) -> Result<f32, E> {
        self.not_a_number("null")
    }

    fn visit_none<E: de::Error>(self) -> Result<f32, E> {
        self.not_a_number("null")
    }

    fn visit_some<D: Deserializer<'de>>(self, _: D) -> Result<f32, D::Error> {
        self.not_a_number("an optional value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<f32, D::Error> {
        self.not_a_number("a newtype struct")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<f32, A::Error> {
        self.not_a_number("an array")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<f32, A::Error> {
        self.not_a_number("an object")
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<f32, A::Error> {
        self.not_a_number("an enum")
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "the values compared are exact")]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Pixels, String> {
        serde_json::from_str::<Pixels>(json).map_err(|e| e.to_string())
    }

    /// A JSON array of `n` values, all `1` except `value` at `at`.
    fn array(n: usize, at: usize, value: &str) -> String {
        let values: Vec<&str> = (0..n).map(|i| if i == at { value } else { "1" }).collect();
        format!("[{}]", values.join(","))
    }

    #[test]
    fn valid_arrays_read_back() {
        let pixels = parse(&array(64, 5, "16")).unwrap();
        assert_eq!(pixels.as_array()[5], 16.0);
        assert_eq!(pixels.as_array()[4], 1.0);
        let pixels = parse(&array(64, 0, "0.5")).unwrap();
        assert_eq!(pixels.as_array()[0], 0.5);
        // The bounds are allowed, as integers and floats.
        assert!(parse(&array(64, 63, "0")).is_ok());
        assert!(parse(&array(64, 63, "16.0")).is_ok());
        assert!(parse(&array(64, 63, "0.0")).is_ok());
    }

    #[test]
    fn wrong_lengths_say_how_many() {
        let err = parse(&array(63, 99, "")).unwrap_err();
        assert!(err.starts_with("expected 64 pixel values, got 63"), "{err}");
        let err = parse(&array(65, 99, "")).unwrap_err();
        assert!(err.starts_with("expected 64 pixel values, got 65"), "{err}");
        // Whatever the values past the 64th are.
        let err = parse(&array(70, 66, "\"x\"")).unwrap_err();
        assert!(err.starts_with("expected 64 pixel values, got 70"), "{err}");
        let err = parse("[]").unwrap_err();
        assert!(err.starts_with("expected 64 pixel values, got 0"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let err = parse(&array(64, 12, "17.5")).unwrap_err();
        assert!(err.starts_with("pixel 12 is 17.5, outside 0..=16"), "{err}");
        let err = parse(&array(64, 0, "-1")).unwrap_err();
        assert!(err.starts_with("pixel 0 is -1, outside 0..=16"), "{err}");
        let err = parse(&array(64, 63, "17")).unwrap_err();
        assert!(err.starts_with("pixel 63 is 17, outside 0..=16"), "{err}");
        let err = parse(&array(64, 1, "16.001")).unwrap_err();
        assert!(
            err.starts_with("pixel 1 is 16.001, outside 0..=16"),
            "{err}"
        );
        let err = parse(&array(64, 2, "1e300")).unwrap_err();
        assert!(err.starts_with("pixel 2 is inf, outside 0..=16"), "{err}");
        // The first bad value is the one reported, even in a short array.
        let err = parse(&array(10, 3, "20")).unwrap_err();
        assert!(err.starts_with("pixel 3 is 20, outside 0..=16"), "{err}");
    }

    #[test]
    fn non_numbers_are_named() {
        for (value, found) in [
            ("\"7\"", "a string"),
            ("null", "null"),
            ("true", "a boolean"),
            ("[1]", "an array"),
            ("{}", "an object"),
        ] {
            let err = parse(&array(64, 3, value)).unwrap_err();
            let expected = format!("pixel 3 is not a number but {found}");
            assert!(err.starts_with(&expected), "{value}: {err}");
        }
    }

    #[test]
    fn non_arrays_are_refused() {
        let err = parse("{\"pixels\": []}").unwrap_err();
        assert!(
            err.starts_with("invalid type: map, expected an array of 64 pixel values 0..=16"),
            "{err}"
        );
        assert!(parse("7").is_err());
    }

    #[test]
    fn new_checks_every_value() {
        let mut values = [16.0; 64];
        assert_eq!(Pixels::new(values).unwrap().as_array(), &values);
        values[0] = 0.0;
        assert!(Pixels::new(values).is_ok());

        values[12] = 17.5;
        let err = Pixels::new(values).unwrap_err();
        assert_eq!(
            err,
            PixelError::OutOfRange {
                index: 12,
                value: 17.5
            }
        );
        assert_eq!(err.to_string(), "pixel 12 is 17.5, outside 0..=16");

        values[12] = 1.0;
        values[40] = f32::NAN;
        let err = Pixels::new(values).unwrap_err();
        assert_eq!(err.to_string(), "pixel 40 is NaN, outside 0..=16");

        values[40] = -0.5;
        assert_eq!(
            Pixels::new(values).unwrap_err().to_string(),
            "pixel 40 is -0.5, outside 0..=16"
        );
        values[40] = f32::INFINITY;
        assert!(Pixels::new(values).is_err());
    }

    #[test]
    fn messages() {
        assert_eq!(
            PixelError::WrongLength { got: 63 }.to_string(),
            "expected 64 pixel values, got 63"
        );
        assert_eq!(
            PixelError::NotANumber {
                index: 3,
                found: "a string"
            }
            .to_string(),
            "pixel 3 is not a number but a string"
        );
    }

    #[test]
    fn serializes_as_an_array() {
        let pixels = Pixels::new([2.0; 64]).unwrap();
        let json = serde_json::to_string(&pixels).unwrap();
        assert_eq!(parse(&json).unwrap(), pixels);
    }
}
