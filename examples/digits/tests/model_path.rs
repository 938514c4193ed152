//! `Model::load` with `MODEL_PATH` set. One test in its own binary: it sets
//! the process's environment, which no other thread reads meanwhile.

use std::error::Error;
use std::path::{Path, PathBuf};

use lambda_fn_digits::{EMBEDDED, MODEL_PATH, Model, Pixels};

fn set_model_path(path: Option<&Path>) {
    // SAFETY: this binary's only test is the only thread that touches the
    // environment.
    unsafe {
        match path {
            Some(path) => std::env::set_var(MODEL_PATH, path),
            None => std::env::remove_var(MODEL_PATH),
        }
    }
}

/// Ten different images, with values all over 0..=16.
fn images() -> Vec<Pixels> {
    (0..10_u8)
        .map(|k| {
            let mut values = [0.0; 64];
            for (i, v) in values.iter_mut().enumerate() {
                *v = f32::from(u8::try_from((i * 7 + usize::from(k) * 13) % 17).unwrap());
            }
            Pixels::new(values).unwrap()
        })
        .collect()
}

#[test]
fn model_path_chooses_the_model_file() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("digits-model-path");
    std::fs::create_dir_all(&dir).unwrap();

    // Unset: the embedded model.
    set_model_path(None);
    let embedded = Model::load().unwrap();
    assert!(
        embedded.label().starts_with("digits@"),
        "{}",
        embedded.label()
    );
    let expected = embedded.predict(&images()).unwrap();

    // Empty counts as unset.
    set_model_path(Some(Path::new("")));
    assert_eq!(Model::load().unwrap().label(), embedded.label());

    // A copy of the model under another name: the same predictions, labelled
    // with the file's stem and the same digest.
    let copy = dir.join("digits-v2.onnx");
    std::fs::write(&copy, EMBEDDED).unwrap();
    set_model_path(Some(&copy));
    let loaded = Model::load().unwrap();
    let digest = embedded.label().strip_prefix("digits@").unwrap();
    assert_eq!(loaded.label(), format!("digits-v2@{digest}"));
    assert_eq!(loaded.predict(&images()).unwrap(), expected);
    assert_eq!(Model::from_path(&copy).unwrap().label(), loaded.label());

    // A missing file: the error names it, and its source is the I/O error.
    let missing = dir.join("no-such-model.onnx");
    set_model_path(Some(&missing));
    let err = Model::load().unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot read model file {}: ", missing.display())),
        "{message}"
    );
    let io = err
        .source()
        .unwrap()
        .downcast_ref::<std::io::Error>()
        .unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert!(message.ends_with(&io.to_string()), "{message}");

    // A file that is not a model: the error names it too.
    let junk = dir.join("junk.onnx");
    std::fs::write(&junk, b"not a model").unwrap();
    set_model_path(Some(&junk));
    let message = Model::load().unwrap_err().to_string();
    assert!(
        message.starts_with(&format!(
            "model file {}: cannot parse it as ONNX: ",
            junk.display()
        )),
        "{message}"
    );

    set_model_path(None);
    std::fs::remove_dir_all(&dir).unwrap();
}
