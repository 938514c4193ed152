//! Errors a function returns, and how they are reported to the Runtime API.
//!
//! Lambda shows the `errorType` of a failed invocation in the console, in
//! CloudWatch and to the invoker, so it has to be short and meaningful:
//! `OrderError`, never `&alloc::boxed::Box<dyn core::error::Error + Send + Sync>`
//! (what `lambda_runtime` derives from `std::any::type_name`).

use std::borrow::Cow;
use std::fmt;

pub use lambda_runtime::Diagnostic;

/// The error type reported when an event does not decode into the handler's
/// event type.
pub const INVALID_EVENT: &str = "InvalidEvent";
/// The error type reported when a handler panics.
pub const PANIC: &str = "Panic";
/// The error type reported when the deadline guard fires.
pub const TIMEOUT: &str = "Timeout";
/// The error type posted to `/runtime/init/error` when `init` fails.
pub const INIT_ERROR: &str = "InitError";
/// The error type reported when a response cannot be serialized or is too large.
pub const INVALID_RESPONSE: &str = "InvalidResponse";
/// The error type of a handler error whose concrete type is unknown (a
/// `Box<dyn Error>` built elsewhere).
pub const HANDLER_ERROR: &str = "HandlerError";

/// An error returned by a handler or an `init` function.
///
/// Any `std::error::Error` converts into it with `?`, and the conversion
/// remembers the short name of the original type, which becomes the
/// `errorType` Lambda reports:
///
/// ```
/// # #[derive(Debug)] struct OrderError;
/// # impl std::fmt::Display for OrderError {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("no such order") }
/// # }
/// # impl std::error::Error for OrderError {}
/// let err = lambda_fn::Error::from(OrderError);
/// assert_eq!(err.error_type(), "OrderError");
/// assert_eq!(err.to_string(), "no such order");
///
/// // Choose the reported type yourself:
/// let err = lambda_fn::Error::msg("card declined").with_error_type("PaymentDeclined");
/// assert_eq!(err.error_type(), "PaymentDeclined");
/// ```
///
/// Like `anyhow::Error`, it deliberately does not implement
/// `std::error::Error` itself, so that the blanket `From` conversion exists.
pub struct Error {
    error_type: Cow<'static, str>,
    inner: Box<dyn std::error::Error + Send + Sync + 'static>,
    /// For `#[lambda(http)]`: the response status, if chosen.
    status: Option<u16>,
    /// For `#[lambda(http)]`: the JSON body of an exposed error.
    problem: Option<serde_json::Value>,
}

impl Error {
    /// An error carrying only a message; its `errorType` is `HandlerError`
    /// unless changed with [`Error::with_error_type`].
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::from(message.to_string())
    }

    /// Wraps an already boxed error (for example `lambda_runtime::Error`).
    /// Its concrete type is no longer known, so the `errorType` is
    /// `HandlerError` unless changed with [`Error::with_error_type`].
    pub fn from_boxed(error: Box<dyn std::error::Error + Send + Sync + 'static>) -> Self {
        Self {
            error_type: Cow::Borrowed(HANDLER_ERROR),
            inner: error,
            status: None,
            problem: None,
        }
    }

    /// Replaces the reported `errorType`.
    #[must_use]
    pub fn with_error_type(mut self, error_type: impl Into<Cow<'static, str>>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// For `#[lambda(http)]`: answer with this status. A 4xx status also
    /// shows the error's message to the caller (it describes their request);
    /// a 5xx keeps it in the logs.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// For `#[lambda(http)]`: the JSON body to answer with when the error is
    /// shown to the caller.
    #[must_use]
    pub fn with_problem(mut self, body: serde_json::Value) -> Self {
        self.problem = Some(body);
        self
    }

    /// The HTTP status chosen with [`Error::with_status`].
    pub fn http_status(&self) -> Option<u16> {
        self.status
    }

    /// The problem body chosen with [`Error::with_problem`].
    pub fn problem(&self) -> Option<&serde_json::Value> {
        self.problem.as_ref()
    }

    /// The `errorType` this error is reported with.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The underlying error, boxed (for APIs that take `Box<dyn Error>`).
    pub fn into_boxed(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.inner
    }

    /// The underlying error.
    pub fn as_std_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.inner
    }

    /// The message reported to Lambda: the error and its chain of sources,
    /// joined by `: `.
    pub fn message(&self) -> String {
        let mut message = self.inner.to_string();
        let mut source = self.inner.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            // Many errors already repeat their source in their own message.
            if !message.ends_with(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        message
    }
}

impl<E> From<E> for Error
where
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>> + 'static,
{
    /// Converts any error (or `String`, `&'static str`, `Box<dyn Error>`),
    /// remembering the short name of its type as the `errorType`.
    fn from(error: E) -> Self {
        let name = std::any::type_name::<E>();
        let error_type = match name {
            // Plain messages and boxes carry no type worth reporting.
            "alloc::string::String" | "&str" => HANDLER_ERROR,
            _ => short_type_name(name),
        };
        Self {
            error_type: Cow::Borrowed(error_type),
            inner: error.into(),
            status: None,
            problem: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.error_type, self.inner)
    }
}

/// How a handler's error type becomes a [`Diagnostic`].
///
/// Implemented for every type that converts into [`Error`]: `Error` itself,
/// every `std::error::Error + Send + Sync` type (reported under its short
/// type name), `Box<dyn Error + Send + Sync>` and strings (reported as
/// `HandlerError`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be reported as a Lambda error",
    label = "this error type is not reportable",
    note = "return `lambda_fn::Error`, or an error type that implements `std::error::Error + Send + Sync + 'static`"
)]
pub trait IntoDiagnostic {
    /// Converts the error into the `errorType` and `errorMessage` posted to
    /// the Runtime API.
    fn into_diagnostic(self) -> Diagnostic;
}

