//! Generating the binary's `main` next to the user's function.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{FnArg, ItemFn, Path, Type};

use crate::attr::{Args, Flavor, RawArgs};
use crate::errors::Errors;
use crate::handler::{self, Handler, Role};
use crate::trigger;

/// Parses, checks and expands one `#[lambda(...)]`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = match syn::parse2::<RawArgs>(args) {
        Ok(raw) => raw.check(&mut errors),
        Err(error) => {
            errors.push(error);
            Args::default()
        }
    };
    let item = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(item) => item,
        Err(_) => return not_a_function(item, errors),
    };
    let handler = handler::check(&item, &args, &mut errors);
    match (errors.finish(), handler) {
        (Ok(()), Some(handler)) => generate(&item, &args, &handler),
        (Err(error), _) => with_errors(&item, error),
        (Ok(()), None) => unreachable!("a handler that failed its checks recorded an error"),
    }
}

/// `#[lambda]` on a struct, an impl, a closure...: say where it goes, and
/// emit the item unchanged so its own code still type-checks.
fn not_a_function(item: TokenStream, mut errors: Errors) -> TokenStream {
    let span = item
        .clone()
        .into_iter()
        .find(|token| !matches!(token, proc_macro2::TokenTree::Punct(_)))
        .map_or_else(Span::call_site, |token| token.span());
    errors.push(syn::Error::new(
        span,
        "#[lambda] goes on an `async fn` at the root of a binary crate, like `#[lambda] async fn handler(event: MyEvent) -> Result<MyResponse, lambda_fn::Error>`",
    ));
    let error = errors
        .finish()
        .expect_err("an error was just pushed")
        .into_compile_error();
    quote! {
        #item
        #error
        fn main() {}
    }
}

