//! `stream-peer`: the payload streamed by hand, the way lambda_http's
//! documentation shows it: `#[tokio::main]` and
//! `lambda_http::run_with_streaming_response(service_fn(..))`.

use lambda_fn_bench_stream::{Ask, CONTENT_TYPE, PayloadBody};
use lambda_http::http::header;
use lambda_http::{Error, Request, Response, run_with_streaming_response, service_fn};

async fn payload(request: Request) -> Result<Response<PayloadBody>, Error> {
    let ask = Ask::from_query(request.uri().query())?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(PayloadBody::new(ask))?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run_with_streaming_response(service_fn(payload)).await
}
