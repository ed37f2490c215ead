//! What checking a big data file holds in memory, counted by a global allocator: the file's
//! rows are not all kept as owned cells and located figures (a 10,000-entity group's
//! 3-million-row history took 3.5 GB to check; BENCHMARKS.md, "The cold paths"). Only one
//! test lives in this binary, so no other test's allocations are counted.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use zx_domain::{Entity, EntityKind};
use zx_ingest::Payload;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn checking_a_data_file_holds_about_its_text_and_a_few_dozen_bytes_a_figure() {
    // 400 plants × 24 months × every submitted item, month basis, one value throughout (no
    // warning: liabilities equal assets): about 100,000 rows of about 45 bytes.
    let catalogue = catalogue();
    let items: Vec<&str> = catalogue
        .items()
        .iter()
        // Cost elements left out: eight parts each equal to operating_cost would not add up.
        .filter(|i| i.derived.is_none() && i.part_of.is_none())
        .map(|i| i.code.as_str())
        .collect();
    let mut entities: Vec<Entity> = vec![entity("G", None, EntityKind::Group)];
    let mut text = String::from("entity,period,item,value,basis\n");
    for plant in 0..400 {
        let code = format!("P{plant:04}");
        entities.push(entity(&code, Some("G"), EntityKind::Plant));
        for year in [2025, 2026] {
            for m in 1..=12 {
                for item in &items {
                    text.push_str(&format!("{code},{year}-{m:02},{item},1000.5,month\n"));
                }
            }
        }
    }
    let figures = 400 * 24 * items.len();
    let store = MapStore::default();

    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let parsed = parse_with("data.csv", text.as_bytes(), &entities, &store)
        .unwrap_or_else(|r| panic!("{r}"));
    let held = PEAK.load(Ordering::Relaxed) - before;

    let Payload::Data(facts) = parsed.payload else {
        panic!("not data");
    };
    assert_eq!(facts.len(), figures);
    assert_eq!(parsed.rows, figures);
    // The decoded text (a copy of the file) and its rows' starts, 60 bytes a figure while it
    // is checked and 32 for each fact returned, with room to spare: 2 × the file and 160
    // bytes a figure. Holding every cell as an owned string and every figure with its places
    // took over 1,000 bytes a figure.
    let bound = 2 * text.len() + 160 * figures;
    assert!(
        held <= bound,
        "checking {} bytes ({figures} figures) held {held} bytes at its peak, over {bound} ({} a figure)",
        text.len(),
        held / figures
    );
}
