//! A whole-event function whose response is streamed to the caller as it is
//! written (`InvokeWithResponseStream`, or a function URL in
//! `RESPONSE_STREAM` mode). The stream owns what it uses: warm state shared
//! with it is kept in an `Arc`.

use std::sync::Arc;

use lambda_fn::lambda;
use lambda_fn::stream::Streaming;
use serde::Deserialize;

#[derive(Deserialize)]
struct Greet {
    name: String,
}

struct Templates {
    greeting: String,
}

async fn load() -> Result<Arc<Templates>, lambda_fn::Error> {
    Ok(Arc::new(Templates {
        greeting: "Hello".to_owned(),
    }))
}

#[lambda(init = load)]
async fn greet(event: Greet, templates: &Arc<Templates>) -> Result<Streaming, lambda_fn::Error> {
    let templates = Arc::clone(templates);
    Ok(Streaming::writer(async move |out| {
        out.send(format!("{}, ", templates.greeting)).await?;
        out.send(format!("{}!\n", event.name)).await?;
        Ok::<_, lambda_fn::Error>(())
    })
    .content_type("text/plain; charset=utf-8"))
}
