//! Giving memory back to the system after a run: glibc's allocator keeps the pages a big job
//! freed (per-thread arenas are only trimmed at their top), so a daemon that once ran a large
//! discovery would stay at its peak size. `malloc_trim(0)` returns every free page.
//!
//! The job also leaves the executable's code and constant data it ran through mapped into the
//! daemon (file-backed pages, brought in 64 KiB at a time by the kernel's fault-around):
//! [`release_code_pages`] unmaps the clean ones, which stay in the page cache, so the resident
//! set goes back to what idling uses.

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

/// Allocator settings for a sweep (glibc only): one arena. A sweep's runtime threads allocate
/// and free the same small objects (requests, replies, hosts) for one another; with an arena
/// each, what one frees the other does not reuse, and a /16 of the test bed peaks at 63–65 MB
/// instead of 58 MB, in the same time.
#[allow(unsafe_code)]
pub fn tune_for_sweep() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called at start, before the
    // runtime's threads exist, with a value glibc documents as valid.
    unsafe {
        nix::libc::mallopt(nix::libc::M_ARENA_MAX, 1);
    }
}

/// Unmaps the pages of the executable's read-only mappings (code, constants) from this
/// process: the next use maps them again from the page cache. Only mappings that were never
/// written to are touched (no private copies: RELRO data, once relocated, is left alone), so
/// nothing can change but the resident set. Returns the bytes of the mappings advised.
#[allow(unsafe_code)]
pub fn release_code_pages() -> std::io::Result<usize> {
    let exe = std::fs::read_link("/proc/self/exe")?;
    let smaps = std::fs::read_to_string("/proc/self/smaps")?;
    let mut advised = 0;
    for range in clean_read_only(&smaps, &exe.to_string_lossy()) {
        let (Ok(start), Some(len)) = (usize::try_from(range.0), range.1.checked_sub(range.0))
        else {
            continue;
        };
        let Ok(len) = usize::try_from(len) else {
            continue;
        };
        // SAFETY: the range is a whole mapping of the executable file, private and not
        // writable, with no anonymous (copied-on-write) page: its content is the file's, which
        // cannot change while it is being executed (ETXTBSY). MADV_DONTNEED only drops the page
        // table entries; the next access faults in the same bytes from the page cache.
        let done = unsafe {
            nix::libc::madvise(
                start as *mut nix::libc::c_void,
                len,
                nix::libc::MADV_DONTNEED,
            )
        };
        if done == 0 {
            advised += len;
        }
    }
    Ok(advised)
}

/// The `(start, end)` of the mappings in `smaps` that are of the file `exe`, not writable,
/// private and without anonymous pages.
fn clean_read_only(smaps: &str, exe: &str) -> Vec<(u64, u64)> {
    let mut found = Vec::new();
    // The mapping being read: its range, and whether it qualifies so far.
    let mut current: Option<((u64, u64), bool)> = None;
    let mut close = |current: Option<((u64, u64), bool)>| {
        if let Some((range, true)) = current {
            found.push(range);
        }
    };
    for line in smaps.lines() {
        if let Some(mapping) = header(line) {
            close(current.take());
            let (range, perms, path) = mapping;
            let private_read_only = perms.len() == 4
                && perms.as_bytes()[0] == b'r'
                && perms.as_bytes()[1] == b'-'
                && perms.as_bytes()[3] == b'p';
            current = Some((range, private_read_only && path == exe));
        } else if let Some(kb) = line.strip_prefix("Anonymous:") {
            let anonymous = kb.trim().trim_end_matches("kB").trim() != "0";
            if let Some((_, ok)) = current.as_mut() {
                *ok &= !anonymous;
            }
        }
    }
    close(current);
    found
}

/// A mapping's header line: `start-end perms offset dev inode [path]`.
fn header(line: &str) -> Option<((u64, u64), &str, &str)> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let start = u64::from_str_radix(start, 16).ok()?;
    let end = u64::from_str_radix(end, 16).ok()?;
    let perms = fields.next()?;
    let _offset = fields.next()?;
    let dev = fields.next()?;
    let _inode = fields.next()?;
    if !dev.contains(':') {
        return None;
    }
    let path = fields.next().unwrap_or("").trim_start();
    Some(((start, end), perms, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0c0000000-55d0c0100000 r--p 00000000 fd:01 1234                       /usr/bin/sonde
Size:               1024 kB
Anonymous:             0 kB
55d0c0100000-55d0c0400000 r-xp 00100000 fd:01 1234                       /usr/bin/sonde
Size:               3072 kB
Anonymous:             0 kB
55d0c0400000-55d0c0480000 r--p 00400000 fd:01 1234                       /usr/bin/sonde
Size:                512 kB
Anonymous:            96 kB
55d0c0480000-55d0c0490000 rw-p 00480000 fd:01 1234                       /usr/bin/sonde
Anonymous:            64 kB
55d0c1000000-55d0c1100000 rw-p 00000000 00:00 0                          [heap]
Anonymous:          1024 kB
7f0000000000-7f0000200000 r-xp 00000000 fd:01 999                        /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
7f0000300000-7f0000301000 r-xs 00000000 fd:01 1234                       /usr/bin/sonde
Anonymous:             0 kB
";

    #[test]
    fn only_the_executables_clean_read_only_private_mappings() {
        assert_eq!(
            clean_read_only(SMAPS, "/usr/bin/sonde"),
            [
                (0x55d0_c000_0000, 0x55d0_c010_0000),
                (0x55d0_c010_0000, 0x55d0_c040_0000)
            ]
        );
        assert_eq!(clean_read_only(SMAPS, "/usr/bin/other"), []);
        assert_eq!(clean_read_only("", "/usr/bin/sonde"), []);
        assert_eq!(clean_read_only("garbage\nAnonymous: 0 kB\n", "x"), []);
    }

    /// The resident kB of this test binary's clean read-only mappings.
    fn resident_code_kb() -> u64 {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let ranges = clean_read_only(&smaps, &exe.to_string_lossy());
        let mut total = 0;
        let mut counting = false;
        for line in smaps.lines() {
            if let Some((range, _, _)) = header(line) {
                counting = ranges.contains(&range);
            } else if let Some(kb) = line.strip_prefix("Rss:").filter(|_| counting) {
                total += kb
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .unwrap();
            }
        }
        total
    }

    #[test]
    fn released_code_pages_leave_the_resident_set_and_come_back_on_use() {
        let before = resident_code_kb();
        let advised = release_code_pages().unwrap();
        let after = resident_code_kb();
        assert!(advised > 0);
        // Other tests run meanwhile and fault some pages back, never all of them.
        assert!(
            after < before,
            "{before} kB resident before, {after} kB after"
        );
        // The code runs on: this very function's pages came back.
        assert!(resident_code_kb() > 0);
    }
}
