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
