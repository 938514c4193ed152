//! Checking the annotated function and working out what each parameter is.
//!
//! The parameters after the event are recognised by their type: a reference
//! to a type named `Context` is the invocation context, one named `Deadline`
//! is the deadline handle, and with `init` the one other reference is the
//! warm state. The generated code then checks each guess against the real
//! type, with errors spanned at the user's parameter. Any other reference
//! (a renamed import, `&Ctx` for `use lambda_fn::Context as Ctx`) is left
//! to the compiler, which picks its role from the type itself.

use syn::{FnArg, GenericParam, ItemFn, Pat, PatType, ReturnType, Signature, Type, TypeReference};

use crate::attr::Args;
use crate::errors::Errors;
use crate::trigger::{Form, Returns, SPECS, Spec};

/// What a parameter after the event receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Context,
    Deadline,
    State,
    /// Neither named `Context` nor `Deadline`, and not surely the state:
    /// the generated code lets the compiler pick the role by type.
    Inferred,
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::Context => "the invocation context",
            Role::Deadline => "the deadline",
            Role::State | Role::Inferred => "the warm state",
        }
    }
}

/// A parameter after the event.
pub struct Param {
    pub role: Role,
    /// The parameter as written before its type, `ctx` in `ctx: &Context`.
    pub name: String,
    /// The whole type as written, `&Context`.
    pub ty: Type,
    /// For the state: the referenced type, `Clients` in `&Clients`.
    pub referent: Type,
}

/// A checked handler.
pub struct Handler {
    /// `#[lambda(http)]` on a function that builds a tower service.
    pub router: bool,
    /// The event (or, with a trigger, the record payload); `None` only for
    /// a trigger whose payload is optional.
    pub event: Option<Type>,
    pub params: Vec<Param>,
    /// The type of the warm state, if any: `_` when the compiler infers it
    /// from the parameters.
    pub state: Option<Type>,
    /// The declared return type.
    pub output: Type,
}

/// Checks `item` against the rules of `#[lambda]`, recording every problem.
/// Returns the handler if nothing was wrong with it.
///
/// Each concern is one function, run in the order a reader meets the
/// signature (as axum-macros' `debug_handler` composes its checks); every
/// check runs, so that one build reports every problem.
pub fn check(item: &ItemFn, args: &Args, errors: &mut Errors) -> Option<Handler> {
    let before = errors.count();
    let sig = &item.sig;
    let spec = args.trigger.as_ref().map(|trigger| trigger.spec);
    // `#[lambda(http)]` on a function without parameters: it builds a tower
    // service (an `axum::Router`, say), once, at init, and may be sync.
    let router = spec.is_some_and(|spec| spec.form == Form::Http) && sig.inputs.is_empty();
    check_qualifiers(sig, router, errors);
    let lifetimes_reported = check_generics(sig, errors);
    check_name(sig, errors);
    let output = check_output(sig, errors);
    let has_receiver = check_receivers(sig, errors);

    let before_inputs = errors.count();
    let mut inputs = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .peekable();
    // A scheduled function may take no payload: then its first parameter
    // is already one of the optional inputs.
    let starts_with_optional_input = spec.is_some_and(Spec::payload_optional)
        && inputs
            .peek()
            .is_none_or(|first| matches!(&*first.ty, Type::Reference(_)));
    let no_event = starts_with_optional_input || router;
    let event = if no_event {
        None
    } else {
        take_event(&mut inputs, sig, has_receiver, args, errors)
    };
    let mut params = check_params(inputs, !lifetimes_reported, errors);
    let state = place_state(&mut params, args);
    // Whether `init` and a state parameter go together is only worth saying
    // when every parameter was understood: a rejected `&mut State` or
    // `init = connect()` is already one error, and this would be a second.
    let inputs_understood = errors.count() == before_inputs;
    check_init(sig, args, router, inputs_understood, state.as_ref(), errors);
    check_trigger(spec, args, event.as_ref(), errors);
    check_returns(spec, output.as_ref(), errors);

    if errors.count() > before || (event.is_none() && !no_event) {
        return None;
    }
    Some(Handler {
        router,
        state,
        event,
        params,
        output: output?,
    })
}

