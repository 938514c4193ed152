//! `#[lambda(http, stream)]` on a request handler: the response's head is
//! sent first (the prelude of Lambda's HTTP integrations), then the body as
//! it is written.

use lambda_fn::http::{Request, Response, StatusCode, header};
use lambda_fn::lambda;
use lambda_fn::stream::Streaming;

#[lambda(http, stream)]
async fn lines(request: Request) -> Result<Response<Streaming>, lambda_fn::Error> {
    let path = request.uri().path().to_owned();
    let body = Streaming::writer(async move |out| {
        out.send(format!("{path}\n")).await?;
        out.send("done\n").await?;
        Ok::<_, lambda_fn::Error>(())
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(body)?)
}
