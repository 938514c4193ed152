use lambda_fn::bedrock_agent::AgentAction;
use lambda_fn::lambda;

#[lambda(bedrock_agent)]
async fn handler(action: AgentAction) -> Result<(), lambda_fn::Error> {
    let _ = action;
    Ok(())
}