/// `const`, `async`, `unsafe` and `extern`: a handler is a plain `async fn`
/// (or, for the HTTP service form, any fn).
fn check_qualifiers(sig: &Signature, router: bool, errors: &mut Errors) {
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            "a Lambda handler cannot be `const`: remove `const`",
        ));
    }
    if sig.asyncness.is_none() && !router {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            "#[lambda] needs an `async fn`: add `async` before `fn`",
        ));
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        errors.push(syn::Error::new(
            unsafety.span,
            "a Lambda handler cannot be `unsafe`: remove `unsafe` and use an `unsafe` block inside",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "a Lambda handler cannot have an `extern` ABI: remove it",
        ));
    }
}

/// Generic parameters, `where` clauses and `...`. Returns whether the
/// handler's lifetime parameters were reported, so that the lifetimes on its
/// references are not reported again.
fn check_generics(sig: &Signature, errors: &mut Errors) -> bool {
    let only_lifetimes = sig
        .generics
        .params
        .iter()
        .all(|param| matches!(param, GenericParam::Lifetime(_)));
    if sig.generics.params.is_empty() {
        if let Some(where_clause) = &sig.generics.where_clause {
            errors.push(syn::Error::new_spanned(
                where_clause,
                "a Lambda handler cannot have a `where` clause: use concrete types",
            ));
        }
    } else if only_lifetimes {
        errors.push(syn::Error::new_spanned(
            &sig.generics.params,
            "a Lambda handler cannot have lifetime parameters: remove them, and the lifetimes on its references; the generated code chooses them",
        ));
    } else {
        errors.push(syn::Error::new_spanned(
            &sig.generics.params,
            "a Lambda handler cannot be generic: the entry point needs concrete event and state types",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "a Lambda handler cannot be variadic: remove the `...`",
        ));
    }
    only_lifetimes && !sig.generics.params.is_empty()
}

fn check_name(sig: &Signature, errors: &mut Errors) {
    if sig.ident == "main" {
        errors.push(syn::Error::new(
            sig.ident.span(),
            "#[lambda] generates `main` itself: give the handler another name, like `handler`",
        ));
    }
}

fn check_output(sig: &Signature, errors: &mut Errors) -> Option<Type> {
    match &sig.output {
        ReturnType::Type(_, ty) => Some((**ty).clone()),
        ReturnType::Default => {
            errors.push(syn::Error::new(
                sig.paren_token.span.close(),
                "a Lambda handler returns `Result<Response, Error>`: add a return type like `-> Result<Response, lambda_fn::Error>`",
            ));
            None
        }
    }
}

/// `self` is reported once, wherever it is; the first other parameter is
/// still the event, so nothing else is reported because of it.
fn check_receivers(sig: &Signature, errors: &mut Errors) -> bool {
    let mut has_receiver = false;
    for input in &sig.inputs {
        if let FnArg::Receiver(receiver) = input {
            has_receiver = true;
            errors.push(self_error(receiver));
        }
    }
    has_receiver
}

/// The first parameter: the event (or the record's payload).
fn take_event<'a>(
    inputs: &mut impl Iterator<Item = &'a PatType>,
    sig: &Signature,
    has_receiver: bool,
    args: &Args,
    errors: &mut Errors,
) -> Option<Type> {
    match inputs.next() {
        None if has_receiver => None,
        None => {
            errors.push(syn::Error::new(
                sig.paren_token.span.join(),
                missing_event(args),
            ));
            None
        }
        Some(first) => check_event(first, args, errors),
    }
}

