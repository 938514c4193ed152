use lambda_fn::lambda;

#[lambda]
trait Handler {
    fn handle(&self, event: serde_json::Value) -> serde_json::Value;
}

fn main() {}
