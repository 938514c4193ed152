use lambda_fn::lambda;

mod functions {
    use super::lambda;

    #[lambda]
    pub async fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
        Ok(event)
    }
}
