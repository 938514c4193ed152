//! Property tests of the attribute: whatever tokens `#[lambda(...)]` and the
//! item under it hold, the macro never panics, and its output is Rust items
//! that carry a `compile_error!` whenever the arguments are not valid.
//!
//! Token streams are built from `proc_macro2` tokens directly (idents of
//! every trigger and option, keywords, raw idents, literals of every kind,
//! punctuation, nested groups of the four delimiters), and also parsed from
//! arbitrary text. `PROPTEST_CASES=N` sets the number of cases of every
//! property; by default each runs the few hundred cases noted at its config.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use quote::{ToTokens, quote};

use crate::attr::{OPTIONS, RawArgs, TRIGGERS};
use crate::errors::Errors;
use crate::fallback::is_declaration;

/// `cases` cases, unless `PROPTEST_CASES` says otherwise (read by
/// `ProptestConfig::default()`). Failures are not persisted to files:
/// proptest prints the minimal failing input.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config
}

// ---------------------------------------------------------------------------
// Tokens

/// A token tree, kept as data so that proptest can shrink and print it.
#[derive(Clone, Debug)]
enum Tok {
    Ident(String),
    /// `r#name`.
    RawIdent(String),
    /// A literal as written: `8`, `"250ms"`, `b'x'`, `1e400`...
    Literal(String),
    Punct(char, Spacing),
    Group(Delimiter, Vec<Tok>),
}

impl Tok {
    fn tree(&self) -> TokenTree {
        let span = Span::call_site();
        match self {
            Tok::Ident(name) => Ident::new(name, span).into(),
            Tok::RawIdent(name) => Ident::new_raw(name, span).into(),
            Tok::Literal(text) => Literal::from_str(text)
                .unwrap_or_else(|_| Literal::string(text))
                .into(),
            Tok::Punct(ch, spacing) => Punct::new(*ch, *spacing).into(),
            Tok::Group(delimiter, inner) => Group::new(*delimiter, stream(inner)).into(),
        }
    }

    fn from_tree(tree: TokenTree) -> Self {
        match tree {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                match name.strip_prefix("r#") {
                    Some(raw) => Tok::RawIdent(raw.to_owned()),
                    None => Tok::Ident(name),
                }
            }
            TokenTree::Literal(literal) => Tok::Literal(literal.to_string()),
            TokenTree::Punct(punct) => Tok::Punct(punct.as_char(), punct.spacing()),
            TokenTree::Group(group) => Tok::Group(
                group.delimiter(),
                group.stream().into_iter().map(Tok::from_tree).collect(),
            ),
        }
    }
}

fn stream(tokens: &[Tok]) -> TokenStream {
    tokens.iter().map(Tok::tree).collect()
}

fn toks(stream: TokenStream) -> Vec<Tok> {
    stream.into_iter().map(Tok::from_tree).collect()
}

/// Idents the attribute gives a meaning to, keywords, and near misses.
fn words() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = TRIGGERS.iter().chain(OPTIONS).copied().collect();
    words.extend([
        "true",
        "false",
        "crate",
        "self",
        "super",
        "Self",
        "fn",
        "async",
        "await",
        "const",
        "unsafe",
        "extern",
        "move",
        "impl",
        "dyn",
        "where",
        "mut",
        "ref",
        "in",
        "_",
        "sq",
        "SQS",
        "Http",
        "dynamo",
        "int",
        "timout_margin",
        "connect",
        "flush",
        "main",
        "handler",
        "Order",
        "Context",
        "Deadline",
        "Result",
        "Error",
        "lambda_fn",
        "serde_json",
        "Value",
        "String",
        "Vec",
        "u8",
        "S3Object",
        "Request",
        "SqsRecord",
        "ScheduledEvent",
        "é",
    ]);
    words
}

/// Names that `r#` may precede.
const RAW: &[&str] = &[
    "sqs",
    "init",
    "fn",
    "async",
    "match",
    "type",
    "concurrency",
    "x",
];

