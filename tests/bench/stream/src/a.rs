//! `stream-a`: the payload streamed by `#[lambda(http, stream)]`, each chunk
//! sent as the body produces it.

use lambda_fn::http::{Request, Response, header};
use lambda_fn::lambda;
use lambda_fn_bench_stream::{Ask, CONTENT_TYPE, PayloadBody};

#[lambda(http, stream)]
async fn payload(request: Request) -> Result<Response<PayloadBody>, lambda_fn::Error> {
    let ask = Ask::from_query(request.uri().query())?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(PayloadBody::new(ask))?)
}
