//! `near_miss::nearest_field` allocates nothing once its table is built: the simulator asks it
//! for every unknown request field, at tens of thousands of requests a second. A counting
//! allocator (this test binary's own) counts the allocations of the calling thread only.

// A global allocator is an unsafe trait; this one forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ppob_core::contract::DocKind;
use ppob_core::contract::near_miss::nearest_field;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to `System` unchanged; the count is a thread-local Cell with
// a const initialiser, which itself never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is System's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is System's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn a_near_miss_is_found_without_allocating() {
    let none = |_: &str| false;
    let (_, counted) = allocations_of(|| vec![1u8; 3]);
    assert_eq!(counted, 1, "the counter sees an allocation");
    // The first call builds the table of every kind (that allocates, once per process).
    let _ = nearest_field(DocKind::PaymentRequest, "", "warm", none);
    let cases = [
        (
            DocKind::PaymentRequest,
            "",
            "CallbackUrls",
            Some("callbackUrls"),
        ),
        (DocKind::StatusRequest, "", "refnumber", Some("refNumber")),
        (DocKind::PaymentRequest, "", "iat", None),
        (DocKind::PaymentRequest, "", &*"x".repeat(40), None),
        (
            DocKind::InquiryResponse,
            "/data/billDetails/3/billInfo/0",
            "Value",
            Some("value"),
        ),
        (
            DocKind::StatusResponse,
            "/data",
            "RefNumber",
            Some("refNumber"),
        ),
    ];
    for (kind, parent, unknown, expected) in cases {
        let (found, allocations) = allocations_of(|| nearest_field(kind, parent, unknown, none));
        assert_eq!(found, expected, "{unknown}");
        assert_eq!(allocations, 0, "{kind:?} {parent} {unknown}");
    }
}
