//! glibc allocator settings for commands whose allocation pattern the defaults serve
//! badly. Elsewhere (another C library, another platform) these do nothing.

/// glibc's `mallopt` parameters used here.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod param {
    use std::os::raw::c_int;
    /// `M_TRIM_THRESHOLD`.
    pub const TRIM_THRESHOLD: c_int = -1;
    /// `M_MMAP_THRESHOLD`.
    pub const MMAP_THRESHOLD: c_int = -3;
}

/// Sets each glibc allocator parameter of `settings`; one it refuses is left as is.
/// Called on the main thread before any other thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn mallopt(settings: &[(std::os::raw::c_int, std::os::raw::c_int)]) {
    extern "C" {
        fn mallopt(param: std::os::raw::c_int, value: std::os::raw::c_int) -> std::os::raw::c_int;
    }
    for &(param, value) in settings {
        // SAFETY: `mallopt` only changes an allocator parameter; it is called before any
        // other thread of this process allocates.
        unsafe {
            mallopt(param, value);
        }
    }
}

/// For a hook: keeps the allocator from mapping fresh pages for every large buffer.
/// Reading the backlog's task folder from HEAD unpacks its tree through a chain of deltas,
/// one buffer of the whole tree (megabytes at 50,000 tasks) per link; by default glibc
/// maps each such buffer anew and unmaps it on free, and every page of every one faults
/// in. With these thresholds the buffers come from the heap and reuse its pages. (glibc
/// raises its threshold by itself after the first large free, which made the cost depend
/// on whether something large had been freed before.) The hook's process is short-lived:
/// memory it keeps is given back when it exits.
pub(crate) fn for_hook() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    mallopt(&[
        (param::MMAP_THRESHOLD, 32 << 20),
        (param::TRIM_THRESHOLD, 256 << 20),
    ]);
}
