//! What `#[lambda]` emits instead of an entry point when it reports an error:
//! the user's item, so that its own code is still checked, the errors, and a
//! stand-in `main`, so that the only errors shown are the macro's (the habit
//! of thiserror's `fallback.rs` and tokio's `token_stream_with_error`).

use std::hash::{DefaultHasher, Hash, Hasher};

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::{FnArg, ItemFn};

use crate::errors::Errors;

/// `#[lambda]` on a struct, an impl, a `fn` without a body...: say where it
/// goes, and emit the item unchanged so its own code still type-checks.
pub fn not_a_function(item: TokenStream, mut errors: Errors) -> TokenStream {
    errors.push(syn::Error::new(
        item_span(&item),
        "#[lambda] goes on an `async fn` at the root of a binary crate, like `#[lambda] async fn handler(event: MyEvent) -> Result<MyResponse, lambda_fn::Error>`",
    ));
    let error = errors
        .finish()
        .expect_err("an error was just pushed")
        .into_compile_error();
    let main = if is_declaration(&item) {
        // Only a trait or an `extern` block holds an item without a body, and
        // neither can hold anything that reaches the crate's root (a `fn
        // main() {}` in an `extern` block is an error of its own). The file's
        // own `main`, if any, is the entry point; without one rustc also says
        // that `main` is missing, which is true there.
        TokenStream::new()
    } else {
        stand_in_main(&item)
    };
    quote! {
        #item
        #error
        #main
    }
}

/// On an error the user's function is still emitted, plus a stand-in `main`,
/// so that the only errors shown are the real ones, not "`main` not found" or
/// "unused function" cascades.
pub fn with_errors(item: &ItemFn, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let main = if has_receiver(item) {
        // A function with `self` is most likely a method, in an `impl` or a
        // trait, where a module or a `use` cannot be written: there a `fn
        // main() {}` is one more associated function and collides with
        // nothing. (A free function with `self` gets the crate's `main` from
        // it.)
        quote! { fn main() {} }
    } else {
        stand_in_main(&item.to_token_stream())
    };
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
    if has_receiver(&item) {
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
        #main
    }
}

/// A `main` for a binary crate that has none, which a `fn main` of the
/// file's own shadows instead of colliding with.
///
/// rustc reports "`main` function not found" (E0601) even beside a
/// `compile_error!`, so something named `main` has to be emitted; but a stub
/// `fn main() {}` collides with a `fn main` the file already has ("the name
/// `main` is defined multiple times", issue 13). A name brought in by a glob
/// import is shadowed by an item of the same name without an error, and is
/// still the crate's entry point when there is no such item (an imported
/// `main` is stable since Rust 1.79, rust-lang/rust#122060). So `main` comes
/// from `use <module>::*`, out of a module of its own.
///
/// That module re-exports `core::hint::spin_loop` (a `fn()`) as `main`
/// rather than defining a function: two failing attributes in one module then
/// glob-import the same function, which is not ambiguous (two functions
/// would be, E0659). The binary is never built, since the stand-in is only
/// emitted beside a `compile_error!`. The module's name is a hash of the
/// item, so that two of them in one module do not collide.
fn stand_in_main(item: &TokenStream) -> TokenStream {
    let mut hasher = DefaultHasher::new();
    item.to_string().hash(&mut hasher);
    let module = format_ident!("__lambda_fn_main_{:016x}", hasher.finish());
    quote! {
        #[doc(hidden)]
        #[allow(unused_imports)]
        mod #module {
            pub(super) use ::core::hint::spin_loop as main;
        }
        #[allow(unused_imports, clippy::wildcard_imports)]
        use #module::*;
    }
}

fn has_receiver(item: &ItemFn) -> bool {
    item.sig
        .inputs
        .iter()
        .any(|input| matches!(input, FnArg::Receiver(_)))
}

/// Whether `item` is a declaration without a body, `fn f();`, `static X: T;`,
/// `type T;` or `const X: T;`, which only a trait or an `extern` block holds.
pub(crate) fn is_declaration(item: &TokenStream) -> bool {
    matches!(
        syn::parse2::<syn::ForeignItem>(item.clone()),
        Ok(syn::ForeignItem::Fn(_) | syn::ForeignItem::Static(_) | syn::ForeignItem::Type(_))
    ) || matches!(
        syn::parse2::<syn::TraitItem>(item.clone()),
        Ok(syn::TraitItem::Const(syn::TraitItemConst {
            default: None,
            ..
        }))
    )
}

