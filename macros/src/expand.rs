//! Generating the binary's `main` next to the user's function.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{ItemFn, Path, Type};

use crate::attr::{Args, Flavor, RawArgs};
use crate::errors::Errors;
use crate::fallback;
use crate::handler::{self, Handler, Role, type_argument};
use crate::trigger::{Form, Returns, Spec};

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
        Err(_) => return fallback::not_a_function(item, errors),
    };
    let handler = handler::check(&item, &args, &mut errors);
    match (errors.finish(), handler) {
        (Ok(()), Some(handler)) => generate(&item, &args, &handler),
        (Err(error), _) => fallback::with_errors(&item, error),
        (Ok(()), None) => unreachable!("a handler that failed its checks recorded an error"),
    }
}

/// What every part of the expansion needs: the user's function, the checked
/// attribute and the path to lambda-fn's `__private` module.
struct Cx<'a> {
    item: &'a ItemFn,
    args: &'a Args,
    handler: &'a Handler,
    private: TokenStream,
}

/// The names the generated closure gives the event and the invocation.
const EVENT: &str = "__lambda_fn_event";
const INVOCATION: &str = "__lambda_fn_invocation";

fn generate(item: &ItemFn, args: &Args, handler: &Handler) -> TokenStream {
    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::lambda_fn));
    let cx = Cx {
        item,
        args,
        handler,
        private: quote!(#krate::__private),
    };
    if handler.router {
        return cx.service_main();
    }
    let adapter = match args.trigger.as_ref().map(|trigger| trigger.spec) {
        None => cx.whole_event(),
        Some(spec) if spec.form == Form::Http => cx.http_handler(),
        Some(spec) if args.batch.is_some() => cx.whole_batch(spec),
        Some(spec) => cx.batch(spec),
    };
    cx.main(&adapter)
}