/// Literals of every kind, valid and not for each option.
const LITERALS: &[&str] = &[
    "0",
    "1",
    "8",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999999999999999999999",
    "0x10",
    "0b1",
    "1_000",
    "8u8",
    "8i128",
    "1.5",
    "1e400",
    "1.0f32",
    "\"30s\"",
    "\"5 ms\"",
    "\"\"",
    "\"250ms\"",
    "\"0ms\"",
    "\"0.0000000001ms\"",
    "\"900s\"",
    "\"899.999999999s\"",
    "\"1.5s\"",
    "\".5s\"",
    "\"1.s\"",
    "\"1..5s\"",
    "\"99999999999999999999999s\"",
    "\"999999999999999999999999999999999999999.9999999999999999999999999999999ms\"",
    "\"5min\"",
    "\"-5ms\"",
    "\"٣ms\"",
    "\"multi_thread\"",
    "\"current_thread\"",
    "\"multi-thread\"",
    "\"my_facade::lambda_fn\"",
    "\"::lambda_fn\"",
    "\"crate\"",
    "\"r#crate\"",
    "\"self::x\"",
    "\"a b\"",
    "\"a::\"",
    "\"<T as X>::y\"",
    "\"\\u{0}\"",
    "\"\\\"\"",
    "\"'a\"",
    "\"/* unterminated\"",
    "\"r#self\"",
    "'c'",
    "b\"x\"",
    "b'x'",
    "r\"raw\"",
    "r#\"raw\"#",
    "c\"c\"",
];

const PUNCTS: &[char] = &[
    '=', ',', ':', '.', '-', '#', '!', ';', '&', '<', '>', '+', '*', '/', '?', '@', '|', '$', '~',
    '^', '%',
];

fn ident() -> impl Strategy<Value = Tok> {
    prop_oneof![
        6 => select(words()).prop_map(|word| Tok::Ident(word.to_owned())),
        1 => select(RAW).prop_map(|word| Tok::RawIdent(word.to_owned())),
        2 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(Tok::Ident),
    ]
}

fn literal() -> impl Strategy<Value = Tok> {
    prop_oneof![
        4 => select(LITERALS).prop_map(|text| Tok::Literal(text.to_owned())),
        1 => any::<u64>().prop_map(|n| Tok::Literal(n.to_string())),
        1 => any::<f64>().prop_filter_map("finite", |f| {
            f.is_finite().then(|| Tok::Literal(Literal::f64_unsuffixed(f).to_string()))
        }),
        2 => any::<String>().prop_map(|text| Tok::Literal(Literal::string(&text).to_string())),
        1 => "[0-9.]{1,6}(ms|s| ms|min|)".prop_map(|text| Tok::Literal(Literal::string(&text).to_string())),
    ]
}

fn punct() -> impl Strategy<Value = Tok> {
    prop_oneof![
        3 => Just(Tok::Punct('=', Spacing::Alone)),
        3 => Just(Tok::Punct(',', Spacing::Alone)),
        4 => (select(PUNCTS), any::<bool>()).prop_map(|(ch, joint)| {
            Tok::Punct(ch, if joint { Spacing::Joint } else { Spacing::Alone })
        }),
    ]
}

fn delimiter() -> impl Strategy<Value = Delimiter> {
    select(
        &[
            Delimiter::Parenthesis,
            Delimiter::Bracket,
            Delimiter::Brace,
            Delimiter::None,
        ][..],
    )
}

/// Any token tree, groups nested up to four deep.
fn token() -> impl Strategy<Value = Tok> {
    let leaf = prop_oneof![3 => ident(), 2 => literal(), 2 => punct()];
    leaf.prop_recursive(4, 48, 6, |inner| {
        (delimiter(), vec(inner, 0..6)).prop_map(|(delimiter, inner)| Tok::Group(delimiter, inner))
    })
}

/// `a::b::c`, optionally with a leading `::`.
fn path() -> impl Strategy<Value = Vec<Tok>> {
    (any::<bool>(), vec(ident(), 1..4)).prop_map(|(leading, segments)| {
        let mut out = Vec::new();
        for (i, segment) in segments.into_iter().enumerate() {
            if i > 0 || leading {
                out.push(Tok::Punct(':', Spacing::Joint));
                out.push(Tok::Punct(':', Spacing::Alone));
            }
            out.push(segment);
        }
        out
    })
}

