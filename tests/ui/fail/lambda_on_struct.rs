use lambda_fn::lambda;

#[lambda]
struct Handler {
    name: String,
}
