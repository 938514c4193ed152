//! `_X_AMZN_TRACE_ID`: the X-Ray trace header of the invocation being
//! served, in the process environment, where the X-Ray SDKs and the
//! OpenTelemetry propagators read it. Custom runtimes must set it for each
//! invocation: <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html>.
//!
//! Lambda sends a different trace id with every invocation, and
//! `std::env::set_var` (what lambda_runtime 1.5 uses) leaks with distinct
//! values on glibc: its `setenv` allocates a new `NAME=value` string for
//! each value and never frees the old ones (another thread may still hold a
//! pointer from `getenv`), keeping them in a search tree besides. That is
//! about 140 bytes per invocation, forever: a 128 MB function is exhausted
//! after about a million invocations.
//!
//! Here the variable is set with `putenv`, which puts the caller's own
//! `NAME=value` buffer into the environment without copying it. Two buffers
//! take turns: each invocation writes its trace id into the one the
//! environment does not point at, then swaps it in, so a reader that just
//! took the previous pointer from `getenv` still reads a whole value. A
//! buffer grows (to a power of two) only for a longer id than it has held;
//! a buffer that is outgrown is leaked rather than freed, since a reader may
//! hold it, which bounds the leak to twice the longest trace id seen. musl
//! frees what its `setenv` allocated, and handles `putenv` the same way.

#[cfg(unix)]
mod imp {
    use std::sync::{Mutex, PoisonError};

    const NAME: &[u8] = b"_X_AMZN_TRACE_ID=";

    /// A `NAME=value\0` buffer the environment may point at. Never freed.
    #[derive(Clone, Copy)]
    struct Buffer {
        at: *mut u8,
        capacity: usize,
    }

    // SAFETY: the buffers are only written under `SLOTS`' lock.
    unsafe impl Send for Buffer {}

    struct Slots {
        buffers: [Option<Buffer>; 2],
        /// The buffer the environment points at, if any.
        current: Option<usize>,
    }

    static SLOTS: Mutex<Slots> = Mutex::new(Slots {
        buffers: [None, None],
        current: None,
    });

    fn leaked(capacity: usize) -> Buffer {
        let buffer = vec![0_u8; capacity].into_boxed_slice();
        Buffer {
            at: Box::leak(buffer).as_mut_ptr(),
            capacity,
        }
    }

    pub(super) fn set(trace_id: Option<&str>) {
        let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(value) = trace_id.filter(|value| !value.as_bytes().contains(&0)) else {
            slots.current = None;
            // SAFETY: called between invocations (see `super::set`);
            // `unsetenv` frees nothing of ours.
            unsafe { std::env::remove_var("_X_AMZN_TRACE_ID") };
            return;
        };
        let needed = NAME.len() + value.len() + 1;
        let slot = slots.current.map_or(0, |current| 1 - current);
        let buffer = match slots.buffers[slot] {
            Some(buffer) if buffer.capacity >= needed => buffer,
            _ => {
                let buffer = leaked(needed.next_power_of_two().max(128));
                slots.buffers[slot] = Some(buffer);
                buffer
            }
        };
        // SAFETY: `buffer` holds `capacity >= needed` bytes that the
        // environment does not point at now (it points at the other slot,
        // or at nothing of ours).
        unsafe {
            let bytes = std::slice::from_raw_parts_mut(buffer.at, needed);
            bytes[..NAME.len()].copy_from_slice(NAME);
            bytes[NAME.len()..needed - 1].copy_from_slice(value.as_bytes());
            bytes[needed - 1] = 0;
        }
        // SAFETY: `putenv` keeps the pointer; the buffer is never freed and
        // is not written again until the environment points at the other
        // one. Replacing an existing entry stores one pointer in place.
        if unsafe { libc::putenv(buffer.at.cast()) } != 0 {
            // Only when growing `environ` failed (out of memory): the
            // environment still points where it did.
            return;
        }
        slots.current = Some(slot);
    }
}

/// Sets `_X_AMZN_TRACE_ID` to `trace_id`, or removes it.
///
/// Called between invocations on the serving loop, when no handler code of
/// lambda-fn's is running. A thread the user started that reads the
/// environment at this moment races with it, as with `std::env::set_var`
/// in lambda_runtime's loop; the Lambda docs require the variable.
pub(crate) fn set(trace_id: Option<&str>) {
    #[cfg(unix)]
    imp::set(trace_id);
    #[cfg(not(unix))]
    // SAFETY: as above.
    unsafe {
        match trace_id {
            Some(id) => std::env::set_var("_X_AMZN_TRACE_ID", id),
            None => std::env::remove_var("_X_AMZN_TRACE_ID"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::set;

    #[test]
    fn the_variable_follows_each_trace_id_and_can_be_removed() {
        for n in 0..1000 {
            let id = format!("Root=1-5759e988-{n:024x};Parent=53995c3f42cd8ad8;Sampled=1");
            set(Some(&id));
            assert_eq!(std::env::var("_X_AMZN_TRACE_ID").unwrap(), id);
        }
        // Longer than either buffer has held: it grows.
        let long = format!(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Lineage={}",
            "a".repeat(300)
        );
        set(Some(&long));
        assert_eq!(std::env::var("_X_AMZN_TRACE_ID").unwrap(), long);
        set(None);
        assert!(std::env::var_os("_X_AMZN_TRACE_ID").is_none());
        set(Some("Root=1-5759e988-00000000000000000000000a"));
        assert_eq!(
            std::env::var("_X_AMZN_TRACE_ID").unwrap(),
            "Root=1-5759e988-00000000000000000000000a"
        );
        set(None);
    }
}
