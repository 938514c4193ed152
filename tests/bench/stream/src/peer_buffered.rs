//! `stream-peer-buffered`: the same payload built whole and answered
//! buffered by hand: `#[tokio::main]` and `lambda_http::run(service_fn(..))`.

use lambda_fn_bench_stream::{Ask, CONTENT_TYPE, whole};
use lambda_http::http::header;
use lambda_http::{Error, Request, Response, run, service_fn};

async fn payload(request: Request) -> Result<Response<String>, Error> {
    let ask = Ask::from_query(request.uri().query())?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(whole(ask))?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(payload)).await
}