/// What may follow `key =`.
fn value() -> impl Strategy<Value = Vec<Tok>> {
    prop_oneof![
        4 => literal().prop_map(|literal| vec![literal]),
        1 => literal().prop_map(|literal| vec![Tok::Punct('-', Spacing::Alone), literal]),
        3 => path(),
        1 => path().prop_map(|mut path| {
            path.push(Tok::Group(Delimiter::Parenthesis, Vec::new()));
            path
        }),
        1 => token().prop_map(|token| vec![token]),
        1 => vec(token(), 0..4),
    ]
}

/// One argument: a keyword, `key = value`, or anything.
fn argument() -> impl Strategy<Value = Vec<Tok>> {
    prop_oneof![
        3 => ident().prop_map(|key| vec![key]),
        4 => (ident(), value()).prop_map(|(key, value)| {
            let mut out = vec![key, Tok::Punct('=', Spacing::Alone)];
            out.extend(value);
            out
        }),
        1 => vec(token(), 0..4),
    ]
}

/// Arguments as written between the attribute's parentheses: mostly
/// comma-separated, sometimes not.
fn arguments() -> impl Strategy<Value = Vec<Tok>> {
    prop_oneof![
        6 => (vec(argument(), 0..6), any::<bool>(), 0..20_u8).prop_map(|(arguments, trailing, sloppy)| {
            let mut out = Vec::new();
            let count = arguments.len();
            for (i, argument) in arguments.into_iter().enumerate() {
                out.extend(argument);
                // Now and then a separator is missing or doubled.
                match (i + 1 < count || trailing, sloppy) {
                    (true, 0) => {}
                    (true, 1) => {
                        out.push(Tok::Punct(',', Spacing::Alone));
                        out.push(Tok::Punct(',', Spacing::Alone));
                    }
                    (true, _) => out.push(Tok::Punct(',', Spacing::Alone)),
                    (false, _) => {}
                }
            }
            out
        }),
        1 => vec(token(), 0..8),
        1 => any::<String>().prop_map(|text| TokenStream::from_str(&text).map(toks).unwrap_or_default()),
    ]
}

// ---------------------------------------------------------------------------
// Items

/// Handlers of every form the macro accepts, and items it must refuse.
fn items() -> Vec<TokenStream> {
    vec![
        quote! { async fn handler(event: serde_json::Value) -> Result<serde_json::Value, std::io::Error> { todo!() } },
        quote! { async fn handle(order: Order, ctx: &Context) -> Result<(), lambda_fn::Error> { Ok(()) } },
        quote! { async fn handle(order: SqsRecord<Order>, state: &Clients, deadline: &lambda_fn::Deadline, ctx: &Context) -> Result<(), Error> { Ok(()) } },
        quote! { async fn raw(body: String) -> Result<(), Error> { Ok(()) } },
        quote! { async fn bytes(body: Vec<u8>) -> Result<(), Error> { Ok(()) } },
        quote! { async fn object(object: lambda_fn::s3::S3Object, ctx: &Context) -> Result<(), Error> { Ok(()) } },
        quote! { async fn nightly(ctx: &Context) -> Result<(), Error> { Ok(()) } },
        quote! { async fn nightly() -> Result<(), Error> { Ok(()) } },
        quote! { async fn api(req: lambda_fn::http::Request, state: &Store) -> Result<String, Error> { Ok(String::new()) } },
        quote! { fn app() -> Router { Router::new() } },
        quote! { pub(crate) async fn with_attrs(#[allow(unused)] e: E, _: &Ctx, _: &Other) -> anyhow::Result<()> { Ok(()) } },
        quote! { async fn main(&self, e: &mut E, c: Context, d: &'a Deadline, ref x: &X, y: impl Trait) {} },
        quote! { const unsafe extern "C" fn generic<'a, T: Copy>(event: T) -> T where T: Send { event } },
        quote! { async fn returns_nothing(e: E) {} },
        quote! { async fn variadic(e: E, ...) -> Result<(), E> {} },
        quote! { async fn tuple_pattern((a, b): (u8, u8), [c]: [u8; 1]) -> Result<(), E> { Ok(()) } },
        quote! { struct NotAFunction; },
        quote! { enum Trigger { Sqs, Sns } },
        quote! { const LIMIT: u32 = 8; },
        quote! { async fn declared(event: E) -> Result<(), E>; },
        quote! { unsafe extern "C" { fn handler(); } },
        quote! { impl Handler { async fn method(&self) {} } },
        quote! { let closure = async |e: E| {}; },
        quote! {},
    ]
}

/// One change to an item's tokens, at a token picked by index (modulo the
/// number of tokens).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Tok),
    Remove(usize),
    Insert(usize, Tok),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), token()).prop_map(|(at, token)| Edit::Replace(at, token)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), token()).prop_map(|(at, token)| Edit::Insert(at, token)),
    ]
}

