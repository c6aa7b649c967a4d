//! What every contender shares: the checksum of what it loaded, the heap it used, and the
//! line it prints for the driver.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes in use and their peak: the Rust side of a
/// contender's memory (SQLite allocates through its own `malloc`, the same for all).
pub struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

/// Heap in use now.
pub fn heap_in_use() -> usize {
    IN_USE.load(Ordering::Relaxed)
}

/// Starts measuring the heap's peak from now.
pub fn reset_peak() {
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// The heap's peak since `reset_peak`.
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// The process's peak resident set, in KiB (`VmHWM`), 0 where unknown.
pub fn max_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()))
        })
        .unwrap_or(0)
}

/// One value folded into a hash (FNV-style, then rotated so sums do not cancel).
pub fn mix(hash: u64, value: u64) -> u64 {
    (hash ^ value).wrapping_mul(0x0000_0100_0000_01B3).rotate_left(29)
}

/// The hash of a row's fields.
pub fn fields(values: &[u64]) -> u64 {
    values.iter().fold(0xCBF2_9CE4_8422_2325, |hash, &v| mix(hash, v))
}

/// A parent's hash and its children's: a sum, so neither the order of the parents nor the
/// order of the children within one parent changes the checksum.
pub fn with_children(parent: u64, children: impl IntoIterator<Item = u64>) -> u64 {
    mix(parent, children.into_iter().fold(0u64, u64::wrapping_add))
}

/// A row as every contender hashes it: its key and the length of its text (a NULL text
/// counts as empty). One definition for all, so the checksums of libraries whose structs
/// differ can agree.
pub fn keyed(id: i64, text: &str) -> u64 {
    fields(&[id as u64, text.len() as u64])
}

/// A book with its author and the author's publisher (zeros where it has none).
pub fn book_author_publisher(
    book: (i64, &str),
    author: (i64, &str),
    publisher: Option<(i64, &str)>,
) -> u64 {
    let (publisher_id, publisher_name) = publisher.unwrap_or((0, ""));
    fields(&[
        book.0 as u64,
        book.1.len() as u64,
        author.0 as u64,
        author.1.len() as u64,
        publisher_id as u64,
        publisher_name.len() as u64,
    ])
}

/// An author with the number of its books.
pub fn author_count(id: i64, name: &str, count: u64) -> u64 {
    fields(&[id as u64, name.len() as u64, count])
}

/// The hash of a Chinook track, every column of it: all contenders load whole rows.
#[allow(clippy::too_many_arguments)]
pub fn track(
    id: i64,
    name: &str,
    media_type_id: i64,
    genre_id: Option<i64>,
    composer: Option<&str>,
    milliseconds: i64,
    bytes: Option<i64>,
    unit_price: f64,
) -> u64 {
    fields(&[
        id as u64,
        name.len() as u64,
        media_type_id as u64,
        genre_id.map_or(u64::MAX, |g| g as u64),
        composer.map_or(u64::MAX, |c| c.len() as u64),
        milliseconds as u64,
        bytes.map_or(u64::MAX, |b| b as u64),
        (unit_price * 100.0).round() as u64,
    ])
}

/// [`track`] of any contender's track row: they all name the columns alike, but the key.
/// `track_hash!(t, track_id)`.
macro_rules! track_hash {
    ($track:expr, $id:ident) => {
        $crate::measure::track(
            $track.$id,
            &$track.name,
            $track.media_type_id,
            $track.genre_id,
            $track.composer.as_deref(),
            $track.milliseconds,
            $track.bytes,
            $track.unit_price,
        )
    };
}
pub(crate) use track_hash;

/// The sum of the rows' hashes.
pub fn total(rows: impl IntoIterator<Item = u64>) -> u64 {
    rows.into_iter().fold(0u64, u64::wrapping_add)
}