/// On an error the user's function is still emitted, plus a stub `main`, so
/// that the only errors shown are the real ones, not "`main` not found" or
/// "unused function" cascades.
fn with_errors(item: &ItemFn, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let mut item = item.clone();
    // An `async fn main` would add "`main` function is not allowed to be
    // `async`" to the error that asks for another name.
    if item.sig.ident == "main" {
        item.sig.ident = format_ident!(
            "__lambda_fn_handler_named_main",
            span = item.sig.ident.span()
        );
        item.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
    }
    // `const async fn` would add rustc's own "cannot be both `const` and
    // `async`" to the error that asks to remove `const`.
    item.sig.constness = None;
    // `self` outside an `impl` would add rustc's own error about it, and a
    // body that uses `self` without it one more: the signature is kept (its
    // types are still checked), the body waits until `self` is gone.
    if item
        .sig
        .inputs
        .iter()
        .any(|input| matches!(input, FnArg::Receiver(_)))
    {
        item.sig.inputs = item
            .sig
            .inputs
            .into_iter()
            .filter(|input| !matches!(input, FnArg::Receiver(_)))
            .collect();
        item.attrs
            .push(syn::parse_quote!(#[allow(unused_variables)]));
        *item.block = syn::parse_quote!({ ::core::unimplemented!() });
    }
    quote! {
        #item
        #error
        fn main() {}
    }
}

fn generate(item: &ItemFn, args: &Args, handler: &Handler) -> TokenStream {
    // `#[lambda]` requires `async`, so a handler that never awaits is not
    // the user's mistake: clippy's `unused_async` is allowed on it.
    let mut item = item.clone();
    item.attrs
        .push(syn::parse_quote!(#[allow(clippy::unused_async)]));
    let item = &item;
    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::lambda_fn));
    let private = quote!(#krate::__private);
    let name = &item.sig.ident;
    let state_ty = handler
        .state
        .as_ref()
        .map_or_else(|| quote!(()), |state| quote!(#state));

    let flavor = match args.flavor.unwrap_or(Flavor::CurrentThread) {
        Flavor::CurrentThread => quote!(CurrentThread),
        Flavor::MultiThread => quote!(MultiThread),
    };
    let install_logging = args.logging.unwrap_or(true);
    let margin_nanos = args.timeout_margin.map_or_else(
        || quote!(#private::DEFAULT_TIMEOUT_MARGIN),
        |margin| {
            let nanos = u64::try_from(margin.as_nanos()).unwrap_or(u64::MAX);
            quote!(#private::Duration::from_nanos(#nanos))
        },
    );

    // `shutdown = path`: `start` takes any async closure of the state; the
    // path is checked inside it, at the user's token, by `Shutdown`.
    let shutdown = |state: TokenStream| match &args.shutdown {
        Some((_, path)) => {
            let call = spanned_like(
                quote!(<_ as #private::Shutdown<#state, _>>::shut_down(#path, __lambda_fn_state)),
                path,
            );
            quote!(::core::option::Option::Some(async |__lambda_fn_state: &#state| #call.await))
        }
        None => quote!(#private::no_shutdown()),
    };

    // `init` is checked twice: where it is called and where `start` takes
    // what it returns. Both are spanned at the user's path, so the compiler
    // reports one error there (it drops a repeated error on the same span).
    // The HTTP service form: the function itself is the `init`, its service
    // the warm state.
    if handler.router {
        let build = spanned_like(
            quote!(|| <_ as #private::IntoState<_, _>>::into_state(#name())),
            name,
        );
        let shutdown_hook = shutdown(quote!(_));
        let doc = format!(
            " The AWS Lambda entry point for the HTTP service built by [`{name}`], generated by `#[lambda(http)]`."
        );
        return quote! {
            #item

            #[doc = #doc]
            fn main() -> #private::ExitCode {
                #private::start(
                    #private::Options {
                        flavor: #private::Flavor::#flavor,
                        timeout_margin: #margin_nanos,
                        install_logging: #install_logging,
                    },
                    #build,
                    #private::http::HttpService::new(),
                    #shutdown_hook,
                )
            }
        };
    }

    let (init, init_types) = match &args.init {
        Some((_, path)) => (
            spanned_like(
                quote!(|| <_ as #private::IntoState<#state_ty, _>>::into_state(#path())),
                path,
            ),
            spanned_like(quote!(_, _), path),
        ),
        None => (quote!(#private::no_init), quote!(_, _)),
    };

    let event = format_ident!("__lambda_fn_event");
    let invocation = format_ident!("__lambda_fn_invocation");
    let arguments = handler.params.iter().map(|param| {
        let ty = &param.ty;
        // Spanned at the user's parameter: a `&other::Context` is reported
        // there, by the trait's `on_unimplemented` message.
        match param.role {
            Role::Context => qualified(
                ty,
                quote!(__LambdaFnContext<'_>),
                quote!(__lambda_fn_from(#invocation.context)),
            ),
            Role::Deadline => qualified(
                ty,
                quote!(__LambdaFnDeadline<'_>),
                quote!(__lambda_fn_from(#invocation.deadline)),
            ),
            Role::State => quote!(#invocation.state),
            // The invocation provides the parameter's type: the state type
            // is fixed by the invocation, so a type that is none of the
            // three is reported as such, at the user's parameter.
            Role::Inferred => spanned_like(
                quote!(__LambdaFnInput::<#ty, _>::__lambda_fn_take(#invocation)),
                ty,
            ),
        }
    });
    let roles: Vec<Role> = handler.params.iter().map(|param| param.role).collect();
    let context_check = roles.contains(&Role::Context).then(|| {
        quote! {
            #[diagnostic::on_unimplemented(
                message = "`{Self}` is not the invocation context `&lambda_fn::Context`",
                label = "a parameter whose type is named `Context` receives the invocation context",
                note = "to take your own `Context` type as warm state, import it under another name: `use my_module::Context as AppContext;`"
            )]
            trait __LambdaFnContext<'a> {
                fn __lambda_fn_from(context: &'a #private::Context) -> Self;
            }
            impl<'a> __LambdaFnContext<'a> for &'a #private::Context {
                fn __lambda_fn_from(context: &'a #private::Context) -> Self {
                    context
                }
            }
        }
    });
    let deadline_check = roles.contains(&Role::Deadline).then(|| {
        quote! {
            #[diagnostic::on_unimplemented(
                message = "`{Self}` is not the deadline handle `&lambda_fn::Deadline`",
                label = "a parameter whose type is named `Deadline` receives the deadline handle",
                note = "to take your own `Deadline` type as warm state, import it under another name: `use my_module::Deadline as Cutoff;`"
            )]
            trait __LambdaFnDeadline<'a> {
                fn __lambda_fn_from(deadline: &'a #private::Deadline) -> Self;
            }
            impl<'a> __LambdaFnDeadline<'a> for &'a #private::Deadline {
                fn __lambda_fn_from(deadline: &'a #private::Deadline) -> Self {
                    deadline
                }
            }
        }
    });

    // A reference the macro could not place by name (a renamed import of
    // `Context` or `Deadline`, or one of several candidates for the warm
    // state): the compiler picks the one impl its type fits.
    let input_check = roles.contains(&Role::Inferred).then(|| {
        let (message, label, note) = if args.init.is_some() {
            (
                "`{T}` is not an input of this handler",
                "not `&lambda_fn::Context`, `&lambda_fn::Deadline` or the warm state that `init` builds",
                "after the event, a handler takes the invocation context, the deadline and the warm state that `init` returns, each once and by shared reference",
            )
        } else {
            (
                "`{T}` is not an input of this handler, and no `init` builds warm state",
                "not `&lambda_fn::Context` or `&lambda_fn::Deadline`",
                "to take warm state, add `init = your_init_fn` to the attribute: it runs once per execution environment and its result is passed to every invocation",
            )
        };
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait __LambdaFnInput<T, Role> {
                fn __lambda_fn_take(&self) -> T;
            }
            enum __LambdaFnIsContext {}
            enum __LambdaFnIsDeadline {}
            enum __LambdaFnIsState {}
            #[diagnostic::do_not_recommend]
            impl<'a, S> __LambdaFnInput<&'a #private::Context, __LambdaFnIsContext>
                for #private::Invocation<'a, S>
            {
                fn __lambda_fn_take(&self) -> &'a #private::Context {
                    self.context
                }
            }
            #[diagnostic::do_not_recommend]
            impl<'a, S> __LambdaFnInput<&'a #private::Deadline, __LambdaFnIsDeadline>
                for #private::Invocation<'a, S>
            {
                fn __lambda_fn_take(&self) -> &'a #private::Deadline {
                    self.deadline
                }
            }
            #[diagnostic::do_not_recommend]
            impl<'a, S> __LambdaFnInput<&'a S, __LambdaFnIsState> for #private::Invocation<'a, S> {
                fn __lambda_fn_take(&self) -> &'a S {
                    self.state
                }
            }
        }
    });

    let output = &handler.output;
    let call_arguments: Vec<TokenStream> = handler
        .event
        .as_ref()
        .map(|_| quote!(#event))
        .into_iter()
        .chain(arguments)
        .collect();
    // The call's parentheses are spanned like the return type, so the whole
    // `into_result(...)` call is, and a return type of the wrong shape is one
    // error there.
    let answer = {
        let mut group = proc_macro2::Group::new(
            proc_macro2::Delimiter::Parenthesis,
            quote!(#name(#(#call_arguments),*).await),
        );
        group.set_span(Span::call_site().located_at(last_span(output)));
        group
    };
    let invocation_ty = quote!(&#private::Invocation<'_, #state_ty>);

    let shutdown_hook = shutdown(quote!(#state_ty));
    let adapter = match args.trigger.as_ref().and_then(|t| trigger::spec(&t.name)) {
        None => {
            let event_ty = handler
                .event
                .as_ref()
                .expect("a whole-event handler has an event");
            // The event and return types are checked where the user wrote
            // them: `<Order as Event>` fails on `Order` if it does not decode;
            // on the return type, `Output` if it is not a `Result`, and
            // `Response` and `IntoDiagnostic` if its response does not
            // serialize or its error is not reportable. `start` asks nothing
            // more of them, so each problem is reported once.
            let decode = qualified(event_ty, quote!(#private::Event), quote!(DECODE));
            let into_result =
                qualified(output, quote!(#private::Output<_, _>), quote!(into_result));
            let (response, error) = result_arguments(output);
            let encode = spanned_like(quote!(<_ as #private::Response>::ENCODE), response);
            let report = spanned_like(
                quote!(<_ as #private::IntoDiagnostic>::into_diagnostic),
                error,
            );
            quote! {
                #private::WholeEvent::from_parts(
                    async |#event: #event_ty, #invocation: #invocation_ty| {
                        #into_result #answer
                    },
                    #decode,
                    #encode,
                    #report,
                )
            }
        }
        Some(spec) if spec.name == "http" => {
            let request_ty = handler
                .event
                .as_ref()
                .expect("an http handler has a request");
            // As for a whole event: the shape, the response and the error
            // are each checked at the user's own type.
            let into_result =
                qualified(output, quote!(#private::Output<_, _>), quote!(into_result));
            let (response, error) = result_arguments(output);
            let into_response = spanned_like(
                quote!(<_ as #private::http::Reply>::INTO_RESPONSE),
                response,
            );
            let refuse = spanned_like(quote!(<_ as #private::http::Refusal>::REFUSE), error);
            quote! {
                #private::http::HttpHandler::from_parts(
                    async |#event: #request_ty, #invocation: #invocation_ty| {
                        #into_result #answer
                    },
                    #into_response,
                    #refuse,
                )
            }
        }
        Some(spec) => {
            let module = format_ident!("{}", spec.name);
            let module = quote!(#private::#module);
            let trigger_type = format_ident!("{}", spec.trigger_type);
            let (payload_ty, decode) =
                trigger_payload(spec, handler.event.as_ref(), &module, &private);
            // A batch handler answers `Result<(), E>`: the trigger's answer is
            // built from which records failed.
            let into_result = qualified(
                output,
                quote!(#private::BatchOutput<_>),
                quote!(into_result),
            );
            let (_, error) = result_arguments(output);
            let report = spanned_like(
                quote!(<_ as #private::IntoDiagnostic>::into_diagnostic),
                error,
            );
            let concurrency = args
                .concurrency
                .as_ref()
                .map_or(1, |(_, n)| usize::try_from(*n).unwrap_or(usize::MAX));
            quote! {
                #private::Adapter::<#module::#trigger_type, _, _, _>::new(
                    async |#event: #payload_ty, #invocation: #invocation_ty| {
                        #into_result #answer
                    },
                    #decode,
                    #report,
                    #concurrency,
                )
            }
        }
    };

    let doc = format!(
        " The AWS Lambda entry point for [`{name}`], generated by `#[lambda]`.\n\n \
         Serves invocations from the Runtime API when `AWS_LAMBDA_RUNTIME_API` is set, \
         and otherwise one event from `--event FILE` or stdin (see `--help`)."
    );

    quote! {
        #item

        #[doc = #doc]
        fn main() -> #private::ExitCode {
            #context_check
            #deadline_check
            #input_check

            #private::start::<#state_ty, #init_types, _, _>(
                #private::Options {
                    flavor: #private::Flavor::#flavor,
                    timeout_margin: #margin_nanos,
                    install_logging: #install_logging,
                },
                #init,
                #adapter,
                #shutdown_hook,
            )
        }
    }
}

/// The payload type of a trigger's handler and the function that decodes it
/// from one record: `sqs::payload(record, <Order as Event>::DECODE)` for a
/// body `Order`, `sqs::record(record, sqs::text)` for `SqsRecord<String>`,
/// `s3::payload` for S3's fixed `S3Object`.
fn trigger_payload(
    spec: &trigger::Spec,
    payload: Option<&syn::Type>,
    module: &TokenStream,
    private: &TokenStream,
) -> (TokenStream, TokenStream) {
    let Some(payload) = payload else {
        // A payload-less handler: the record is decoded and not passed on.
        let trigger::Payload::Fixed { ty } = spec.payload else {
            unreachable!("only fixed-payload triggers allow no payload")
        };
        let ty = format_ident!("{}", ty);
        return (quote!(#module::#ty), quote!(#module::payload));
    };
    match spec.payload {
        trigger::Payload::Fixed { .. } => (
            quote!(#payload),
            spanned_like(quote!(#module::payload as fn(&_) -> _), payload),
        ),
        trigger::Payload::Body { wrapper, raw } => {
            let (shape, body) = match wrapper_argument(payload, wrapper) {
                Some(inner) => (quote!(record), inner),
                None => (quote!(payload), payload),
            };
            let decoder = if raw && is_type(body, "String") {
                quote!(#module::text)
            } else if raw && is_vec_u8(body) {
                quote!(#module::bytes)
            } else {
                qualified(body, quote!(#private::Event), quote!(DECODE))
            };
            (
                quote!(#payload),
                quote!(|record| #module::#shape(record, #decoder)),
            )
        }
    }
}

/// `T` in `SqsRecord<T>` (any path ending in the trigger's wrapper name).
fn wrapper_argument<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
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

/// Whether `ty` is written as the bare name `name` (`String`).
fn is_type(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(path)
        if path.qself.is_none()
            && path.path.segments.last().is_some_and(|last| last.ident == name && last.arguments.is_none()))
}

/// Whether `ty` is written `Vec<u8>`.
fn is_vec_u8(ty: &syn::Type) -> bool {
    wrapper_argument(ty, "Vec").is_some_and(|inner| is_type(inner, "u8"))
}

/// `<ty as Trait>::item`, spanned like `ty` (the user's type, whose own
/// tokens are kept): an unmet requirement of the trait is reported there.
fn qualified(ty: &syn::Type, trait_: TokenStream, item: TokenStream) -> TokenStream {
    let open = respan(quote!(<), first_span(ty));
    let rest = respan(quote!(as #trait_>::#item), last_span(ty));
    quote!(#open #ty #rest)
}

/// Where to report a response or error type that does not fit: `R` and `E`
/// of a return type written `Result<R, E>`, else the whole return type (an
/// alias like `anyhow::Result<T>`). Only spans are taken from them; the
/// types themselves are still inferred, so an unusual alias named `Result`
/// cannot change what compiles.
fn result_arguments(output: &Type) -> (&dyn ToTokens, &dyn ToTokens) {
    let arguments = match output {
        Type::Path(path) => path.path.segments.last().and_then(|last| {
            match (&last.arguments, last.ident == "Result") {
                (syn::PathArguments::AngleBracketed(arguments), true) => Some(arguments),
                _ => None,
            }
        }),
        _ => None,
    };
    let mut types = arguments
        .into_iter()
        .flat_map(|arguments| &arguments.args)
        .filter_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        });
    let response: &dyn ToTokens = types.next().map_or(output, |ty| ty);
    let error: &dyn ToTokens = types.next().map_or(output, |ty| ty);
    (response, error)
}

/// `tokens` spanned like `node`: from its first token to its last, so that
/// an error about the generated expression underlines exactly `node`.
fn spanned_like(tokens: TokenStream, node: &(impl ToTokens + ?Sized)) -> TokenStream {
    let mut tokens: Vec<proc_macro2::TokenTree> =
        respan(tokens, first_span(node)).into_iter().collect();
    if let Some(last) = tokens.pop() {
        tokens.extend(respan(last.into(), last_span(node)));
    }
    tokens.into_iter().collect()
}

fn first_span(node: &(impl ToTokens + ?Sized)) -> Span {
    node.to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span())
}

fn last_span(node: &(impl ToTokens + ?Sized)) -> Span {
    node.to_token_stream()
        .into_iter()
        .last()
        .map_or_else(Span::call_site, |token| match token {
            proc_macro2::TokenTree::Group(group) => group.span_close(),
            other => other.span(),
        })
}

/// `tokens` with every span moved to `span`, keeping the resolution of
/// generated code: errors about them point at the user's own token.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    let span = Span::call_site().located_at(span);
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut respanned =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = proc_macro2::TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