/// The number of token trees in `tokens`, groups' contents included.
fn count(tokens: &[Tok]) -> usize {
    tokens
        .iter()
        .map(|token| match token {
            Tok::Group(_, inner) => 1 + count(inner),
            _ => 1,
        })
        .sum()
}

/// Applies `edit` at the `at`-th token tree in document order.
fn apply(tokens: &mut Vec<Tok>, at: usize, edit: &Edit) {
    let mut at = at;
    let mut index = 0;
    while index < tokens.len() {
        if at == 0 {
            match edit {
                Edit::Replace(_, token) => tokens[index] = token.clone(),
                Edit::Remove(_) => {
                    tokens.remove(index);
                }
                Edit::Insert(_, token) => tokens.insert(index, token.clone()),
            }
            return;
        }
        at -= 1;
        if let Tok::Group(_, inner) = &mut tokens[index] {
            let size = count(inner);
            if at < size {
                apply(inner, at, edit);
                return;
            }
            at -= size;
        }
        index += 1;
    }
    if let Edit::Insert(_, token) = edit {
        tokens.push(token.clone());
    }
}

/// One of the items, with up to three edits, or any tokens at all.
fn item() -> impl Strategy<Value = Vec<Tok>> {
    let edited = (select(items()), vec(edit(), 0..4)).prop_map(|(item, edits)| {
        let mut tokens = toks(item);
        for edit in &edits {
            let (Edit::Replace(at, _) | Edit::Remove(at) | Edit::Insert(at, _)) = edit;
            let size = count(&tokens);
            apply(&mut tokens, at % (size + 1), edit);
        }
        tokens
    });
    prop_oneof![
        6 => edited,
        1 => vec(token(), 0..10),
        1 => any::<String>().prop_map(|text| TokenStream::from_str(&text).map(toks).unwrap_or_default()),
    ]
}

// ---------------------------------------------------------------------------
// The properties

/// Whether the arguments parse and pass every check of their own.
fn arguments_are_valid(args: &TokenStream) -> bool {
    syn::parse2::<RawArgs>(args.clone()).is_ok_and(|raw| {
        let mut errors = Errors::default();
        raw.check(&mut errors);
        errors.finish().is_ok()
    })
}

/// The messages of every `compile_error!` in `tokens`, and the number of
/// `compile_error` idents.
fn compile_errors(tokens: TokenStream, messages: &mut Vec<String>) -> usize {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut found = 0;
    for (at, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                found += 1;
                // `compile_error! { "message" }`
                if let Some(TokenTree::Group(group)) = trees.get(at + 2)
                    && let Some(TokenTree::Literal(literal)) = group.stream().into_iter().next()
                {
                    let message: syn::LitStr = syn::parse2(literal.into_token_stream())
                        .expect("compile_error! takes a string literal");
                    messages.push(message.value());
                }
            }
            TokenTree::Group(group) => found += compile_errors(group.stream(), messages),
            _ => {}
        }
    }
    found
}