/// What a handler without parameters is told: the type its trigger passes,
/// when it is one fixed type (`S3Object`, `CustomResourceRequest`).
fn missing_event(args: &Args) -> String {
    let spec = args.trigger.as_ref().map(|trigger| trigger.spec);
    match spec.map(|spec| (spec.name, spec.form)) {
        Some((name, Form::Fixed { ty, optional: false })) => {
            let expected = if args.batch.is_some() {
                format!("events: Vec<lambda_fn::{name}::{ty}>")
            } else {
                format!("event: lambda_fn::{name}::{ty}")
            };
            format!(
                "a `{name}` handler takes the `{ty}` it is called for as its first parameter: write `{expected}`"
            )
        }
        _ => "a Lambda handler takes the event as its first parameter, like `event: MyEvent` (or `event: serde_json::Value` for any JSON)".to_owned(),
    }
}

/// The parameters after the event, each role at most once (references to
/// other types, candidates for the state, are sorted out by `place_state`).
fn check_params<'a>(
    inputs: impl Iterator<Item = &'a PatType>,
    check_lifetime: bool,
    errors: &mut Errors,
) -> Vec<Param> {
    let mut params: Vec<Param> = Vec::new();
    for input in inputs {
        let Some(param) = check_param(input, check_lifetime, errors) else {
            continue;
        };
        if let Some(earlier) = params
            .iter()
            .find(|p| p.role == param.role && p.role != Role::State)
        {
            errors.push(syn::Error::new_spanned(
                &param.ty,
                format!(
                    "{} is already taken by `{}`; remove this parameter",
                    param.role.describe(),
                    earlier.name
                ),
            ));
            continue;
        }
        params.push(param);
    }
    params
}

/// With `init`, the one reference not named `Context` or `Deadline` is the
/// state. Without `init`, or with several such references, each may be a
/// renamed `Context` or `Deadline`: the compiler decides by type, and a
/// reference that is none of them is an error at its type. Returns the
/// state's type (`_` when the compiler infers it).
fn place_state(params: &mut [Param], args: &Args) -> Option<Type> {
    let others = params.iter().filter(|p| p.role == Role::State).count();
    let state_known = args.init.is_some() && others == 1;
    if state_known {
        return params
            .iter()
            .find(|p| p.role == Role::State)
            .map(|p| p.referent.clone());
    }
    for param in params.iter_mut().filter(|p| p.role == Role::State) {
        param.role = Role::Inferred;
    }
    (args.init.is_some() && others > 1).then(|| syn::parse_quote!(_))
}

/// `init` builds state: there must be a state parameter to receive it, and
/// the HTTP service form already runs once.
fn check_init(
    sig: &Signature,
    args: &Args,
    router: bool,
    inputs_understood: bool,
    state: Option<&Type>,
    errors: &mut Errors,
) {
    let Some((key, _)) = &args.init else {
        return;
    };
    if router {
        errors.push(syn::Error::new(
            key.span(),
            "a function that builds the HTTP service already runs once, at init: build what the service needs inside it and remove `init`",
        ));
    } else if inputs_understood && state.is_none() {
        errors.push(syn::Error::new(
            key.span(),
            format!(
                "`init` builds warm state, but `{}` takes no state parameter: add one like `state: &MyState`, or remove `init`",
                sig.ident
            ),
        ));
    }
}

