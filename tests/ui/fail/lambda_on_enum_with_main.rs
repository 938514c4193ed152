use lambda_fn::lambda;

#[lambda]
#[derive(Debug)]
enum Trigger {
    Sqs,
}

fn main() {
    println!("{:?}", Trigger::Sqs);
}