/// Expands `#[lambda(args)] item` and checks the output: no panic, a
/// `compile_error!` with a message whenever the arguments are invalid, and,
/// for an item, items with `fn main` among them.
fn expand_checked(args: &[Tok], item: &[Tok]) -> Result<(), TestCaseError> {
    let (args, item) = (stream(args), stream(item));
    let output = catch_unwind(AssertUnwindSafe(|| {
        crate::expand::expand(args.clone(), item.clone())
    }))
    .map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        TestCaseError::fail(format!(
            "the macro panicked: {message}\n  #[lambda({args})]\n  {item}"
        ))
    })?;
    let mut messages = Vec::new();
    let errors = compile_errors(output.clone(), &mut messages);
    prop_assert!(
        errors > 0 || arguments_are_valid(&args),
        "invalid arguments expanded without an error: #[lambda({})] {}\n  {}",
        args,
        item,
        output
    );
    prop_assert_eq!(errors, messages.len(), "{}", output);
    for message in &messages {
        prop_assert!(
            !message.trim().is_empty(),
            "an empty error message: {}",
            output
        );
    }
    // The compiler hands an attribute only a whole item; from one, the
    // output must be items that give the crate a `main` (so that the only
    // errors shown are the macro's own), except from a declaration without
    // a body, which only a trait or an `extern` block holds: nothing emitted
    // there reaches the crate's root, and a `fn main() {}` in an `extern`
    // block would be an error of its own.
    if syn::parse2::<syn::Item>(item.clone()).is_ok() {
        let file: syn::File = syn::parse2(output.clone()).map_err(|err| {
            TestCaseError::fail(format!(
                "the output is not items ({err}):\n  {output}\n  from #[lambda({args})] {item}"
            ))
        })?;
        if is_declaration(&item) {
            // An identifier, not any text: an error message may quote the
            // user's own `main` (an unknown option `main = 0`).
            prop_assert!(
                !mentions_ident(output.clone(), "main"),
                "a `main` beside a declaration: {}",
                output
            );
        } else {
            prop_assert!(provides_main(&file.items), "no `main`: {}", output);
        }
    }
    Ok(())
}

/// Whether `tokens` hold the identifier `name` anywhere, at any depth
/// (string literals, which only error messages hold, do not count).
fn mentions_ident(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => mentions_ident(group.stream(), name),
        _ => false,
    })
}

/// Whether `items` give the crate a `main`: a `fn main`, or a glob import of
/// a module among them that has one (the stand-in that a `fn main` of the
/// user's own shadows).
pub(crate) fn provides_main(items: &[syn::Item]) -> bool {
    items.iter().any(|item| match item {
        syn::Item::Fn(f) => f.sig.ident == "main",
        syn::Item::Use(syn::ItemUse {
            tree: syn::UseTree::Path(path),
            ..
        }) if matches!(*path.tree, syn::UseTree::Glob(_)) => items.iter().any(|module| {
            matches!(module, syn::Item::Mod(syn::ItemMod { ident, content: Some((_, inner)), .. })
                if *ident == path.ident && names_main(inner))
        }),
        _ => false,
    })
}

