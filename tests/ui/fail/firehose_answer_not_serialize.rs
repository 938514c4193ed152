use lambda_fn::lambda;

struct Line {
    text: String,
}

#[lambda(firehose)]
async fn handler(data: String) -> Result<Line, lambda_fn::Error> {
    Ok(Line { text: data })
}
