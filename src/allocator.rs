//! The binary's global allocator: mimalloc, called directly.
//!
//! Why mimalloc: the models own their strings, so a run allocates and frees a
//! few dozen small blocks per document, many of them freed on another thread
//! than the one that allocated them; glibc's `malloc` and `free` were 15 % of
//! a validate run.
//!
//! Why not the `mimalloc` crate's own `MiMalloc`: it sends every request,
//! whatever its alignment, through `mi_malloc_aligned`, which costs about
//! twice the plain `mi_malloc` per block. Every block mimalloc hands out is
//! aligned to at least a machine word, so requests aligned to a word or less
//! take the plain calls here and only wider alignments the aligned ones.
//!
//! Built without transparent huge pages (`no_thp`): with them every process
//! started about 1.5 ms slower (its first arena was committed and zeroed in
//! huge pages), which a CI step that checks one file pays on every call. Not
//! the v2 line: each of its threads reserves its own segments, and under an
//! address-space cap (`ulimit -v`) a worker then aborts on allocation instead
//! of the run saying that the workers cannot start.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every mimalloc block has, whatever its size.
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc as the global allocator; see the module documentation.
pub struct MiMalloc;

/// A mimalloc call that takes a size.
type Plain = unsafe extern "C" fn(usize) -> *mut c_void;
/// The aligned form: size, then alignment.
type Aligned = unsafe extern "C" fn(usize, usize) -> *mut c_void;

/// `plain` for alignments up to a word (which every mimalloc block has),
/// `aligned` above. Inlined, so each caller makes a direct call.
///
/// # Safety
/// As for the mimalloc calls: `layout` has a non-zero size.
#[inline(always)]
unsafe fn by_alignment(layout: Layout, plain: Plain, aligned: Aligned) -> *mut u8 {
    // SAFETY: the caller's contract; the block meets `layout.align()` either way.
    unsafe {
        if layout.align() <= WORD {
            plain(layout.size()).cast()
        } else {
            aligned(layout.size(), layout.align()).cast()
        }
    }
}

// SAFETY: each method forwards to the mimalloc call with the same contract
// (a null pointer on failure, blocks freed by `mi_free`); the plain calls are
// taken only when `layout.align() <= WORD`, which every mimalloc block meets.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `GlobalAlloc::alloc`'s contract: a non-zero size.
        unsafe { by_alignment(layout, mi::mi_malloc, mi::mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe { by_alignment(layout, mi::mi_zalloc, mi::mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; see the impl's comment.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size and alignment a Rust type can ask for gets a block that
    /// meets it, keeps what was written through a reallocation, and frees.
    #[test]
    fn blocks_meet_their_alignment_through_alloc_zeroed_and_realloc() {
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 7, 8, 9, 15, 16, 24, 40, 100, 1000, 70_000] {
                let layout = Layout::from_size_align(size, align).expect("valid layout");
                // SAFETY: non-zero sizes; each block is freed with its own layout.
                unsafe {
                    let block = MiMalloc.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "alloc {size} aligned {align}");
                    block.write_bytes(0xA5, size);
                    let grown = MiMalloc.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "realloc {size} aligned {align}");
                    assert!((0..size).all(|i| *grown.add(i) == 0xA5));
                    MiMalloc.dealloc(
                        grown,
                        Layout::from_size_align(size * 3, align).expect("valid"),
                    );

                    let zeroed = MiMalloc.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0, "zalloc {size} aligned {align}");
                    assert!((0..size).all(|i| *zeroed.add(i) == 0));
                    MiMalloc.dealloc(zeroed, layout);
                }
            }
        }
    }
}