/// Whether `items` define or import something named `main`.
fn names_main(items: &[syn::Item]) -> bool {
    fn tree_names_main(tree: &syn::UseTree) -> bool {
        match tree {
            syn::UseTree::Path(path) => tree_names_main(&path.tree),
            syn::UseTree::Name(name) => name.ident == "main",
            syn::UseTree::Rename(rename) => rename.rename == "main",
            syn::UseTree::Group(group) => group.items.iter().any(tree_names_main),
            syn::UseTree::Glob(_) => false,
        }
    }
    items.iter().any(|item| match item {
        syn::Item::Fn(f) => f.sig.ident == "main",
        syn::Item::Use(item) => tree_names_main(&item.tree),
        _ => false,
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// Any arguments, on each handler form.
    #[test]
    fn arbitrary_arguments(args in arguments(), item in select(items())) {
        expand_checked(&args, &toks(item))?;
    }

    /// Any arguments on any item.
    #[test]
    fn arbitrary_arguments_and_items(args in arguments(), item in item()) {
        expand_checked(&args, &item)?;
    }

    /// Arguments that are each valid on their own, combined at random, on
    /// handlers changed at random.
    #[test]
    fn valid_options_on_changed_items(
        trigger in prop::option::of(select(TRIGGERS)),
        options in vec(select(&[
            "init = connect",
            "shutdown = hooks::flush",
            "timeout_margin = \"250ms\"",
            "concurrency = 8",
            "crate = \"facade::lambda_fn\"",
            "flavor = \"multi_thread\"",
            "logging = false",
        ][..]), 0..4),
        item in item(),
    ) {
        let mut args: Vec<String> = trigger.iter().map(|t| (*t).to_owned()).collect();
        args.extend(options.iter().map(|o| (*o).to_owned()));
        let args = TokenStream::from_str(&args.join(", ")).expect("valid tokens");
        expand_checked(&toks(args), &item)?;
    }

    /// Every error the argument parser reports has a message.
    #[test]
    fn every_argument_error_has_a_message(args in arguments()) {
        let args = stream(&args);
        let messages = match syn::parse2::<RawArgs>(args) {
            Err(error) => error.into_iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            Ok(raw) => {
                let mut errors = Errors::default();
                raw.check(&mut errors);
                errors.messages()
            }
        };
        for message in messages {
            prop_assert!(!message.trim().is_empty());
        }
    }
}

/// Arguments the parser must refuse, each with a message that says what
/// is wrong.
#[test]
fn every_refused_argument_has_a_message() {
    let cases = [
        "sq",
        "sqs sns",
        "sqs, sns",
        "init",
        "init =",
        "= connect",
        "init = connect()",
        "init = \"connect\"",
        "init = 5",
        "init = <T as X>::f",
        "shutdown = flush()",
        "timeout_margin = 250",
        "timeout_margin = \"250\"",
        "timeout_margin = \"5 ms\"",
        "timeout_margin = \"0ms\"",
        "timeout_margin = \"15min\"",
        "timeout_margin = \"900s\"",
        "timeout_margin = \"99999999999999999999999s\"",
        "timeout_margin = -5",
        "concurrency = 0",
        "concurrency = -1",
        "concurrency = \"8\"",
        "concurrency = 4294967296",
        "concurrency = 1.5",
        "crate = lambda_fn",
        "crate = \"a b\"",
        "crate = \"\"",
        "flavor = \"multi-thread\"",
        "flavor = multi_thread",
        "logging = \"off\"",
        "logging = 1",
        "init = a, init = b",
        "unknown = 1",
        "1",
        "\"sqs\"",
        "sqs,,",
        "#",
        "(sqs)",
        "r#sqs",
        "self",
        "crate",
        "crate =",
    ];
    for case in cases {
        let args = TokenStream::from_str(case).expect("tokens");
        let mut messages = match syn::parse2::<RawArgs>(args.clone()) {
            Err(error) => error.into_iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            Ok(raw) => {
                let mut errors = Errors::default();
                raw.check(&mut errors);
                errors.messages()
            }
        };
        // What the handler check adds, for arguments that parse.
        let item = quote! { async fn handler(event: E) -> Result<(), Error> { Ok(()) } };
        let output = crate::expand::expand(args, item);
        let mut emitted = Vec::new();
        compile_errors(output, &mut emitted);
        assert!(
            !emitted.is_empty(),
            "`#[lambda({case})]` expanded without an error"
        );
        messages.extend(emitted);
        for message in &messages {
            assert!(
                !message.trim().is_empty() && message.trim() == message,
                "`#[lambda({case})]`: {message:?}"
            );
        }
    }
}

#[test]
fn edits_reach_every_token() {
    let mut tokens = toks(quote! { a (b [c]) d });
    assert_eq!(count(&tokens), 6);
    apply(&mut tokens, 4, &Edit::Remove(4));
    assert_eq!(stream(&tokens).to_string(), "a (b []) d");
    apply(&mut tokens, 6, &Edit::Insert(6, Tok::Ident("e".to_owned())));
    assert_eq!(stream(&tokens).to_string(), "a (b []) d e");
    apply(
        &mut tokens,
        1,
        &Edit::Replace(1, Tok::Literal("1".to_owned())),
    );
    assert_eq!(stream(&tokens).to_string(), "a 1 d e");
}