/// What the trigger's row says: whether `concurrency` and `batch` apply,
/// and the payload type of a fixed-payload trigger.
fn check_trigger(spec: Option<&Spec>, args: &Args, event: Option<&Type>, errors: &mut Errors) {
    let Some(spec) = spec else {
        // An unknown trigger is already reported; saying a trigger is
        // missing as well would contradict it.
        if args.trigger_written {
            return;
        }
        if let Some((key, _)) = &args.concurrency {
            errors.push(syn::Error::new(
                key.span(),
                "`concurrency` sets how many records of a batch run at once, so it needs a batch trigger like `#[lambda(sqs, concurrency = 8)]`",
            ));
        }
        if let Some(batch) = &args.batch {
            errors.push(syn::Error::new(
                batch.span(),
                "`batch` passes every record of a batch to one call, so it needs a batch trigger like `#[lambda(sqs, batch)]`",
            ));
        }
        if let Some(stream) = &args.stream {
            errors.push(syn::Error::new(
                stream.span(),
                "`stream` is for HTTP responses, `#[lambda(http, stream)]`; a whole-event function streams by returning `lambda_fn::stream::Streaming`: remove `stream`",
            ));
        }
        return;
    };
    if let (Some(stream), false) = (&args.stream, spec.form == Form::Http) {
        errors.push(syn::Error::new(
            stream.span(),
            format!(
                "`stream` streams an HTTP response, so it needs `#[lambda(http, stream)]`; a `{}` invocation is answered in its trigger's own protocol: remove `stream`",
                spec.name
            ),
        ));
    }
    if let (Some((key, _)), Err(why)) = (&args.concurrency, spec.concurrency) {
        errors.push(syn::Error::new(key.span(), why));
    }
    let batch = match (&args.batch, spec.batch) {
        (Some(batch), Err(why)) => {
            errors.push(syn::Error::new(batch.span(), why));
            return;
        }
        (Some(_), Ok(())) => true,
        (None, _) => false,
    };
    if let (true, Some((key, _)), Ok(())) = (batch, &args.concurrency, spec.concurrency) {
        errors.push(syn::Error::new(
            key.span(),
            "with `batch`, the handler gets the whole batch in one call, so `concurrency` does not apply: remove it",
        ));
    }
    // With `batch`, the payload is one element of the `Vec`.
    let payload = match event {
        Some(event) if batch => match type_argument(event, "Vec") {
            Some(element) => Some(element),
            None => {
                let example = match spec.form {
                    Form::Fixed { ty, .. } => {
                        format!("events: Vec<lambda_fn::{}::{ty}>", spec.name)
                    }
                    _ => format!("records: Vec<{}>", type_text(event)),
                };
                errors.push(syn::Error::new_spanned(
                    event,
                    format!(
                        "with `batch`, the handler takes every record of the batch at once, as a `Vec`: write `{example}`"
                    ),
                ));
                return;
            }
        },
        other => other,
    };
    let (fixed, parameter) = match spec.form {
        Form::Fixed { ty, .. } => (ty, "event"),
        Form::Http => ("Request", "req"),
        // The payload's own type says which hook.
        Form::Hook { requests } => {
            if let Some(payload) = payload
                && !requests.iter().any(|request| names_type(payload, request))
            {
                let list = requests
                    .iter()
                    .map(|request| format!("`{request}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                errors.push(syn::Error::new_spanned(
                    payload,
                    format!(
                        "`{}` is not the request of a `{}` hook: the handler's first parameter says which hook it handles, one of {list} (in `lambda_fn::{}`)",
                        type_text(payload),
                        spec.name,
                        spec.name
                    ),
                ));
            }
            return;
        }
        Form::Body { .. } => {
            if let Some(payload) = payload {
                check_wrapper(spec, payload, errors);
            }
            return;
        }
    };
    if let Some(payload) = payload.filter(|payload| !names_type(payload, fixed)) {
        let expected = if batch {
            format!("events: Vec<lambda_fn::{}::{fixed}>", spec.name)
        } else {
            format!("{parameter}: lambda_fn::{}::{fixed}", spec.name)
        };
        let passes = if batch {
            format!("`Vec<{fixed}>`")
        } else {
            format!("`{fixed}`")
        };
        errors.push(syn::Error::new_spanned(
            payload,
            format!(
                "the `{}` trigger passes {passes} as the first parameter: write `{expected}`",
                spec.name
            ),
        ));
    }
}

