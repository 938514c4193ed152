//! `echo-c`: the echo function on a bare Runtime API loop, no framework
//! (variant c, the floor).

use std::process::ExitCode;

use serde_json::Value;

fn main() -> ExitCode {
    let served = lambda_fn_bench::floor::serve(|event| {
        let event: Value = serde_json::from_slice(event)
            .map_err(|err| ("InvalidEvent".to_owned(), err.to_string()))?;
        if !event.is_object() {
            return Err((
                "HandlerError".to_owned(),
                "the event is not a JSON object".to_owned(),
            ));
        }
        serde_json::to_vec(&event).map_err(|err| ("InvalidResponse".to_owned(), err.to_string()))
    });
    if let Err(err) = served {
        eprintln!("echo-c: {err}");
    }
    ExitCode::FAILURE
}
