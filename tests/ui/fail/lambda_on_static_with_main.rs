use lambda_fn::lambda;

#[lambda]
static NAME: &str = "orders";

fn main() {
    println!("{NAME}");
}
