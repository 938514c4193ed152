use lambda_fn::lambda;

struct Service;

impl Service {
    #[lambda]
    async fn handler(&self, event: serde_json::Value) -> Result<(), lambda_fn::Error> {
        let _ = event;
        Ok(())
    }
}

fn main() {
    let _ = Service;
}
