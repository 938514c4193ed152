//! Parsing the attribute's arguments: `#[lambda(sqs, init = connect, ...)]`.
//!
//! Every argument keeps its tokens so that a later error can point at it.
//! All problems of one attribute are collected and reported together.

use std::time::Duration;

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

use crate::duration;
use crate::errors::Errors;
use crate::trigger::{self, Spec};

/// The trigger keywords, from the trigger table.
pub const TRIGGERS: &[&str] = &trigger::KEYWORDS;

/// The `key = value` options.
pub const OPTIONS: &[&str] = &[
    "init",
    "shutdown",
    "timeout_margin",
    "concurrency",
    "crate",
    "flavor",
    "logging",
];

/// The bare flags besides the trigger keyword.
pub const FLAGS: &[&str] = &["batch", "stream"];

/// A trigger keyword as written: its row of the trigger table.
#[derive(Clone)]
pub struct Trigger {
    pub spec: &'static Spec,
}

/// `flavor = "..."`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// The parsed, checked arguments.
#[derive(Default)]
pub struct Args {
    pub trigger: Option<Trigger>,
    /// `init = path`, keeping the key for spans.
    pub init: Option<(Ident, Path)>,
    /// `shutdown = path`, keeping the key for spans.
    pub shutdown: Option<(Ident, Path)>,
    pub timeout_margin: Option<Duration>,
    pub concurrency: Option<(Ident, u32)>,
    pub krate: Option<Path>,
    pub flavor: Option<Flavor>,
    /// `logging = false`: do not install lambda-fn's subscriber.
    pub logging: Option<bool>,
    /// `batch`: the handler takes every record of a batch in one call.
    pub batch: Option<Ident>,
    /// `stream`: the HTTP response is streamed as it is produced.
    pub stream: Option<Ident>,
    /// Whether a trigger keyword was written, even an unknown one.
    pub trigger_written: bool,
}

/// One raw argument: a bare keyword or `key = value`.
enum Arg {
    Keyword(Ident),
    KeyValue { key: Ident, value: Expr },
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate` is a keyword, so `Ident::parse_any` is needed to read it.
        let key: Ident = if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            Ident::new("crate", token.span)
        } else {
            input.parse().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected a trigger (like `sqs`) or an option (like `init = connect`)",
                )
            })?
        };
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            Ok(Arg::KeyValue { key, value })
        } else {
            Ok(Arg::Keyword(key))
        }
    }
}

/// The raw, comma-separated argument list.
pub struct RawArgs(Punctuated<Arg, Token![,]>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(RawArgs)
    }
}

impl RawArgs {
    /// Checks every argument, recording each problem in `errors`.
    pub fn check(self, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let mut seen: Vec<String> = Vec::new();
        for arg in self.0 {
            if let Arg::Keyword(name) = &arg
                && !OPTIONS.contains(&name.to_string().as_str())
                && !FLAGS.contains(&name.to_string().as_str())
            {
                args.trigger_written = true;
            }
            match arg {
                Arg::Keyword(ident) if ident == "batch" || ident == "stream" => {
                    let flag = if ident == "batch" {
                        &mut args.batch
                    } else {
                        &mut args.stream
                    };
                    if flag.is_some() {
                        errors.push(syn::Error::new(
                            ident.span(),
                            format!("`{ident}` is given twice; keep one of them"),
                        ));
                    } else {
                        *flag = Some(ident);
                    }
                }
                Arg::Keyword(ident) => check_trigger(ident, &mut args, errors),
                Arg::KeyValue { key, .. } if FLAGS.contains(&key.to_string().as_str()) => {
                    errors.push(syn::Error::new(
                        key.span(),
                        format!(
                            "`{key}` takes no value: write it on its own, like `#[lambda({}, {key})]`",
                            if key == "stream" { "http" } else { "sqs" }
                        ),
                    ));
                }
                Arg::KeyValue { key, value } => {
                    let name = key.to_string();
                    if !OPTIONS.contains(&name.as_str()) {
                        errors.push(syn::Error::new(
                            key.span(),
                            unknown_message("option", &name, OPTIONS, TRIGGERS),
                        ));
                        continue;
                    }
                    // One error, at the repetition: a second `compile_error!` at
                    // the first use would read as a second problem.
                    if seen.contains(&name) {
                        errors.push(syn::Error::new(
                            key.span(),
                            format!("`{name}` is given twice; keep one of them"),
                        ));
                        continue;
                    }
                    seen.push(name);
                    check_option(key, value, &mut args, errors);
                }
            }
        }
        args
    }
}