/// How long a measurement keeps repeating `work` once it has run it `min_runs` times;
/// `PEERS_BUDGET_MS=0` makes it run exactly `min_runs` times (for profiles).
fn budget() -> Duration {
    let millis =
        std::env::var("PEERS_BUDGET_MS").ok().and_then(|ms| ms.parse().ok()).unwrap_or(1_000);
    Duration::from_millis(millis)
}
/// The most runs a measurement makes.
const MAX_RUNS: usize = 1_000;

/// Times `work` after one untimed run (which also warms SQLite's cache): at least
/// `min_runs` times, and more until a second has gone by, so short loads get enough
/// samples for a steady median. Returns the median, the minimum, the checksum and the
/// heap's peak during the first timed run above what was in use before it.
pub fn time(
    min_runs: usize,
    work: impl FnMut() -> Result<u64, String>,
) -> Result<Measured, String> {
    let mut works: [(String, Work<'_>); 1] = [(String::new(), Box::new(work))];
    let (_, measured) = rounds(min_runs, budget(), &mut works).swap_remove(0);
    measured
}

/// One contender's load, ready to run: it returns the checksum of what it loaded.
pub type Work<'a> = Box<dyn FnMut() -> Result<u64, String> + 'a>;

/// Times several contenders in one process, round-robin: each round runs every contender
/// once, so a slow spell of the machine (frequent on a shared VM, where one process can
/// run 30% slower than the next) hits them all alike. Each contender runs once untimed
/// first; then rounds go on until `min_rounds` are done and three budgets are spent. A
/// contender that fails is dropped from later rounds with its error.
pub fn time_together(
    min_rounds: usize,
    works: &mut [(String, Work<'_>)],
) -> Vec<(String, Result<Measured, String>)> {
    rounds(min_rounds, budget() * 3, works)
}

/// Runs every work once untimed, then in rounds until `min_rounds` are done and `budget`
/// has passed; each work's heap is its peak during its first timed run.
fn rounds(
    min_rounds: usize,
    budget: Duration,
    works: &mut [(String, Work<'_>)],
) -> Vec<(String, Result<Measured, String>)> {
    /// A contender's checksum, its runs' times and its heap's peak, so far.
    struct Timing {
        checksum: u64,
        times: Vec<Duration>,
        heap: usize,
    }
    let mut state: Vec<Result<Timing, String>> = works
        .iter_mut()
        .map(|(_, work)| Ok(Timing { checksum: work()?, times: Vec::new(), heap: 0 }))
        .collect();
    let started_all = Instant::now();
    let mut rounds = 0;
    let count = works.len();
    let more = |rounds: usize| {
        rounds < min_rounds.max(1) || (started_all.elapsed() < budget && rounds < MAX_RUNS)
    };
    while more(rounds) && state.iter().any(Result::is_ok) {
        // Each round starts one contender further on, so none always runs right after
        // the same neighbour (they share the process's heap).
        for i in (0..count).map(|i| (i + rounds) % count) {
            let (work, state) = (&mut works[i].1, &mut state[i]);
            let Ok(timing) = state else { continue };
            let before = heap_in_use();
            reset_peak();
            let started = Instant::now();
            match work() {
                Ok(sum) if sum == timing.checksum => {
                    timing.times.push(started.elapsed());
                    if timing.times.len() == 1 {
                        timing.heap = peak().saturating_sub(before);
                    }
                }
                Ok(sum) => {
                    let checksum = timing.checksum;
                    *state = Err(format!("checksum changed between runs: {checksum} then {sum}"))
                }
                Err(e) => *state = Err(e),
            }
        }
        rounds += 1;
    }
    works
        .iter()
        .zip(state)
        .map(|((name, _), state)| {
            let measured = state.map(|Timing { checksum, mut times, heap }| {
                times.sort();
                Measured { median: times[times.len() / 2], min: times[0], checksum, heap }
            });
            (name.clone(), measured)
        })
        .collect()
}

/// What one contender measured on one workload.
pub struct Measured {
    pub median: Duration,
    pub min: Duration,
    pub checksum: u64,
    pub heap: usize,
}