impl Cx<'_> {
    /// The user's function, kept as written. `#[lambda]` requires `async`,
    /// so a handler that never awaits is not the user's mistake: clippy's
    /// `unused_async` is allowed on it.
    fn user_function(&self) -> ItemFn {
        let mut item = self.item.clone();
        item.attrs
            .push(syn::parse_quote!(#[allow(clippy::unused_async)]));
        item
    }

    fn state_type(&self) -> TokenStream {
        self.handler
            .state
            .as_ref()
            .map_or_else(|| quote!(()), |state| quote!(#state))
    }

    /// `Options { flavor, timeout_margin, install_logging }`.
    fn options(&self) -> TokenStream {
        let private = &self.private;
        let flavor = match self.args.flavor.unwrap_or(Flavor::CurrentThread) {
            Flavor::CurrentThread => quote!(CurrentThread),
            Flavor::MultiThread => quote!(MultiThread),
        };
        let install_logging = self.args.logging.unwrap_or(true);
        let margin = self.args.timeout_margin.map_or_else(
            || quote!(#private::DEFAULT_TIMEOUT_MARGIN),
            |margin| {
                let nanos = u64::try_from(margin.as_nanos()).unwrap_or(u64::MAX);
                quote!(#private::Duration::from_nanos(#nanos))
            },
        );
        quote! {
            #private::Options {
                flavor: #private::Flavor::#flavor,
                timeout_margin: #margin,
                install_logging: #install_logging,
            }
        }
    }

    /// `shutdown = path`: `start` takes any async closure of the state; the
    /// path is checked inside it, at the user's token, by `Shutdown`.
    fn shutdown_hook(&self, state: &TokenStream) -> TokenStream {
        let private = &self.private;
        match &self.args.shutdown {
            Some((_, path)) => {
                let call = spanned_like(
                    quote!(<_ as #private::Shutdown<#state, _>>::shut_down(#path, __lambda_fn_state)),
                    path,
                );
                quote!(::core::option::Option::Some(async |__lambda_fn_state: &#state| #call.await))
            }
            None => quote!(#private::no_shutdown()),
        }
    }

    /// `main` for the HTTP service form: the function itself is the `init`,
    /// its service the warm state.
    fn service_main(&self) -> TokenStream {
        let private = &self.private;
        let name = &self.item.sig.ident;
        let item = self.user_function();
        let options = self.options();
        let build = spanned_like(
            quote!(|| <_ as #private::IntoState<_, _>>::into_state(#name())),
            name,
        );
        let shutdown_hook = self.shutdown_hook(&quote!(_));
        let (service, attribute) = if self.args.stream.is_some() {
            (
                quote!(#private::http::StreamingService::new()),
                "#[lambda(http, stream)]",
            )
        } else {
            (
                quote!(#private::http::HttpService::new()),
                "#[lambda(http)]",
            )
        };
        let doc = format!(
            " The AWS Lambda entry point for the HTTP service built by [`{name}`], generated by `{attribute}`."
        );
        quote! {
            #item

            #[doc = #doc]
            fn main() -> #private::ExitCode {
                #private::start(
                    #options,
                    #build,
                    #service,
                    #shutdown_hook,
                )
            }
        }
    }

    /// `main` for a handler function, serving it with `adapter`.
    fn main(&self, adapter: &TokenStream) -> TokenStream {
        let private = &self.private;
        let name = &self.item.sig.ident;
        let item = self.user_function();
        let state_ty = self.state_type();
        let options = self.options();
        // `init` is checked twice: where it is called and where `start` takes
        // what it returns. Both are spanned at the user's path, so the
        // compiler reports one error there (it drops a repeated error on the
        // same span).
        let (init, init_types) = match &self.args.init {
            Some((_, path)) => (
                spanned_like(
                    quote!(|| <_ as #private::IntoState<#state_ty, _>>::into_state(#path())),
                    path,
                ),
                spanned_like(quote!(_, _), path),
            ),
            None => (quote!(#private::no_init), quote!(_, _)),
        };
        let input_checks = self.input_checks();
        let shutdown_hook = self.shutdown_hook(&state_ty);
        let doc = format!(
            " The AWS Lambda entry point for [`{name}`], generated by `#[lambda]`.\n\n \
             Serves invocations from the Runtime API when `AWS_LAMBDA_RUNTIME_API` is set, \
             and otherwise one event from `--event FILE` or stdin (see `--help`)."
        );
        quote! {
            #item

            #[doc = #doc]
            fn main() -> #private::ExitCode {
                #input_checks

                #private::start::<#state_ty, #init_types, _, _>(
                    #options,
                    #init,
                    #adapter,
                    #shutdown_hook,
                )
            }
        }
    }

    /// The arguments of the call to the user's function after the event,
    /// taken from the invocation. Spanned at the user's parameter: a
    /// `&other::Context` is reported there, by the trait's
    /// `on_unimplemented` message.
    fn arguments(&self) -> Vec<TokenStream> {
        let invocation = format_ident!("{INVOCATION}");
        self.handler
            .params
            .iter()
            .map(|param| {
                let ty = &param.ty;
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
                    // The invocation provides the parameter's type: the state
                    // type is fixed by the invocation, so a type that is none
                    // of the three is reported as such, at the user's
                    // parameter.
                    Role::Inferred => spanned_like(
                        quote!(__LambdaFnInput::<#ty, _>::__lambda_fn_take(#invocation)),
                        ty,
                    ),
                }
            })
            .collect()
    }

    /// The traits that check each parameter's type against its role, for the
    /// roles the handler has.
    fn input_checks(&self) -> TokenStream {
        let private = &self.private;
        let has = |role| self.handler.params.iter().any(|param| param.role == role);
        let context_check = has(Role::Context).then(|| {
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
        let deadline_check = has(Role::Deadline).then(|| {
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
        let input_check = has(Role::Inferred).then(|| self.inferred_input_check());
        quote!(#context_check #deadline_check #input_check)
    }

    /// A reference the macro could not place by name (a renamed import of
    /// `Context` or `Deadline`, or one of several candidates for the warm
    /// state): the compiler picks the one impl its type fits.
    fn inferred_input_check(&self) -> TokenStream {
        let private = &self.private;
        let (message, label, note) = if self.args.init.is_some() {
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
    }

    /// `async |event: <payload>, invocation| <check>(user_fn(event, ...).await)`:
    /// the closure every adapter wraps. `check` is the return-type check
    /// (`<R as Output<_, _>>::into_result`), spanned at the return type.
    fn closure(&self, payload_ty: &TokenStream, check: &TokenStream) -> TokenStream {
        let private = &self.private;
        let name = &self.item.sig.ident;
        let event = format_ident!("{EVENT}");
        let invocation = format_ident!("{INVOCATION}");
        let state_ty = self.state_type();
        let call_arguments: Vec<TokenStream> = self
            .handler
            .event
            .as_ref()
            .map(|_| quote!(#event))
            .into_iter()
            .chain(self.arguments())
            .collect();
        // The call's parentheses are spanned like the return type, so the
        // whole `into_result(...)` call is, and a return type of the wrong
        // shape is one error there.
        let mut answer = proc_macro2::Group::new(
            proc_macro2::Delimiter::Parenthesis,
            quote!(#name(#(#call_arguments),*).await),
        );
        answer.set_span(Span::call_site().located_at(last_span(&self.handler.output)));
        quote! {
            async |#event: #payload_ty, #invocation: &#private::Invocation<'_, #state_ty>| {
                #check #answer
            }
        }
    }

    /// `#[lambda]` without a trigger. The event and return types are checked
    /// where the user wrote them: `<Order as Event>` fails on `Order` if it
    /// does not decode; on the return type, `Output` if it is not a
    /// `Result`, and `Response` and `IntoDiagnostic` if its response does
    /// not serialize or its error is not reportable. `start` asks nothing
    /// more of them, so each problem is reported once.
    fn whole_event(&self) -> TokenStream {
        let private = &self.private;
        let output = &self.handler.output;
        let event_ty = self
            .handler
            .event
            .as_ref()
            .expect("a whole-event handler has an event");
        let decode = qualified(event_ty, quote!(#private::Event), quote!(DECODE));
        let into_result = qualified(output, quote!(#private::Output<_, _>), quote!(into_result));
        let (response, error) = result_arguments(output);
        let encode = spanned_like(quote!(<_ as #private::Response>::ENCODE), response);
        let report = spanned_like(
            quote!(<_ as #private::IntoDiagnostic>::into_diagnostic),
            error,
        );
        let closure = self.closure(&quote!(#event_ty), &into_result);
        quote!(#private::WholeEvent::new(#closure, #decode, #encode, #report))
    }

    /// `#[lambda(http)]` on a request handler: as for a whole event, the
    /// shape, the response and the error are each checked at the user's own
    /// type. With `stream`, the response is split into the prelude and a
    /// body stream by `StreamReply` instead of being converted whole by
    /// `Reply`; the error is refused the same way.
    fn http_handler(&self) -> TokenStream {
        let private = &self.private;
        let output = &self.handler.output;
        let request_ty = self
            .handler
            .event
            .as_ref()
            .expect("an http handler has a request");
        let into_result = qualified(output, quote!(#private::Output<_, _>), quote!(into_result));
        let (response, error) = result_arguments(output);
        let (adapter, respond) = if self.args.stream.is_some() {
            (
                quote!(#private::http::StreamingHttp),
                quote!(<_ as #private::http::StreamReply>::INTO_STREAM),
            )
        } else {
            (
                quote!(#private::http::HttpHandler),
                quote!(<_ as #private::http::Reply>::INTO_RESPONSE),
            )
        };
        let respond = spanned_like(respond, response);
        let refuse = spanned_like(quote!(<_ as #private::http::Refusal>::REFUSE), error);
        let closure = self.closure(&quote!(#request_ty), &into_result);
        quote!(#adapter::from_parts(#closure, #respond, #refuse))
    }

    /// A batch trigger: one call per record. A handler of most triggers
    /// answers `Result<(), E>`, the trigger's answer being built from which
    /// records failed; one of a trigger whose answer carries each record's
    /// result (`Returns::Record`) answers `Result<R, E>`, and `R` is encoded
    /// by [`Cx::keep`].
    fn batch(&self, spec: &Spec) -> TokenStream {
        let private = &self.private;
        let output = &self.handler.output;
        let module = format_ident!("{}", spec.name);
        let payload = self.handler.event.as_ref();
        // A hook's source is the payload's (`Source<PreSignUpRequest>`),
        // spanned at the payload: a type that is no hook's request is
        // reported there.
        let source = match (spec.form, payload) {
            (Form::Hook { .. }, Some(payload)) => {
                let generic = spanned_like(quote!(<#payload>), payload);
                quote!(#private::#module::Source #generic)
            }
            _ => quote!(#private::#module::Source),
        };
        let (payload_ty, decode) = self.record_payload(spec, &source, payload);
        let (_, error) = result_arguments(output);
        let report = spanned_like(
            quote!(<_ as #private::IntoDiagnostic>::into_diagnostic),
            error,
        );
        let concurrency = self
            .args
            .concurrency
            .as_ref()
            .map_or(1, |(_, n)| usize::try_from(*n).unwrap_or(usize::MAX));
        match spec.returns {
            Returns::Nothing => {
                let into_result = qualified(
                    output,
                    quote!(#private::BatchOutput<_>),
                    quote!(into_result),
                );
                let closure = self.closure(&payload_ty, &into_result);
                quote!(#private::Batch::<#source, _, _, _, _>::new(#closure, #decode, #report, #concurrency))
            }
            Returns::Hook => {
                let payload = payload.expect("a hook handler has a payload");
                let into_result = qualified(
                    output,
                    quote!(#private::#module::Respond<#payload, _>),
                    quote!(into_result),
                );
                let closure = self.closure(&payload_ty, &into_result);
                let keep = quote!(<#source as #private::Answers>::keep);
                quote!(#private::Batch::<#source, _, _, _, _>::answering(#closure, #decode, #keep, #report, #concurrency))
            }
            Returns::Fixed { .. } => {
                let into_result =
                    qualified(output, quote!(#private::Output<_, _>), quote!(into_result));
                let closure = self.closure(&payload_ty, &into_result);
                let keep = quote!(<#source as #private::Answers>::keep);
                quote!(#private::Batch::<#source, _, _, _, _>::answering(#closure, #decode, #keep, #report, #concurrency))
            }
            Returns::Record { wrapper, .. } => {
                let into_result =
                    qualified(output, quote!(#private::Output<_, _>), quote!(into_result));
                let closure = self.closure(&payload_ty, &into_result);
                let keep = self.keep(&source, wrapper);
                quote!(#private::Batch::<#source, _, _, _, _>::answering(#closure, #decode, #keep, #report, #concurrency))
            }
        }
    }

    /// What the answer keeps of a record's result `R`, through the trigger
    /// contract: `<Source as WithOutput>::output(encode(answer)?)`, or
    /// `<Source as WithOutput>::unwrap(answer, encode)` for the trigger's
    /// wrapper around the result. `encode` is chosen by the type as
    /// written: `String` and `Vec<u8>` as they are, `()` as nothing, any
    /// other type as JSON through `RecordAnswer` (checked at the user's
    /// type).
    fn keep(&self, source: &TokenStream, wrapper: Option<&str>) -> TokenStream {
        let private = &self.private;
        let written = response_type(&self.handler.output);
        let wrapped = written
            .zip(wrapper)
            .and_then(|(ty, name)| type_argument(ty, name));
        let encoder = |ty: Option<&Type>| match ty {
            Some(ty) if is_type(ty, "String") => quote!(#private::from_text),
            Some(ty) if is_vec_u8(ty) => quote!(#private::from_bytes),
            Some(Type::Tuple(unit)) if unit.elems.is_empty() => quote!(#private::from_unit),
            Some(ty) => qualified(ty, quote!(#private::RecordAnswer), quote!(ENCODE)),
            None => quote!(<_ as #private::RecordAnswer>::ENCODE),
        };
        match wrapped {
            Some(inner) => {
                let encode = encoder(Some(inner));
                quote!(|__lambda_fn_answer| <#source as #private::WithOutput>::unwrap(__lambda_fn_answer, #encode))
            }
            None => {
                let encode = encoder(written);
                quote!(|__lambda_fn_answer| <#source as #private::WithOutput>::output((#encode)(__lambda_fn_answer)?))
            }
        }
    }

    /// `#[lambda(<trigger>, batch)]`: one call with the payloads of every
    /// record that decodes, as a `Vec`, answering one `Result` per record.
    /// The return type is checked at the user's type by `BatchOutcomes`.
    fn whole_batch(&self, spec: &Spec) -> TokenStream {
        let private = &self.private;
        let output = &self.handler.output;
        let module = format_ident!("{}", spec.name);
        let source = quote!(#private::#module::Source);
        let records_ty = self
            .handler
            .event
            .as_ref()
            .expect("a batch handler takes its records");
        let element = type_argument(records_ty, "Vec");
        let (_, decode) = self.record_payload(spec, &source, element);
        let into_outcomes = qualified(
            output,
            quote!(#private::BatchOutcomes<_>),
            quote!(into_outcomes),
        );
        let report = spanned_like(
            quote!(<_ as #private::IntoDiagnostic>::into_diagnostic),
            outcome_error(output),
        );
        let closure = self.closure(&quote!(#records_ty), &into_outcomes);
        quote!(#private::WholeBatch::<#source, _, _, _>::new(#closure, #decode, #report))
    }

    /// The payload type of a batch handler and the function that gets it
    /// from one record, through the trigger contract:
    /// `<Source as WithBody>::body(record, <Order as Event>::BODY)` for a
    /// body `Order`, `<Source as WithBody>::wrap(record, text)` for
    /// `SqsRecord<String>`, `<Source as Fixed>::payload` for S3's
    /// `S3Object`.
    fn record_payload(
        &self,
        spec: &Spec,
        source: &TokenStream,
        payload: Option<&Type>,
    ) -> (TokenStream, TokenStream) {
        let private = &self.private;
        match (spec.form, payload) {
            // A payload-less handler: the record is decoded and not passed on.
            (Form::Fixed { .. }, None) => (
                quote!(<#source as #private::Fixed>::Payload),
                quote!(<#source as #private::Fixed>::payload),
            ),
            (Form::Fixed { .. } | Form::Hook { .. }, Some(payload)) => (
                quote!(#payload),
                spanned_like(
                    quote!(<#source as #private::Fixed>::payload as fn(&_) -> _),
                    payload,
                ),
            ),
            (Form::Body { wrapper, raw }, Some(payload)) => {
                let (shape, body) = match type_argument(payload, wrapper) {
                    Some(inner) => (quote!(wrap), inner),
                    None => (quote!(body), payload),
                };
                let decoder = if raw && is_type(body, "String") {
                    quote!(#private::text)
                } else if raw && is_vec_u8(body) {
                    quote!(#private::bytes)
                } else {
                    qualified(body, quote!(#private::Event), quote!(BODY))
                };
                (
                    quote!(#payload),
                    quote!(|record| <#source as #private::WithBody>::#shape(record, #decoder)),
                )
            }
            (Form::Body { .. } | Form::Hook { .. } | Form::Http, _) => {
                unreachable!("a body trigger has a payload, and HTTP is not a batch")
            }
        }
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
    type_argument(ty, "Vec").is_some_and(|inner| is_type(inner, "u8"))
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

/// `R` of a return type written `Result<R, E>`, if it is written so.
pub fn response_type(output: &Type) -> Option<&Type> {
    let Type::Path(path) = output else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    if last.ident != "Result" {
        return None;
    }
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// Where to report a batch handler's error type that does not fit: `E` in
/// `Vec<Result<(), E>>` or `Result<Vec<Result<(), E>>, E>` as written,
/// else the whole return type.
fn outcome_error(output: &Type) -> &dyn ToTokens {
    match type_argument(output, "Vec") {
        Some(outcome) => result_arguments(outcome).1,
        None => result_arguments(output).1,
    }
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
