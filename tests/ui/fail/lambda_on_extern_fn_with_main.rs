use lambda_fn::lambda;

unsafe extern "C" {
    #[lambda]
    fn handler(event: u32) -> u32;
}

fn main() {}
