//! Running cases and catching what must never happen: panics (by a panic
//! hook, so panics in server tasks count too), huge allocations (by a
//! counting allocator), hangs (by a deadline per case) and aborts (by a
//! SIGABRT handler that names the case before the process dies).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use crate::messages::mix;

/// Which cases, from which seed: `QDRANT_FUZZ_CASES` (per fuzz test),
/// `QDRANT_FUZZ_FROM` (the first case to run), `QDRANT_FUZZ_SEED` (the base
/// seed; `random` for one from the clock), `QDRANT_FUZZ_REPLAY` (one case's
/// seed, as printed with a failure).
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub cases: u64,
    pub from: u64,
    pub seed: u64,
    pub replay: Option<u64>,
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim().replace('_', "");
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

impl Config {
    pub fn from_env(default_cases: u64) -> Config {
        let var = |name: &str| std::env::var(name).ok();
        let seed = match var("QDRANT_FUZZ_SEED").as_deref() {
            Some("random") => mix(std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)),
            Some(s) => parse_u64(s).expect("QDRANT_FUZZ_SEED is a number, 0x-hex or `random`"),
            None => 0x005E_ED0F_F022,
        };
        Config {
            cases: var("QDRANT_FUZZ_CASES")
                .map(|s| parse_u64(&s).expect("QDRANT_FUZZ_CASES is a number"))
                .unwrap_or(default_cases),
            from: var("QDRANT_FUZZ_FROM")
                .map(|s| parse_u64(&s).expect("QDRANT_FUZZ_FROM is a number"))
                .unwrap_or(0),
            seed,
            replay: var("QDRANT_FUZZ_REPLAY").map(|s| parse_u64(&s).expect("QDRANT_FUZZ_REPLAY is a seed")),
        }
    }

    /// The seed of case `i`: or the one being replayed.
    pub fn case_seed(&self, i: u64) -> u64 {
        self.replay.unwrap_or_else(|| mix(self.seed ^ mix(i)))
    }

    /// The indices of the cases to run.
    pub fn cases(&self) -> std::ops::Range<u64> {
        if self.replay.is_some() {
            0..1
        } else {
            self.from..self.cases.max(self.from)
        }
    }
}

/// The panics seen since the last [`take_panics`]: where, and what.
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
/// The case under way, for the abort handler: its seed, the base seed, the
/// first case of its round and its index.
static CURRENT: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static LARGEST_ALLOC: AtomicUsize = AtomicUsize::new(0);

/// A single allocation this large is a bug: nothing in a case needs it.
const HUGE_ALLOC: usize = 512 << 20;

/// Installs the panic hook and the abort handler, once per process.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let verbose = std::env::var_os("QDRANT_FUZZ_VERBOSE").is_some();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let site = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_else(|| "unknown".into());
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if let Ok(mut p) = PANICS.lock() {
                p.push((site, message));
            }
            if verbose {
                default(info);
            }
        }));
        // SAFETY: the handler only reads an atomic, formats into a stack
        // buffer and calls async-signal-safe functions.
        unsafe {
            libc::signal(libc::SIGABRT, on_abort as *const () as libc::sighandler_t);
        }
    });
}