/// A trigger whose answer carries each record's result may refuse `()`
/// (a Firehose record must be transformed into something).
fn check_returns(spec: Option<&Spec>, output: Option<&Type>, errors: &mut Errors) {
    let (Some(spec), Some(output)) = (spec, output) else {
        return;
    };
    let Some(answer) = crate::expand::response_type(output) else {
        return;
    };
    let (wrapper, why) = match spec.returns {
        Returns::Record {
            wrapper,
            unit: Err(why),
        } => (wrapper, why),
        Returns::Fixed { ty } => {
            if !names_type(answer, ty) {
                errors.push(syn::Error::new_spanned(
                    answer,
                    format!(
                        "the `{}` trigger answers a `{ty}`: return `Result<lambda_fn::{}::{ty}, E>`",
                        spec.name, spec.name
                    ),
                ));
            }
            return;
        }
        Returns::Nothing | Returns::Hook | Returns::Record { unit: Ok(()), .. } => return,
    };
    // `()` itself, or inside the wrapper (`Transformed<()>`).
    let answer = wrapper
        .and_then(|wrapper| type_argument(answer, wrapper))
        .unwrap_or(answer);
    if let Type::Tuple(unit) = answer
        && unit.elems.is_empty()
    {
        errors.push(syn::Error::new_spanned(unit, why));
    }
}

/// A record wrapper of another trigger (`SqsRecord<T>` on `cloudwatch_logs`)
/// would otherwise be taken for a body type and reported as not
/// `Deserialize`: name the wrapper this trigger has.
fn check_wrapper(spec: &Spec, payload: &Type, errors: &mut Errors) {
    let Form::Body { wrapper, .. } = spec.form else {
        return;
    };
    let Type::Path(path) = payload else {
        return;
    };
    let Some(last) = path.path.segments.last() else {
        return;
    };
    let other = SPECS.iter().find_map(|other| match other.form {
        Form::Body {
            wrapper: theirs, ..
        } if theirs != wrapper && last.ident == theirs => Some((other.name, theirs)),
        _ => None,
    });
    if let Some((trigger, theirs)) = other {
        errors.push(syn::Error::new_spanned(
            payload,
            format!(
                "`{theirs}` is the record wrapper of the `{trigger}` trigger; a `{}` handler takes `lambda_fn::{}::{wrapper}<T>`, or the body itself",
                spec.name, spec.name
            ),
        ));
    }
}

/// A type as the user would write it: `serde_json::Value`, not the token
/// stream's `serde_json :: Value`.
fn type_text(ty: &Type) -> String {
    let text = quote::ToTokens::to_token_stream(ty).to_string();
    [
        (" :: ", "::"),
        (":: ", "::"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
    ]
    .iter()
    .fold(text, |text, (from, to)| text.replace(from, to))
}

/// `T` in a type written `Name<T>` (any path ending in `name`): the body
/// in `SqsRecord<T>`, the element in `Vec<T>`.
pub fn type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(inner) if arguments.args.len() == 1 => Some(inner),
        _ => None,
    }
}

fn check_event(typed: &PatType, args: &Args, errors: &mut Errors) -> Option<Type> {
    match &*typed.ty {
        Type::Reference(reference) => {
            let message = match role_of(reference) {
                Role::State if args.init.is_none() => {
                    "the event is passed to the handler by value: remove the `&`".to_owned()
                }
                role => format!(
                    "the first parameter is the event, not {}: add the event before this parameter, like `event: MyEvent`",
                    role.describe()
                ),
            };
            errors.push(syn::Error::new_spanned(reference, message));
            None
        }
        Type::ImplTrait(impl_trait) => {
            errors.push(syn::Error::new_spanned(
                impl_trait,
                "the event needs a concrete type that implements `Deserialize`, not `impl Trait`",
            ));
            None
        }
        ty => Some(ty.clone()),
    }
}

