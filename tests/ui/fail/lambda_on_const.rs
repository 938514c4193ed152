use lambda_fn::lambda;

#[lambda]
const LIMIT: u32 = 8;
