//! How much cheaper a prediction is when images run through the model
//! together: the model alone, in-process, without Lambda, decoding or
//! logging (`BENCHMARKS.md`, "ML inference", compares it with what a whole
//! function does).
//!
//! ```text
//! cargo run --release -p lambda-fn-digits --example model_speed
//! ```

use std::time::Instant;

use lambda_fn_digits::{Model, PIXEL_COUNT, Pixels};

/// Images classified per measurement, whatever the batch size.
const IMAGES: usize = 100_000;

#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = Model::load()?;
    let images: Vec<Pixels> = (0..450)
        .map(|n| {
            let mut values = [0.0; PIXEL_COUNT];
            for (i, value) in values.iter_mut().enumerate() {
                *value = f32::from(u8::try_from((i * 7 + n) % 17).expect("below 17"));
            }
            Pixels::new(values)
        })
        .collect::<Result<_, _>>()?;
    let mut single = None;
    for batch in [1, 10, 100, 450] {
        let rows = &images[..batch];
        // Warm up the allocator and the caches.
        for _ in 0..100 {
            model.predict(rows)?;
        }
        let calls = IMAGES / batch;
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(model.predict(std::hint::black_box(rows))?);
        }
        let per_image = started.elapsed().as_secs_f64() * 1e6 / (calls * batch) as f64;
        let single = *single.get_or_insert(per_image);
        println!(
            "batch {batch:>3}: {:>7.1} µs per call, {per_image:5.2} µs per image ({:.1}× cheaper than one at a time)",
            per_image * batch as f64,
            single / per_image
        );
    }
    Ok(())
}