/// Checks a parameter after the event. `check_lifetime` is false when the
/// handler's lifetime parameters were already reported.
fn check_param(typed: &PatType, check_lifetime: bool, errors: &mut Errors) -> Option<Param> {
    if let Pat::Ident(ident) = &*typed.pat
        && let Some(by_ref) = &ident.by_ref
    {
        errors.push(syn::Error::new(
            by_ref.span,
            "remove `ref`: the parameter is already a reference",
        ));
        return None;
    }
    let ty = &*typed.ty;
    let Type::Reference(reference) = ty else {
        let message = match ty {
            Type::ImplTrait(_) => {
                "a Lambda handler's parameters need concrete types, not `impl Trait`".to_owned()
            }
            _ => format!(
                "after the event, a Lambda handler takes references: `&{0}` (a `&Context`, a `&Deadline`, or `&State` for the warm state)",
                quote::ToTokens::to_token_stream(ty)
            ),
        };
        errors.push(syn::Error::new_spanned(ty, message));
        return None;
    };
    let role = role_of(reference);
    if let Some(mutability) = &reference.mutability {
        let why = match role {
            Role::State | Role::Inferred => {
                "the warm state is shared by every invocation: take `&` and use interior mutability (an atomic or a `Mutex`) for what changes"
            }
            _ => "take it by shared reference: remove `mut`",
        };
        errors.push(syn::Error::new(mutability.span, why));
        return None;
    }
    if let Some(lifetime) = &reference.lifetime
        && check_lifetime
    {
        errors.push(syn::Error::new_spanned(
            lifetime,
            "remove the lifetime: the generated code chooses it",
        ));
        return None;
    }
    Some(Param {
        role,
        name: quote::ToTokens::to_token_stream(&typed.pat).to_string(),
        ty: ty.clone(),
        referent: (*reference.elem).clone(),
    })
}

/// `&Context` → context, `&Deadline` → deadline, anything else → state.
fn role_of(reference: &TypeReference) -> Role {
    let Type::Path(path) = &*reference.elem else {
        return Role::State;
    };
    match path.path.segments.last() {
        Some(last) if last.ident == "Context" && last.arguments.is_none() => Role::Context,
        Some(last) if last.ident == "Deadline" && last.arguments.is_none() => Role::Deadline,
        _ => Role::State,
    }
}

fn self_error(receiver: &syn::Receiver) -> syn::Error {
    syn::Error::new(
        receiver.self_token.span,
        "a Lambda handler is a free function, not a method: remove `self` (put shared clients in warm state with `init`)",
    )
}

