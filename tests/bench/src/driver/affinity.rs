//! CPU affinity (Linux `sched_setaffinity`): the function is pinned the way
//! `taskset -c 0` pins it, without an extra `exec` of `taskset` in its cold
//! start; the harness thread moves to another CPU.

use std::io;

/// The CPUs this process may run on.
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: `set` is a plain bitmask that the kernel fills in.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &raw mut set) != 0 {
            return Err(io::Error::last_os_error());
        }
        set
    };
    // SAFETY: reading bits of an initialised mask.
    Ok((0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

/// The mask of `cpus`.
pub fn mask(cpus: &[usize]) -> libc::cpu_set_t {
    // SAFETY: an all-zero `cpu_set_t` is the empty mask; CPU_SET only sets
    // bits below CPU_SETSIZE.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus {
            libc::CPU_SET(cpu, &mut set);
        }
        set
    }
}

/// Restricts the calling thread to `set`.
pub fn apply(set: &libc::cpu_set_t) -> io::Result<()> {
    // SAFETY: `set` is a valid mask of the size given.
    if unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Restricts the calling thread to `cpus`: the whole harness, which runs on
/// one thread.
pub fn pin_current_thread(cpus: &[usize]) -> io::Result<()> {
    apply(&mask(cpus))
}

/// Runs `spawn` with the calling thread moved to `cpus`, then moves it back
/// to `home`: a process spawned meanwhile inherits `cpus`, as under
/// `taskset`. Unlike a `pre_exec` hook this keeps std's `posix_spawn`
/// (vfork) path, so the cold start does not include copying the harness's
/// page tables in a `fork`.
pub fn spawn_on<T>(cpus: &[usize], home: &[usize], spawn: impl FnOnce() -> T) -> io::Result<T> {
    pin_current_thread(cpus)?;
    let spawned = spawn();
    pin_current_thread(home)?;
    Ok(spawned)
}
