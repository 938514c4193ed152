use lambda_fn::lambda;

#[lambda]
use std::collections::HashMap;

fn main() {
    let _ = HashMap::<String, u32>::new();
}