// Not recommended: a type that is not reportable is reported as not
// `IntoDiagnostic`, with the note above, rather than as a failed `Into<Error>`
// bound deep inside this impl.
#[diagnostic::do_not_recommend]
impl<E: Into<Error>> IntoDiagnostic for E {
    fn into_diagnostic(self) -> Diagnostic {
        let error: Error = self.into();
        let message = error.message();
        diagnostic(error.error_type, message)
    }
}

/// Builds a [`Diagnostic`] from its two parts.
pub fn diagnostic(error_type: impl Into<String>, error_message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        error_type: error_type.into(),
        error_message: error_message.into(),
    }
}

/// Shortens a `std::any::type_name` to the name a person would write:
/// `my_app::orders::OrderError<T>` becomes `OrderError`, and the generic
/// `std::io::Error` keeps its module (`io::Error`) so it still says something.
pub fn short_type_name(full: &'static str) -> &'static str {
    let mut name = full.trim_start_matches('&');
    // A box or `Arc` around a concrete error is named after what it holds.
    for wrapper in ["alloc::boxed::Box<", "alloc::sync::Arc<"] {
        if let Some(inner) = name.strip_prefix(wrapper) {
            name = inner.strip_suffix('>').unwrap_or(inner);
        }
    }
    if name.starts_with("dyn ") || name.is_empty() {
        return HANDLER_ERROR;
    }
    // Generic arguments add nothing to an error type's name.
    let base = match name.find('<') {
        Some(at) => &name[..at],
        None => name,
    };
    let last_start = base.rfind("::").map_or(0, |at| at + 2);
    if &base[last_start..] != "Error" || last_start == 0 {
        return &base[last_start..];
    }
    // A type called just `Error` keeps the name of the module that says what
    // kind of error it is, skipping private `error` modules: `std::io::error::Error`
    // becomes `io::Error`.
    let mut module_end = last_start - 2;
    loop {
        let module_start = base[..module_end].rfind("::").map_or(0, |at| at + 2);
        if &base[module_start..module_end] != "error" || module_start == 0 {
            return leak_join(&base[module_start..module_end]);
        }
        module_end = module_start - 2;
    }
}

/// `module::Error` as a `&'static str`. Type names are few and fixed per
/// program, so each distinct one is allocated once and reused.
fn leak_join(module: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    names
        .entry(module)
        .or_insert_with(|| Box::leak(format!("{module}::Error").into_boxed_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::assert_failure;

    #[derive(Debug)]
    struct OrderError;
    impl fmt::Display for OrderError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("order 7 not found")
        }
    }
    impl std::error::Error for OrderError {}

    #[derive(Debug)]
    struct Wrapped(OrderError);
    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("could not charge")
        }
    }
    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn short_names() {
        assert_eq!(short_type_name("my_app::orders::OrderError"), "OrderError");
        assert_eq!(
            short_type_name("my_app::Generic<alloc::string::String>"),
            "Generic"
        );
        assert_eq!(short_type_name("std::io::error::Error"), "io::Error");
        assert_eq!(
            short_type_name("serde_json::error::Error"),
            "serde_json::Error"
        );
        assert_eq!(short_type_name("anyhow::Error"), "anyhow::Error");
        assert_eq!(short_type_name("Error"), "Error");
        assert_eq!(short_type_name("&dyn core::error::Error"), HANDLER_ERROR);
        assert_eq!(
            short_type_name("alloc::boxed::Box<dyn core::error::Error + Send + Sync>"),
            HANDLER_ERROR
        );
        assert_eq!(
            short_type_name("alloc::boxed::Box<my_app::OrderError>"),
            "OrderError"
        );
    }

    #[test]
    fn std_errors_keep_their_type_name() {
        let d = OrderError.into_diagnostic();
        assert_failure(&d, "OrderError", "order 7 not found");
    }

    #[test]
    fn question_mark_conversion_keeps_the_type_name() {
        fn fails() -> Result<(), Error> {
            Err(OrderError)?
        }
        let d = fails().unwrap_err().into_diagnostic();
        assert_eq!(d.error_type, "OrderError");
    }

    #[test]
    fn message_includes_the_source_chain() {
        let d = Wrapped(OrderError).into_diagnostic();
        assert_failure(&d, "Wrapped", "could not charge: order 7 not found");
    }

    #[test]
    fn boxed_errors_are_handler_errors() {
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(OrderError);
        let d = boxed.into_diagnostic();
        assert_eq!(d.error_type, HANDLER_ERROR);
        assert_eq!(d.error_message, "order 7 not found");
    }

    #[test]
    fn strings_are_handler_errors() {
        let d = String::from("no").into_diagnostic();
        assert_eq!(
            (d.error_type.as_str(), d.error_message.as_str()),
            (HANDLER_ERROR, "no")
        );
        let d = "no".into_diagnostic();
        assert_eq!(d.error_type, HANDLER_ERROR);
    }

    #[test]
    fn chosen_type_name_wins() {
        let d = Error::from(OrderError)
            .with_error_type("PaymentDeclined")
            .into_diagnostic();
        assert_eq!(d.error_type, "PaymentDeclined");
        assert_eq!(Error::msg("x").error_type(), HANDLER_ERROR);
    }
}