fn check_trigger(ident: Ident, args: &mut Args, errors: &mut Errors) {
    let name = ident.to_string();
    let Some(spec) = trigger::spec(&name) else {
        let message = if OPTIONS.contains(&name.as_str()) {
            format!("`{name}` needs a value: `{name} = ...`")
        } else if let (None, Some(flag)) = (suggestion(&name, TRIGGERS), suggestion(&name, FLAGS)) {
            format!("unknown trigger `{name}`; did you mean `{flag}`?")
        } else {
            unknown_message("trigger", &name, TRIGGERS, OPTIONS)
        };
        errors.push(syn::Error::new(ident.span(), message));
        return;
    };
    if let Some(first) = &args.trigger {
        errors.push(syn::Error::new(
            ident.span(),
            format!(
                "a function has one trigger, and `{}` is already given; deploy a second function for `{name}`",
                first.spec.name
            ),
        ));
        return;
    }
    args.trigger = Some(Trigger { spec });
}

fn check_option(key: Ident, value: Expr, args: &mut Args, errors: &mut Errors) {
    let result = match key.to_string().as_str() {
        "init" => path_value(
            &value,
            "init",
            "the path of a function, like `init = connect`",
        )
        .map(|path| args.init = Some((key.clone(), path))),
        "shutdown" => path_value(
            &value,
            "shutdown",
            "the path of a function, like `shutdown = flush`",
        )
        .map(|path| args.shutdown = Some((key.clone(), path))),
        "timeout_margin" => margin_value(&value).map(|margin| args.timeout_margin = Some(margin)),
        "concurrency" => {
            concurrency_value(&value).map(|n| args.concurrency = Some((key.clone(), n)))
        }
        "crate" => string_value(
            &value,
            "crate",
            "a path in quotes, like `crate = \"my_facade::lambda_fn\"`",
        )
        .and_then(|lit| {
            lit.parse::<Path>().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    "`crate` must name a path, like \"my_facade::lambda_fn\"",
                )
            })
        })
        .map(|path| args.krate = Some(path)),
        "flavor" => flavor_value(&value).map(|flavor| args.flavor = Some(flavor)),
        "logging" => match &value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(on), ..
            }) => {
                args.logging = Some(on.value);
                Ok(())
            }
            other => Err(syn::Error::new_spanned(
                other,
                "`logging` expects `true` or `false`: `logging = false` leaves installing a tracing subscriber to you",
            )),
        },
        _ => unreachable!("options are checked against OPTIONS first"),
    };
    if let Err(error) = result {
        errors.push(error);
    }
}

fn path_value(value: &Expr, key: &str, expected: &str) -> syn::Result<Path> {
    match value {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => Ok(path.path.clone()),
        Expr::Call(call) => Err(syn::Error::new(
            call.paren_token.span.join(),
            format!("`{key}` takes the function itself, not a call: remove the parentheses"),
        )),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` expects {expected}"),
        )),
    }
}

fn string_value<'a>(value: &'a Expr, key: &str, expected: &str) -> syn::Result<&'a LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` expects {expected}"),
        )),
    }
}

