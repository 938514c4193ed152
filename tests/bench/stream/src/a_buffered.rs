//! `stream-a-buffered`: the same payload built whole and answered buffered
//! by `#[lambda(http)]`.

use lambda_fn::http::{Request, Response, header};
use lambda_fn::lambda;
use lambda_fn_bench_stream::{Ask, CONTENT_TYPE, whole};

#[lambda(http)]
async fn payload(request: Request) -> Result<Response<String>, lambda_fn::Error> {
    let ask = Ask::from_query(request.uri().query())?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(whole(ask))?)
}
