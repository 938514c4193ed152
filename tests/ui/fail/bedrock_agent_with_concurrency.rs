use lambda_fn::bedrock_agent::AgentAction;
use lambda_fn::lambda;

#[lambda(bedrock_agent, concurrency = 4)]
async fn handler(action: AgentAction) -> Result<String, lambda_fn::Error> {
    Ok(action.action_group)
}