fn margin_value(value: &Expr) -> syn::Result<Duration> {
    const EXPECTED: &str = "a duration in quotes, like `timeout_margin = \"250ms\"` or `\"1.5s\"`";
    let lit = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            return Err(syn::Error::new(
                int.span(),
                format!(
                    "`timeout_margin` expects a duration with its unit: `timeout_margin = \"{}ms\"`",
                    int.base10_digits()
                ),
            ));
        }
        other => string_value(other, "timeout_margin", EXPECTED)?,
    };
    let margin = duration::parse(&lit.value())
        .map_err(|why| syn::Error::new(lit.span(), format!("invalid `timeout_margin`: {why}")))?;
    if margin.is_zero() {
        return Err(syn::Error::new(
            lit.span(),
            "`timeout_margin` must be more than zero: the guard has to answer before Lambda's deadline",
        ));
    }
    if margin >= Duration::from_secs(15 * 60) {
        return Err(syn::Error::new(
            lit.span(),
            "`timeout_margin` must be shorter than Lambda's longest timeout (15 minutes)",
        ));
    }
    Ok(margin)
}

fn concurrency_value(value: &Expr) -> syn::Result<u32> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let n: u32 = int.base10_parse().map_err(|_| {
                syn::Error::new(
                    int.span(),
                    "`concurrency` must be a whole number from 1 to 4294967295",
                )
            })?;
            if n == 0 {
                return Err(syn::Error::new(
                    int.span(),
                    "`concurrency` must be at least 1 (1 processes records one at a time)",
                ));
            }
            Ok(n)
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Err(syn::Error::new(
            lit.span(),
            format!(
                "`concurrency` expects a number without quotes: `concurrency = {}`",
                lit.value()
            ),
        )),
        other => Err(syn::Error::new_spanned(
            other,
            "`concurrency` expects a number, like `concurrency = 8`",
        )),
    }
}

fn flavor_value(value: &Expr) -> syn::Result<Flavor> {
    let lit = string_value(
        value,
        "flavor",
        "\"current_thread\" (the default) or \"multi_thread\"",
    )?;
    match lit.value().as_str() {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        other => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown flavor \"{other}\": use \"current_thread\" (the default) or \"multi_thread\"{}",
                suggestion(other, &["current_thread", "multi_thread"])
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_default()
            ),
        )),
    }
}

/// `unknown trigger `sq`; did you mean `sqs`?` with the list of what exists.
fn unknown_message(kind: &str, name: &str, candidates: &[&str], others: &[&str]) -> String {
    if let Some(near) = suggestion(name, candidates) {
        return format!("unknown {kind} `{name}`; did you mean `{near}`?");
    }
    if let Some(near) = suggestion(name, others) {
        let other_kind = if kind == "option" {
            "trigger"
        } else {
            "option"
        };
        return format!("unknown {kind} `{name}`; did you mean the {other_kind} `{near}`?");
    }
    let list = candidates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("unknown {kind} `{name}`; expected one of {list}")
}