extern "C" fn on_abort(signal: libc::c_int) {
    let [seed, base, from, index] = [0, 1, 2, 3].map(|i| CURRENT[i].load(Ordering::Relaxed));
    let mut msg = *b"\nfuzz: the process aborted in a case; replay it alone with QDRANT_FUZZ_REPLAY=0x0000000000000000, or with its round with QDRANT_FUZZ_SEED=0x0000000000000000 QDRANT_FUZZ_FROM=0x0000000000000000 QDRANT_FUZZ_CASES=0x0000000000000000\n";
    let hex = b"0123456789abcdef";
    let mut at = 0;
    for value in [seed, base, from, index + 1] {
        let Some(start) = msg[at..].windows(2).position(|w| w == b"0x").map(|p| p + at + 2) else {
            break;
        };
        for i in 0..16 {
            msg[start + i] = hex[((value >> (60 - 4 * i)) & 0xF) as usize];
        }
        at = start + 16;
    }
    // SAFETY: write, signal and raise are async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

pub fn take_panics() -> Vec<(String, String)> {
    PANICS
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default()
}

/// The system allocator, noting the largest single allocation.
pub struct Tracking;

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST_ALLOC.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST_ALLOC.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST_ALLOC.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// One kind of failure: where it happened, with the first case that hit it.
struct Seen {
    first_index: u64,
    first_seed: u64,
    detail: String,
    count: u64,
}

/// The cases of one fuzz test and their failures, grouped by site.
pub struct Run {
    name: &'static str,
    config: Config,
    /// Cases run in rounds of this many, each depending on the ones before
    /// it in its round (1: every case stands alone).
    round: u64,
    index: u64,
    started: Instant,
    cases: u64,
    failures: BTreeMap<String, Seen>,
    /// How the cases ended (an OK, a status code), to show what they reach.
    outcomes: BTreeMap<String, u64>,
    pub deadline: Duration,
}

impl Run {
    pub fn new(name: &'static str, config: Config, round: u64) -> Run {
        install();
        take_panics();
        println!(
            "fuzz {name}: {} cases from seed {:#018x}{}",
            config.cases().end - config.cases().start,
            config.seed,
            config
                .replay
                .map(|s| format!(", replaying {s:#018x}"))
                .unwrap_or_default()
        );
        Run {
            name,
            config,
            round: round.max(1),
            index: 0,
            started: Instant::now(),
            cases: 0,
            failures: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            deadline: Duration::from_secs(30),
        }
    }

    /// Marks the start of case `index`: an abort from here on names it.
    pub fn begin(&mut self, index: u64, seed: u64) {
        self.index = index;
        let from = index - index % self.round;
        for (slot, value) in CURRENT.iter().zip([seed, self.config.seed, from, index]) {
            slot.store(value, Ordering::Relaxed);
        }
        LARGEST_ALLOC.store(0, Ordering::Relaxed);
        if std::env::var_os("QDRANT_FUZZ_VERBOSE").is_some() {
            eprintln!("fuzz {}: case {} seed {seed:#018x}", self.name, self.cases);
        }
    }

    /// Records the end of a case; `label` says what it did (an RPC name),
    /// `hung` whether it missed its deadline.
    pub fn end(&mut self, seed: u64, label: &str, hung: bool) {
        self.cases += 1;
        for (site, message) in take_panics() {
            self.record(format!("panic at {site}"), seed, format!("{label}: {message}"));
        }
        let largest = LARGEST_ALLOC.swap(0, Ordering::Relaxed);
        if largest >= HUGE_ALLOC {
            self.record(format!("allocation of {largest} bytes"), seed, label.to_owned());
        }
        if hung {
            self.record(
                format!("no answer within {:?}", self.deadline),
                seed,
                label.to_owned(),
            );
        }
    }

    /// Records a failure found by the caller.
    pub fn record(&mut self, kind: String, seed: u64, detail: String) {
        self.failures
            .entry(kind)
            .and_modify(|s| s.count += 1)
            .or_insert(Seen {
                first_index: self.index,
                first_seed: seed,
                detail,
                count: 1,
            });
    }

    /// Counts how a case ended.
    pub fn outcome(&mut self, outcome: impl Into<String>) {
        *self.outcomes.entry(outcome.into()).or_default() += 1;
    }

    /// Prints the summary and fails the test if anything went wrong.
    pub fn finish(self) {
        let secs = self.started.elapsed().as_secs_f64();
        println!(
            "fuzz {}: {} cases in {secs:.1} s ({:.0} cases/s), {} distinct failures",
            self.name,
            self.cases,
            self.cases as f64 / secs.max(1e-9),
            self.failures.len()
        );
        let outcomes: Vec<String> = self.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
        println!("  outcomes: {}", outcomes.join(", "));
        for (kind, seen) in &self.failures {
            println!(
                "  {kind} ({} cases), first: {}; replay it alone with QDRANT_FUZZ_REPLAY={:#018x}",
                seen.count, seen.detail, seen.first_seed
            );
            if self.round > 1 && self.config.replay.is_none() {
                println!(
                    "    or with its round: QDRANT_FUZZ_SEED={:#x} QDRANT_FUZZ_FROM={} QDRANT_FUZZ_CASES={}",
                    self.config.seed,
                    seen.first_index - seen.first_index % self.round,
                    seen.first_index + 1
                );
            }
        }
        assert!(
            self.failures.is_empty(),
            "fuzz {}: {} distinct failures (see above)",
            self.name,
            self.failures.len()
        );
    }
}
