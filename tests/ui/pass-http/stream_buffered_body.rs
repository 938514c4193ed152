//! `#[lambda(http, stream)]` with an ordinary body: it is sent as one chunk
//! after the prelude.

use lambda_fn::http::{Body, Request, Response};
use lambda_fn::lambda;

#[lambda(http, stream)]
async fn hello(request: Request) -> Result<Response<Body>, lambda_fn::Error> {
    let _ = request;
    Ok(Response::new(Body::from("hello")))
}
