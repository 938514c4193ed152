//! Collecting every error of one attribute, so that a build reports them all
//! at once — with serde_derive's `Ctxt` drop check: errors that are dropped
//! without being turned into output are a bug of the macro, caught by its
//! own tests rather than silently compiling an invalid handler.

/// The errors found so far.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// How many errors were recorded.
    pub fn count(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |all| all.clone().into_iter().count())
    }

    /// `Ok` when nothing was recorded, otherwise every error combined: the
    /// only way the errors leave, to be emitted.
    pub fn finish(mut self) -> Result<(), syn::Error> {
        self.0.take().map_or(Ok(()), Err)
    }

    /// The messages recorded, for tests (which then own the errors).
    #[cfg(test)]
    pub fn messages(self) -> Vec<String> {
        self.finish()
            .err()
            .into_iter()
            .flat_map(|error| error.into_iter().map(|e| e.to_string()))
            .collect()
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.0.is_some() && !std::thread::panicking() {
            panic!("the errors of #[lambda] were dropped without being emitted");
        }
    }
}