/// Where to report a misplaced `#[lambda]`: the item's first token after its
/// other attributes (`struct`, `pub`, `impl`...).
fn item_span(item: &TokenStream) -> Span {
    first_token(item).map_or_else(Span::call_site, |token| token.span())
}

fn first_token(item: &TokenStream) -> Option<TokenTree> {
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            // `#[attr]` (or `#![attr]`): skip its bracketed group.
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                if matches!(tokens.peek(), Some(TokenTree::Punct(bang)) if bang.as_char() == '!') {
                    tokens.next();
                }
                if matches!(tokens.peek(), Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket)
                {
                    tokens.next();
                }
            }
            TokenTree::Punct(_) => {}
            _ => return Some(token),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz_tests::provides_main;

    fn items_of(tokens: TokenStream) -> Vec<syn::Item> {
        syn::parse2::<syn::File>(tokens)
            .expect("the fallback is items")
            .items
    }

    fn fn_named_main(items: &[syn::Item]) -> bool {
        items
            .iter()
            .any(|item| matches!(item, syn::Item::Fn(f) if f.sig.ident == "main"))
    }

    #[test]
    fn a_struct_gets_a_glob_imported_main_not_a_fn_main() {
        let items = items_of(not_a_function(
            quote! { struct Handler { name: String } },
            Errors::default(),
        ));
        assert!(!fn_named_main(&items));
        assert!(provides_main(&items));
    }

    #[test]
    fn a_function_gets_a_glob_imported_main_not_a_fn_main() {
        let item: ItemFn = syn::parse_quote! { fn handler(event: E) -> Result<(), E> { Ok(()) } };
        let items = items_of(with_errors(
            &item,
            syn::Error::new(Span::call_site(), "not async"),
        ));
        assert!(!fn_named_main(&items));
        assert!(provides_main(&items));
    }

    #[test]
    fn a_method_gets_an_associated_fn_main() {
        let item: ItemFn =
            syn::parse_quote! { async fn handler(&self, event: E) -> Result<(), E> { Ok(()) } };
        let items = items_of(with_errors(
            &item,
            syn::Error::new(Span::call_site(), "self"),
        ));
        assert!(fn_named_main(&items));
        assert!(!items.iter().any(|item| matches!(item, syn::Item::Mod(_))));
    }

    #[test]
    fn a_declaration_gets_no_main() {
        for item in [
            quote! { fn handler(event: E) -> Result<(), E>; },
            quote! { async fn handler(event: E) -> Result<(), E>; },
            quote! { static COUNT: u32; },
            quote! { type Handler; },
            quote! { const LIMIT: u32; },
        ] {
            let output = not_a_function(item.clone(), Errors::default());
            let text = output.to_string();
            assert!(!text.contains("main"), "{item}: {text}");
        }
    }

    #[test]
    fn items_with_bodies_are_not_declarations() {
        for item in [
            quote! { static COUNT: u32 = 0; },
            quote! { const LIMIT: u32 = 8; },
            quote! { type Handler = u32; },
            quote! { struct Handler; },
            quote! { impl Handler {} },
            quote! { unsafe extern "C" { fn handler(); } },
        ] {
            assert!(!is_declaration(&item), "{item}");
        }
    }

    #[test]
    fn two_items_get_modules_of_different_names() {
        let first = stand_in_main(&quote! { struct A; });
        let second = stand_in_main(&quote! { struct B; });
        assert_ne!(first.to_string(), second.to_string());
    }

    #[test]
    fn the_error_points_past_other_attributes() {
        let first = |item: TokenStream| first_token(&item).map(|token| token.to_string());
        assert_eq!(
            first(quote! { #[derive(Debug)] #[allow(dead_code)] pub enum Trigger { Sqs } }),
            Some("pub".to_owned())
        );
        assert_eq!(first(quote! { struct Handler; }), Some("struct".to_owned()));
        assert_eq!(first(quote! { #[doc = "x"] }), None);
    }
}
