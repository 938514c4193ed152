use lambda_fn::lambda;

struct Api;

#[lambda]
impl Api {
    async fn handler(&self, event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
        Ok(event)
    }
}

fn main() {
    let _ = Api;
}
