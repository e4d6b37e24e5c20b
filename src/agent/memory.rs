//! Giving memory back to the system after a run: glibc's allocator keeps the pages a big job
//! freed (per-thread arenas are only trimmed at their top), so a daemon that once ran a large
//! discovery would stay at its peak size. `malloc_trim(0)` returns every free page.

/// Returns the allocator's free pages to the system (glibc only; elsewhere nothing to do).
#[allow(unsafe_code)]
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions: it only walks glibc's own free lists, under
    // the allocator's locks, and may be called from any thread at any time.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// Allocator settings for a long-running process (glibc only): fixed thresholds instead of
/// the dynamic ones, which rise after a big job's large buffers are freed and then keep the
/// freed memory for good, and few arenas (the daemon's threads are short-lived run threads).
#[allow(unsafe_code)]
pub fn tune_for_daemon() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use nix::libc::{M_ARENA_MAX, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt};
        // SAFETY: mallopt only sets allocator parameters; it is called at start, before the
        // runtime's threads exist, with values glibc documents as valid.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 128 * 1024);
            mallopt(M_TRIM_THRESHOLD, 128 * 1024);
            mallopt(M_ARENA_MAX, 2);
        }
    }
}
