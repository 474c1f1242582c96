//! A read-only, private mapping of a whole file (a large index file, a pack's index):
//! only the pages read are brought in.

use rustix::mm::{mmap, munmap, MapFlags, ProtFlags};
use std::ffi::c_void;

/// The mapping; unmapped when dropped.
pub struct Map {
    ptr: *mut c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value alone; reading it from
// several threads is reading shared immutable memory.
unsafe impl Send for Map {}
// SAFETY: as above.
unsafe impl Sync for Map {}

impl Map {
    /// Maps the `len` bytes of `file`; `None` when the system refuses.
    pub fn new(file: &std::fs::File, len: u64) -> Option<Map> {
        let len = usize::try_from(len).ok().filter(|l| *l > 0)?;
        // SAFETY: a fresh private read-only mapping of an open file. git never writes
        // an index file or a pack's index in place: it writes a temporary file (such as
        // `index.lock`) and renames it over the old one, so the file mapped here keeps
        // its contents while mapped.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ,
                MapFlags::PRIVATE,
                file,
                0,
            )
        }
        .ok()?;
        Some(Map { ptr, len })
    }

    /// The mapped bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are the mapping made in `new`, unmapped once, here.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}