/// Whether `ty` is a path whose last segment is `name` (`lambda_fn::http::Request`).
fn names_type(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn run(args: Args, item: ItemFn) -> (Option<Handler>, Vec<String>) {
        let mut errors = Errors::default();
        let handler = check(&item, &args, &mut errors);
        (handler, errors.messages())
    }

    fn with_init() -> Args {
        Args {
            init: Some((parse_quote!(init), parse_quote!(connect))),
            ..Args::default()
        }
    }

    #[test]
    fn roles_in_any_order() {
        let (handler, errors) = run(
            with_init(),
            parse_quote! {
                async fn f(e: Ev, d: &lambda_fn::Deadline, s: &Clients, c: &Context) -> Result<(), E> {}
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let handler = handler.unwrap();
        let roles: Vec<Role> = handler.params.iter().map(|p| p.role).collect();
        assert_eq!(roles, [Role::Deadline, Role::State, Role::Context]);
        assert_eq!(handler.state, Some(parse_quote!(Clients)));
    }

    #[test]
    fn all_signature_problems_at_once() {
        let (handler, errors) = run(
            Args::default(),
            parse_quote! {
                const unsafe fn main<T>(&self) {}
            },
        );
        assert!(handler.is_none());
        assert_eq!(
            errors,
            [
                "a Lambda handler cannot be `const`: remove `const`",
                "#[lambda] needs an `async fn`: add `async` before `fn`",
                "a Lambda handler cannot be `unsafe`: remove `unsafe` and use an `unsafe` block inside",
                "a Lambda handler cannot be generic: the entry point needs concrete event and state types",
                "#[lambda] generates `main` itself: give the handler another name, like `handler`",
                "a Lambda handler returns `Result<Response, Error>`: add a return type like `-> Result<Response, lambda_fn::Error>`",
                "a Lambda handler is a free function, not a method: remove `self` (put shared clients in warm state with `init`)",
            ]
        );
    }

    #[test]
    fn init_needs_state() {
        let (_, errors) = run(
            with_init(),
            parse_quote! { async fn f(e: Ev) -> Result<(), E> {} },
        );
        assert!(errors[0].starts_with("`init` builds warm state, but `f` takes no state"));
    }

    #[test]
    fn references_the_macro_cannot_place_are_left_to_the_compiler() {
        // Without `init`: a renamed `Context` or `Deadline`, or a state
        // parameter the compiler will reject at its type.
        let (handler, errors) = run(
            Args::default(),
            parse_quote! { async fn f(e: Ev, c: &Ctx, d: &Deadline) -> Result<(), E> {} },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let handler = handler.unwrap();
        let roles: Vec<Role> = handler.params.iter().map(|p| p.role).collect();
        assert_eq!(roles, [Role::Inferred, Role::Deadline]);
        assert_eq!(handler.state, None);

        // With `init` and two candidates, the state type is inferred.
        let (handler, errors) = run(
            with_init(),
            parse_quote! { async fn f(e: Ev, c: &Ctx, s: &Clients) -> Result<(), E> {} },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let handler = handler.unwrap();
        let roles: Vec<Role> = handler.params.iter().map(|p| p.role).collect();
        assert_eq!(roles, [Role::Inferred, Role::Inferred]);
        assert_eq!(handler.state, Some(parse_quote!(_)));
    }

    #[test]
    fn parameter_shapes() {
        let (_, errors) = run(
            Args::default(),
            parse_quote! { async fn f(e: &Ev, c: Context, d: &mut Deadline, x: &Context, y: &Context) -> Result<(), E> {} },
        );
        assert_eq!(
            errors,
            [
                "the event is passed to the handler by value: remove the `&`",
                "after the event, a Lambda handler takes references: `&Context` (a `&Context`, a `&Deadline`, or `&State` for the warm state)",
                "take it by shared reference: remove `mut`",
                "the invocation context is already taken by `x`; remove this parameter",
            ]
        );
    }

    #[test]
    fn missing_event() {
        let (_, errors) = run(
            Args::default(),
            parse_quote! { async fn f() -> Result<(), E> {} },
        );
        assert!(errors[0].starts_with("a Lambda handler takes the event as its first parameter"));
        let (_, errors) = run(
            Args::default(),
            parse_quote! { async fn f(c: &Context) -> Result<(), E> {} },
        );
        assert!(
            errors[0].starts_with("the first parameter is the event, not the invocation context")
        );
    }

    #[test]
    fn one_misuse_is_one_error() {
        // `self` is reported, and the next parameter is still the event.
        let (_, errors) = run(
            Args::default(),
            parse_quote! { async fn f(&self, e: Ev) -> Result<(), E> {} },
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("not a method"));

        // Lifetime parameters, and the lifetimes that use them.
        let (_, errors) = run(
            Args::default(),
            parse_quote! { async fn f<'a>(e: Ev, c: &'a Context) -> Result<(), E> {} },
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("cannot have lifetime parameters"));

        // A rejected state parameter is not also "missing" for `init`.
        let (_, errors) = run(
            with_init(),
            parse_quote! { async fn f(e: Ev, s: &mut Clients) -> Result<(), E> {} },
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("the warm state is shared"));

        // An unknown trigger is not also "`concurrency` needs a trigger".
        let unknown_trigger = Args {
            trigger_written: true,
            concurrency: Some((parse_quote!(concurrency), 8)),
            ..Args::default()
        };
        let (_, errors) = run(
            unknown_trigger,
            parse_quote! { async fn f(e: Ev) -> Result<(), E> {} },
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn first_reference_with_init_is_not_the_event() {
        let (_, errors) = run(
            with_init(),
            parse_quote! { async fn f(s: &Clients) -> Result<(), E> {} },
        );
        assert_eq!(
            errors,
            [
                "the first parameter is the event, not the warm state: add the event before this parameter, like `event: MyEvent`"
            ]
        );
    }
}
