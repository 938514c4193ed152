use lambda_fn::lambda;

#[lambda]
type Response = Result<serde_json::Value, lambda_fn::Error>;

fn main() {
    let _: Response = Ok(serde_json::Value::Null);
}
