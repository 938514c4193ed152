use lambda_fn::lambda;

#[lambda]
struct Handler {
    name: String,
}

fn main() {
    let _ = Handler { name: String::new() }.name;
}
