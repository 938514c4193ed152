crate::trigger::source!("x");