/// The closest candidate, if it is close enough to be a typo.
pub fn suggestion<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .iter()
        .map(|candidate| {
            let distance = if candidate.eq_ignore_ascii_case(name) {
                0
            } else if candidate.starts_with(lower.as_str()) || lower.starts_with(candidate) {
                1
            } else {
                levenshtein(&lower, candidate)
            };
            (distance, *candidate)
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn check(raw: RawArgs) -> (Args, Vec<String>) {
        let mut errors = Errors::default();
        let args = raw.check(&mut errors);
        (args, errors.messages())
    }

    #[test]
    fn full_argument_list() {
        let (args, errors) = check(parse_quote!(
            init = connect,
            timeout_margin = "1.5s",
            crate = "facade::lambda_fn",
            flavor = "multi_thread"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.init.unwrap().1, parse_quote!(connect));
        assert_eq!(args.timeout_margin, Some(Duration::from_millis(1500)));
        assert_eq!(args.krate.unwrap(), parse_quote!(facade::lambda_fn));
        assert_eq!(args.flavor, Some(Flavor::MultiThread));
    }

    #[test]
    fn every_problem_is_reported() {
        let (_, errors) = check(parse_quote!(
            sq,
            timout_margin = "1s",
            init = connect(),
            concurrency = "8",
            timeout_margin = 5
        ));
        assert_eq!(
            errors,
            [
                "unknown trigger `sq`; did you mean `sqs`?",
                "unknown option `timout_margin`; did you mean `timeout_margin`?",
                "`init` takes the function itself, not a call: remove the parentheses",
                "`concurrency` expects a number without quotes: `concurrency = 8`",
                "`timeout_margin` expects a duration with its unit: `timeout_margin = \"5ms\"`",
            ]
        );
    }

    #[test]
    fn repeated_options() {
        let (_, errors) = check(parse_quote!(init = a, init = b));
        assert_eq!(errors, ["`init` is given twice; keep one of them"]);
    }

    #[test]
    fn durations() {
        let (_, errors) = check(parse_quote!(timeout_margin = "0ms"));
        assert!(errors[0].contains("more than zero"), "{errors:?}");
        let (_, errors) = check(parse_quote!(timeout_margin = "250"));
        assert!(
            errors[0].starts_with("invalid `timeout_margin`: missing unit"),
            "{errors:?}"
        );
        let (_, errors) = check(parse_quote!(timeout_margin = "-5ms"));
        assert!(
            errors[0].starts_with("invalid `timeout_margin`"),
            "{errors:?}"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggestion("dynamo", TRIGGERS), Some("dynamodb"));
        assert_eq!(suggestion("Http", TRIGGERS), Some("http"));
        assert_eq!(suggestion("sq", TRIGGERS), Some("sqs"));
        assert_eq!(suggestion("banana", TRIGGERS), None);
        assert_eq!(suggestion("int", OPTIONS), Some("init"));
    }

    #[test]
    fn shutdown_takes_a_function_path() {
        let (args, errors) = check(parse_quote!(init = connect, shutdown = hooks::flush));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.shutdown.unwrap().1, parse_quote!(hooks::flush));
        let (args, errors) = check(parse_quote!(shutdown = flush()));
        assert!(args.shutdown.is_none());
        assert_eq!(
            errors,
            ["`shutdown` takes the function itself, not a call: remove the parentheses"]
        );
        let (_, errors) = check(parse_quote!(shutdown = "flush"));
        assert_eq!(
            errors,
            ["`shutdown` expects the path of a function, like `shutdown = flush`"]
        );
    }

    #[test]
    fn logging_takes_a_bool() {
        let (args, errors) = check(parse_quote!(logging = false));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.logging, Some(false));
        let (_, errors) = check(parse_quote!(logging = "off"));
        assert_eq!(
            errors,
            [
                "`logging` expects `true` or `false`: `logging = false` leaves installing a tracing subscriber to you"
            ]
        );
    }

    #[test]
    fn keyword_that_needs_a_value() {
        let (_, errors) = check(parse_quote!(init));
        assert_eq!(errors, ["`init` needs a value: `init = ...`"]);
    }

    #[test]
    fn written_triggers_are_remembered() {
        let (args, errors) = check(parse_quote!(sq, init = connect(), concurrency = 8));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(args.init.is_none());
        assert!(args.trigger_written);
        let (args, _) = check(parse_quote!(init));
        assert!(!args.trigger_written);
    }

    #[test]
    fn the_batch_flag() {
        let (args, errors) = check(parse_quote!(sqs, batch));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(args.batch.is_some());
        assert_eq!(args.trigger.unwrap().spec.name, "sqs");
        let (args, errors) = check(parse_quote!(batch));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!args.trigger_written, "`batch` is not a trigger");
        let (_, errors) = check(parse_quote!(sqs, batch, batch));
        assert_eq!(errors, ["`batch` is given twice; keep one of them"]);
        let (_, errors) = check(parse_quote!(sqs, batch = true));
        assert_eq!(
            errors,
            ["`batch` takes no value: write it on its own, like `#[lambda(sqs, batch)]`"]
        );
        let (_, errors) = check(parse_quote!(sqs, batched));
        assert_eq!(errors, ["unknown trigger `batched`; did you mean `batch`?"]);
    }
}
