//! `cargo xtask bench validate`: how fast `ppob-contract validate` checks a
//! large NDJSON corpus, next to what plain serde parsing of the same bytes
//! costs and, side by side in the same run, its peers ([`super::peers`]):
//! Ajv 2020 on the corpus, check-jsonschema on one file as a whole process.
//!
//! The corpus is generated deterministically (fixed seed) under
//! `target/bench/` and reused between runs. The references are measured in
//! this process on one thread, each the best of [`RUNS`]. The tool is run as
//! a child process, on one thread and on all cores, in [`ROUNDS`] rounds
//! interleaved with Ajv's, each row keeping its best round. This is a
//! benchmark, never part of `cargo test`.

use std::fmt::Write as _;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ppob_contract::model::InquiryResponse;

use super::peers;
use super::{
    RUNS, best_of, build_release, parse_count_option, release_binary, rerun_optimized, target_dir,
};

/// Documents in the corpus unless `--docs N` says otherwise.
const DEFAULT_DOCS: usize = 200_000;
/// Seed of the corpus generator; changing it changes every corpus.
const SEED: u64 = 0x5EED_B111_2022_0907;
/// One document in this many is broken.
const BROKEN_ONE_IN: u64 = 10;
/// Throughput of `validate --jobs 1` relative to the typed parse we aim for.
const TARGET_RATIO: f64 = 0.9;
/// `validate --jobs 1` docs/s over Ajv's on one thread, aimed for.
const TARGET_VS_AJV_ONE: f64 = 1.5;
/// `validate` on all cores docs/s over Ajv's on one thread, aimed for.
const TARGET_VS_AJV_ALL: f64 = 2.5;
/// check-jsonschema's whole-process time on one file over ours, aimed for.
const TARGET_VS_CHECK_JSONSCHEMA: f64 = 80.0;
/// The file of the one-file comparison.
const ONE_FILE: &str = "fixtures/mobile-postpaid/inquiry.response.json";

const USAGE: &str = "usage: cargo xtask bench validate [--docs N]

  --docs N   documents in the generated corpus (default 200000)";

/// Runs the validate benchmark: generate (or reuse) the corpus, build the
/// release binary, measure the references and the tool, print the table.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let Some(options) = Options::parse(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    if cfg!(debug_assertions) {
        return rerun_optimized(root, "validate", args);
    }
    let target = target_dir(root);
    let corpus_path = ensure_corpus(&target, options.docs)?;
    build_release(root)?;
    let corpus = Corpus::load(&corpus_path, options.docs)?;
    let plan = Plan::of(options.docs);
    let references = measure_references(&corpus);
    let binary = release_binary(root, "ppob-contract");
    let ajv_modules = peers::install_ajv(root, &target);
    let (tool, ajv) = measure_rounds(
        root,
        &binary,
        &corpus_path,
        plan.expected_exit(),
        ajv_modules,
    );
    let peers = measure_peers(root, &target, &binary, ajv);
    print_report(&options, &corpus, &plan, &references, &tool);
    print_peers(&corpus, &tool, &peers);
    tool.into_result()
}

/// The peers' measurements; a peer that could not run says why.
struct Peers {
    ajv: Result<peers::AjvRun>,
    one_file: Result<OneFile>,
}

/// One file as a whole process: median wall times.
struct OneFile {
    ours: Duration,
    check_jsonschema: Duration,
}

/// The one-file comparison with check-jsonschema; Ajv was measured with the tool.
fn measure_peers(root: &Path, target: &Path, binary: &Path, ajv: Result<peers::AjvRun>) -> Peers {
    println!("bench: measuring check-jsonschema on one file");
    let file = root.join(ONE_FILE);
    let one_file = peers::install_check_jsonschema(root, target).and_then(|exe| {
        let ours = peers::median_process(
            || {
                let mut command = Command::new(binary);
                command
                    .args(["validate", "-q"])
                    .arg(&file)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped());
                command
            },
            0,
        )?;
        let check_jsonschema =
            peers::median_process(|| peers::check_jsonschema_command(&exe, root, &file), 0)?;
        Ok(OneFile {
            ours,
            check_jsonschema,
        })
    });
    Peers { ajv, one_file }
}

/// Ajv's row and the ratios the project aims for, side by side.
fn print_peers(corpus: &Corpus, tool: &ToolRows, peers: &Peers) {
    println!();
    let verdict = |ratio: f64, target: f64| if ratio >= target { "meets" } else { "BELOW" };
    match &peers.ajv {
        Ok(ajv) => {
            let ajv_rate = corpus.docs() as f64 / ajv.best.as_secs_f64();
            println!(
                "Ajv 2020 (Node, 1 thread, in memory): {:.3} s, {ajv_rate:.0} docs/s, {} invalid",
                ajv.best.as_secs_f64(),
                ajv.invalid
            );
            for (label, run, target) in [
                ("validate --jobs 1", &tool.one_thread, TARGET_VS_AJV_ONE),
                ("validate, all cores", &tool.all_cores, TARGET_VS_AJV_ALL),
            ] {
                if let Ok(run) = run {
                    let ratio = ajv.best.as_secs_f64() / run.elapsed.as_secs_f64();
                    println!(
                        "{label} / Ajv docs/s: {ratio:.2} ({} the target of {target})",
                        verdict(ratio, target)
                    );
                }
            }
        }
        Err(e) => println!("Ajv: skipped ({e:#})"),
    }
    match &peers.one_file {
        Ok(one) => {
            let ratio = one.check_jsonschema.as_secs_f64() / one.ours.as_secs_f64();
            println!(
                "one file ({ONE_FILE}), whole process, median of 7: validate {:.1} ms, check-jsonschema {:.1} ms: {ratio:.0}x ({} the target of {TARGET_VS_CHECK_JSONSCHEMA}x)",
                one.ours.as_secs_f64() * 1000.0,
                one.check_jsonschema.as_secs_f64() * 1000.0,
                verdict(ratio, TARGET_VS_CHECK_JSONSCHEMA)
            );
        }
        Err(e) => println!("check-jsonschema: skipped ({e:#})"),
    }
}

// ---------------------------------------------------------------------------
// Options

/// Command-line options of the benchmark.
struct Options {
    /// Documents in the corpus.
    docs: usize,
}

impl Options {
    /// Parses `[--docs N]`; `None` when help was asked for.
    fn parse(args: &[&str]) -> Result<Option<Self>> {
        let docs = parse_count_option(args, "--docs", DEFAULT_DOCS, USAGE)?;
        Ok(docs.map(|docs| Self { docs }))
    }

    /// The command that reproduces this run.
    fn command(&self) -> String {
        if self.docs == DEFAULT_DOCS {
            "cargo xtask bench validate".to_owned()
        } else {
            format!("cargo xtask bench validate --docs {}", self.docs)
        }
    }
}

// ---------------------------------------------------------------------------
// Corpus generation

/// xorshift64: small, fast and deterministic; plenty for test data.
struct XorShift(u64);

impl XorShift {
    /// The generator of document `index`: every document has its own, so a
    /// document's content does not depend on the ones before it.
    fn for_doc(index: u64) -> Self {
        // splitmix64 of the index spreads neighbouring seeds apart.
        let mut z = SEED.wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// One of `items`.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

/// The ways a generated document is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Breakage {
    /// `"amount": "3607"`.
    AmountAsString,
    /// `data.inquiryId` left out.
    MissingInquiryId,
    /// `success: false` with the inquiry-ok code 300.
    FailureOnOkCode,
    /// `amount` is not the sum of the bill lines.
    AmountNotBillSum,
    /// An undocumented field in `data`.
    UnknownField,
    /// The line is cut off in the middle.
    Truncated,
}

impl Breakage {
    const ALL: [Self; 6] = [
        Self::AmountAsString,
        Self::MissingInquiryId,
        Self::FailureOnOkCode,
        Self::AmountNotBillSum,
        Self::UnknownField,
        Self::Truncated,
    ];

    /// Short label for the report.
    fn label(self) -> &'static str {
        match self {
            Self::AmountAsString => "amount as string",
            Self::MissingInquiryId => "missing inquiryId",
            Self::FailureOnOkCode => "success:false on 300",
            Self::AmountNotBillSum => "amount != bill sum",
            Self::UnknownField => "unknown field",
            Self::Truncated => "truncated line",
        }
    }

    /// Whether the typed model rejects a document broken this way.
    fn fails_typed_parse(self) -> bool {
        !matches!(self, Self::FailureOnOkCode | Self::AmountNotBillSum)
    }

    /// Whether the document is no longer JSON at all.
    fn fails_json_parse(self) -> bool {
        self == Self::Truncated
    }

    /// Draws whether (and how) a document is broken; the first draw of its generator.
    fn draw(rng: &mut XorShift) -> Option<Self> {
        let broken = rng.one_in(BROKEN_ONE_IN);
        let kind = *rng.pick(&Self::ALL);
        broken.then_some(kind)
    }

    /// The breakage of document `index`, without generating it.
    fn of_doc(index: u64) -> Option<Self> {
        Self::draw(&mut XorShift::for_doc(index))
    }
}

/// How many documents of a corpus are broken, by kind; known without
/// reading the corpus because every document has its own generator.
struct Plan {
    counts: [usize; Breakage::ALL.len()],
}

impl Plan {
    /// The plan of a corpus of `docs` documents.
    fn of(docs: usize) -> Self {
        let mut counts = [0; Breakage::ALL.len()];
        for index in 0..docs as u64 {
            if let Some(breakage) = Breakage::of_doc(index) {
                counts[breakage as usize] += 1;
            }
        }
        Self { counts }
    }

    /// Broken documents for which `pick` says true.
    fn count(&self, pick: impl Fn(Breakage) -> bool) -> usize {
        Breakage::ALL
            .into_iter()
            .zip(self.counts)
            .filter(|(b, _)| pick(*b))
            .map(|(_, n)| n)
            .sum()
    }

    /// The exit code `validate` must give, by its documented exit codes:
    /// 2 when a line is not JSON (an input error: the tool checks every other
    /// document and says how many lines were unreadable), else 1 when any
    /// document is broken, else 0.
    fn expected_exit(&self) -> i32 {
        if self.count(Breakage::fails_json_parse) > 0 {
            2
        } else if self.count(|_| true) > 0 {
            1
        } else {
            0
        }
    }
}

/// The values of one generated inquiry response, in the seed's shape.
struct Inquiry {
    success: bool,
    inquiry_id: Option<u64>,
    account_number: String,
    customer_name: Option<String>,
    product: (&'static str, &'static str),
    amount: u64,
    amount_as_string: bool,
    admin: u64,
    paid_at: String,
    bills: Vec<u64>,
    unknown_field: bool,
}

const PRODUCTS: [(&str, &str); 5] = [
    ("partner-name", "partner-code"),
    ("Telkomsel Halo", "HALO"),
    ("XL Prioritas", "XLPRIO"),
    ("Indosat Matrix", "MATRIX"),
    ("Smartfren Postpaid", "SFPOST"),
];
const PREFIXES: [&str; 6] = ["0811", "0812", "0813", "0817", "0855", "0881"];
const ADMIN_FEES: [u64; 6] = [0, 0, 0, 1_500, 2_500, 3_000];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Inquiry {
    /// A valid inquiry response drawn from `rng`.
    fn draw(rng: &mut XorShift) -> Self {
        let account_number = format!("{}{:07}", rng.pick(&PREFIXES), rng.range(0, 9_999_999));
        let customer_name = (!rng.one_in(20)).then(|| masked_name(rng));
        let bills: Vec<u64> = (0..rng.range(1, 3))
            .map(|_| rng.range(1_000, 750_000))
            .collect();
        let admin = *rng.pick(&ADMIN_FEES);
        Self {
            success: true,
            inquiry_id: Some(rng.range(100_000_000, 999_999_999)),
            account_number,
            customer_name,
            product: *rng.pick(&PRODUCTS),
            amount: bills.iter().sum::<u64>() + admin,
            amount_as_string: false,
            admin,
            paid_at: timestamp(rng),
            bills,
            unknown_field: false,
        }
    }

    /// Breaks the values the way `breakage` says; truncation happens on the text.
    fn break_as(&mut self, breakage: Breakage, rng: &mut XorShift) {
        match breakage {
            Breakage::AmountAsString => self.amount_as_string = true,
            Breakage::MissingInquiryId => self.inquiry_id = None,
            Breakage::FailureOnOkCode => self.success = false,
            Breakage::AmountNotBillSum => self.amount += rng.range(1, 5_000),
            Breakage::UnknownField => self.unknown_field = true,
            Breakage::Truncated => {}
        }
    }

    /// Compact JSON in the seed's field order (which serde_json's sorted
    /// `json!` maps would not keep).
    fn render(&self, out: &mut String) {
        write!(
            out,
            r#"{{"responseCode":300,"success":{},"message":{{"ID":"Inkuiri berhasil","EN":"Inquiry is successful"}},"data":{{"#,
            self.success
        )
        .expect("writing to a String");
        if let Some(id) = self.inquiry_id {
            write!(out, r#""inquiryId":{id},"#).expect("writing to a String");
        }
        write!(out, r#""accountNumber":"{}","#, self.account_number).expect("writing to a String");
        if let Some(name) = &self.customer_name {
            write!(out, r#""customerName":"{name}","#).expect("writing to a String");
        }
        let amount = if self.amount_as_string {
            format!(r#""{}""#, self.amount)
        } else {
            self.amount.to_string()
        };
        write!(
            out,
            r#""productName":"{}","productCode":"{}","category":"Pascabayar","amount":{amount},"totalAdmin":{},"processingFee":0,"denom":"","validity":"","#,
            self.product.0, self.product.1, self.admin
        )
        .expect("writing to a String");
        self.render_customer_details(out);
        self.render_bill_details(out);
        out.push_str(r#","productDetails":[],"extraFields":[]"#);
        if self.unknown_field {
            out.push_str(r#","promoCode":"HEMAT10""#);
        }
        out.push_str("}}");
    }

    fn render_customer_details(&self, out: &mut String) {
        write!(
            out,
            r#""customerDetails":[{{"key":"Nomor Pelanggan","value":"{}"}},{{"key":"Tanggal & Waktu Pembayaran","value":"{}"}}"#,
            self.account_number, self.paid_at
        )
        .expect("writing to a String");
        if let Some(name) = &self.customer_name {
            write!(out, r#",{{"key":"Nama Pelanggan","value":"{name}"}}"#)
                .expect("writing to a String");
        }
        out.push(']');
    }

    fn render_bill_details(&self, out: &mut String) {
        out.push_str(r#","billDetails":["#);
        for (i, value) in self.bills.iter().enumerate() {
            let id = i + 1;
            let key = if self.bills.len() == 1 {
                "Jumlah Tagihan".to_owned()
            } else {
                format!("Tagihan Periode {id}")
            };
            write!(out, r#"{{"billId":"{id}","billInfo":[],"isMandatory":true,"key":"{key}","value":{value}}},"#)
                .expect("writing to a String");
        }
        write!(
            out,
            r#"{{"billId":"0","billInfo":[],"isMandatory":true,"key":"Biaya Administrasi","value":{}}}]"#,
            self.admin
        )
        .expect("writing to a String");
    }
}

/// A masked customer name like the seed's "RUSXXXXXXXNDI".
fn masked_name(rng: &mut XorShift) -> String {
    let mut letter = || char::from(b'A' + rng.range(0, 25) as u8);
    let head: String = (0..3).map(|_| letter()).collect();
    let tail: String = (0..3).map(|_| letter()).collect();
    let mask = "X".repeat(rng.range(3, 9) as usize);
    format!("{head}{mask}{tail}")
}

/// A time like the seed's "07 Sep 2022 | 17:47".
fn timestamp(rng: &mut XorShift) -> String {
    format!(
        "{:02} {} {} | {:02}:{:02}",
        rng.range(1, 28),
        rng.pick(&MONTHS),
        rng.range(2022, 2025),
        rng.range(0, 23),
        rng.range(0, 59)
    )
}

/// Document `index` of the corpus as one line of text, without the newline.
fn document(index: u64, out: &mut String) {
    let mut rng = XorShift::for_doc(index);
    let breakage = Breakage::draw(&mut rng);
    let mut inquiry = Inquiry::draw(&mut rng);
    if let Some(breakage) = breakage {
        inquiry.break_as(breakage, &mut rng);
    }
    let start = out.len();
    inquiry.render(out);
    if breakage == Some(Breakage::Truncated) {
        let len = (out.len() - start) as u64;
        out.truncate(start + rng.range(len / 4, len * 3 / 4) as usize);
    }
}

/// The corpus file for `docs` documents; its name announces the kind.
fn corpus_path(target: &Path, docs: usize) -> PathBuf {
    target
        .join("bench")
        .join(format!("corpus-{docs}.inquiry.response.ndjson"))
}

/// The corpus for `docs` documents, generated unless it already exists.
fn ensure_corpus(target: &Path, docs: usize) -> Result<PathBuf> {
    let path = corpus_path(target, docs);
    if path.exists() {
        println!("bench: reusing {}", path.display());
    } else {
        println!("bench: generating {} ({docs} documents)", path.display());
        write_corpus(&path, docs)?;
    }
    Ok(path)
}

/// Writes the corpus next to `path` and renames it into place, so that an
/// interrupted run never leaves a partial corpus to be reused.
fn write_corpus(path: &Path, docs: usize) -> Result<()> {
    let dir = path.parent().expect("corpus path has a folder");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = path.with_extension("partial");
    let mut file = BufWriter::new(
        File::create(&partial).with_context(|| format!("creating {}", partial.display()))?,
    );
    let mut line = String::with_capacity(2048);
    for index in 0..docs as u64 {
        line.clear();
        document(index, &mut line);
        line.push('\n');
        file.write_all(line.as_bytes())?;
    }
    file.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("renaming to {}", path.display()))
}

// ---------------------------------------------------------------------------
// Measuring

/// The corpus in memory: its bytes, and the line boundaries within them.
struct Corpus {
    bytes: Vec<u8>,
    lines: Vec<(usize, usize)>,
}

impl Corpus {
    /// Reads the corpus once and splits it into lines; checks the count.
    fn load(path: &Path, docs: usize) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let mut lines = Vec::with_capacity(docs);
        let mut start = 0;
        for (end, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'\n') {
            lines.push((start, end));
            start = end + 1;
        }
        if start < bytes.len() {
            lines.push((start, bytes.len()));
        }
        if lines.len() != docs {
            bail!(
                "{} has {} lines, not {docs}; delete it and run again",
                path.display(),
                lines.len()
            );
        }
        Ok(Self { bytes, lines })
    }

    /// Every document's bytes.
    fn lines(&self) -> impl Iterator<Item = &[u8]> {
        self.lines
            .iter()
            .map(|&(start, end)| &self.bytes[start..end])
    }

    fn docs(&self) -> usize {
        self.lines.len()
    }

    fn megabytes(&self) -> f64 {
        self.bytes.len() as f64 / 1e6
    }
}

/// One in-process reference measurement.
struct Reference {
    label: &'static str,
    best: Duration,
    /// Documents the parse rejected.
    errors: usize,
}

/// Runs `fails` on every line; returns on how many it said true.
fn count_failures(corpus: &Corpus, fails: impl Fn(&[u8]) -> bool) -> usize {
    corpus.lines().filter(|line| fails(line)).count()
}

/// Whether `line` is not a JSON value.
fn value_parse_fails(line: &[u8]) -> bool {
    black_box(serde_json::from_slice::<serde_json::Value>(black_box(line))).is_err()
}

/// Whether `line` is not an [`InquiryResponse`].
fn typed_parse_fails(line: &[u8]) -> bool {
    black_box(serde_json::from_slice::<InquiryResponse>(black_box(line))).is_err()
}

/// serde_json `Value` and typed parse of every line, one thread each.
fn measure_references(corpus: &Corpus) -> [Reference; 2] {
    println!("bench: measuring the serde references ({RUNS} runs each)");
    let (best, errors) = best_of(|| count_failures(corpus, value_parse_fails));
    let value = Reference {
        label: "serde_json Value parse, 1 thread",
        best,
        errors,
    };
    let (best, errors) = best_of(|| count_failures(corpus, typed_parse_fails));
    let typed = Reference {
        label: "typed serde parse, 1 thread",
        best,
        errors,
    };
    [value, typed]
}

/// One run of the tool that exited as expected.
struct ToolRun {
    elapsed: Duration,
    stdout: String,
}

/// The tool's measurements: one thread and all cores.
struct ToolRows {
    cores: usize,
    one_thread: Result<ToolRun>,
    all_cores: Result<ToolRun>,
}

impl ToolRows {
    /// Ok when both rows ran, else the first row's error.
    fn into_result(self) -> Result<()> {
        self.one_thread
            .context("validate --jobs 1")
            .and(self.all_cores.context("validate on all cores"))
            .map(drop)
    }
}

/// Rounds of the comparison with Ajv. A round runs `validate -q --jobs 1`,
/// `validate -q` on all cores and Ajv (a Node process looping twice over the
/// corpus, the first loop warming the JIT) one after the other, so that a
/// slow spell of a shared host falls on all three alike; each row keeps its
/// best round.
const ROUNDS: usize = 5;

/// The tool's two rows and Ajv's, measured in interleaved [`ROUNDS`]. A row
/// whose run fails keeps the first failure and is not run again.
fn measure_rounds(
    root: &Path,
    binary: &Path,
    corpus: &Path,
    expected_exit: i32,
    ajv_modules: Result<PathBuf>,
) -> (ToolRows, Result<peers::AjvRun>) {
    println!("bench: measuring ppob-contract validate and Ajv, {ROUNDS} interleaved rounds");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut one_thread: Result<Option<ToolRun>> = Ok(None);
    let mut all_cores: Result<Option<ToolRun>> = Ok(None);
    let mut ajv: Result<Option<peers::AjvRun>> = Ok(None);
    for _ in 0..ROUNDS {
        for (row, args) in [
            (&mut one_thread, &["validate", "-q", "--jobs", "1"][..]),
            (&mut all_cores, &["validate", "-q"][..]),
        ] {
            keep_best(
                row,
                || run_tool(binary, args, corpus, expected_exit),
                |r| r.elapsed,
            );
        }
        if let Ok(modules) = &ajv_modules {
            keep_best(
                &mut ajv,
                || peers::measure_ajv(root, modules, corpus, 2),
                |r| r.best,
            );
        }
    }
    let done = |row: Result<Option<ToolRun>>| row.and_then(|r| r.context("no round ran"));
    let rows = ToolRows {
        cores,
        one_thread: done(one_thread),
        all_cores: done(all_cores),
    };
    let ajv = ajv_modules.and(ajv).and_then(|r| r.context("no round ran"));
    (rows, ajv)
}

/// Runs `measure` unless `row` already failed; keeps the faster result, or the failure.
fn keep_best<T>(
    row: &mut Result<Option<T>>,
    measure: impl FnOnce() -> Result<T>,
    time: impl Fn(&T) -> Duration,
) {
    let Ok(best) = row else { return };
    match measure() {
        Ok(run) => {
            if best.as_ref().is_none_or(|b| time(&run) < time(b)) {
                *best = Some(run);
            }
        }
        Err(e) => *row = Err(e),
    }
}

/// Runs the tool once. It must exit with `expected_exit` (see
/// [`Plan::expected_exit`]); any other code, or a signal, is an error.
fn run_tool(binary: &Path, args: &[&str], corpus: &Path, expected_exit: i32) -> Result<ToolRun> {
    let shown = format!(
        "{} {} {}",
        binary.display(),
        args.join(" "),
        corpus.display()
    );
    let start = Instant::now();
    let output = Command::new(binary)
        .args(args)
        .arg(corpus)
        .stdin(Stdio::null())
        .output();
    let elapsed = start.elapsed();
    let output = output
        .context("cannot start it; did the release build run?")
        .and_then(|output| check_exit(&output, expected_exit).map(|()| output))
        .with_context(|| format!("`{shown}`"))?;
    Ok(ToolRun {
        elapsed,
        stdout: String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned(),
    })
}

/// Fails unless the tool exited with `expected_exit`; says why, with its stderr.
fn check_exit(output: &Output, expected_exit: i32) -> Result<()> {
    let code = output.status.code();
    if code == Some(expected_exit) {
        return Ok(());
    }
    let why = match code {
        Some(2) => format!("exit 2 (input error), expected exit {expected_exit}"),
        _ => format!("{}, expected exit {expected_exit}", output.status),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim_end();
    if stderr.is_empty() {
        bail!("{why}");
    }
    bail!("{why}: {stderr}")
}

// ---------------------------------------------------------------------------
// Reporting

/// Prints the corpus, the table, the ratio and how to reproduce.
fn print_report(
    options: &Options,
    corpus: &Corpus,
    plan: &Plan,
    references: &[Reference; 2],
    tool: &ToolRows,
) {
    println!();
    print_corpus(corpus, plan, references);
    print_tool_summary(tool);
    println!();
    print_table(corpus, references, tool);
    println!();
    print_ratio(&references[1], tool);
    println!("reproduce: {}", options.command());
}

/// Size of the corpus, how many of its documents are broken by kind, and
/// whether the references rejected the documents they should.
fn print_corpus(corpus: &Corpus, plan: &Plan, references: &[Reference; 2]) {
    println!(
        "corpus: {} documents, {:.1} MB ({} bytes)",
        corpus.docs(),
        corpus.megabytes(),
        corpus.bytes.len()
    );
    let by_kind: Vec<String> = Breakage::ALL
        .iter()
        .zip(plan.counts)
        .map(|(b, n)| format!("{} {n}", b.label()))
        .collect();
    println!("broken: {} ({})", plan.count(|_| true), by_kind.join(", "));
    let expected = [
        plan.count(Breakage::fails_json_parse),
        plan.count(Breakage::fails_typed_parse),
    ];
    for (reference, expected) in references.iter().zip(expected) {
        if reference.errors != expected {
            println!(
                "note: {} rejected {} documents, {expected} expected",
                reference.label, reference.errors
            );
        }
    }
}

/// The tool's one-line summary, once; a note if the two runs disagree.
fn print_tool_summary(tool: &ToolRows) {
    let (Ok(one), Ok(all)) = (&tool.one_thread, &tool.all_cores) else {
        return;
    };
    println!("validate says: {}", one.stdout);
    if one.stdout != all.stdout {
        println!("note: validate on all cores says otherwise: {}", all.stdout);
    }
}

/// The table: seconds, docs/s, MB/s and throughput relative to the typed parse.
fn print_table(corpus: &Corpus, references: &[Reference; 2], tool: &ToolRows) {
    let typed = references[1].best;
    println!(
        "{:<36} {:>9} {:>12} {:>9} {:>8} {:>8}",
        "", "seconds", "docs/s", "MB/s", "x typed", "errors"
    );
    for reference in references {
        print_row(
            corpus,
            reference.label,
            reference.best,
            typed,
            Some(reference.errors),
        );
    }
    let all_cores = format!("validate, all cores ({})", tool.cores);
    for (label, run) in [
        ("validate --jobs 1", &tool.one_thread),
        (all_cores.as_str(), &tool.all_cores),
    ] {
        match run {
            Ok(run) => print_row(corpus, label, run.elapsed, typed, None),
            Err(e) => println!("{label:<36} failed: {}", reason(e)),
        }
    }
}

fn print_row(
    corpus: &Corpus,
    label: &str,
    elapsed: Duration,
    typed: Duration,
    errors: Option<usize>,
) {
    let seconds = elapsed.as_secs_f64();
    let errors = errors.map_or_else(|| "-".to_owned(), |n| n.to_string());
    println!(
        "{label:<36} {seconds:>9.3} {:>12.0} {:>9.1} {:>8.2} {errors:>8}",
        corpus.docs() as f64 / seconds,
        corpus.megabytes() / seconds,
        typed.as_secs_f64() / seconds,
    );
}

/// The headline: `validate --jobs 1` throughput over the typed parse's.
fn print_ratio(typed: &Reference, tool: &ToolRows) {
    let Ok(one) = &tool.one_thread else {
        println!("validate --jobs 1 / typed parse: not measured (the tool did not run)");
        return;
    };
    let ratio = typed.best.as_secs_f64() / one.elapsed.as_secs_f64();
    let verdict = if ratio >= TARGET_RATIO {
        "meets"
    } else {
        "BELOW"
    };
    println!(
        "validate --jobs 1 / typed parse throughput: {ratio:.2} ({verdict} the target of {TARGET_RATIO})"
    );
}

/// Why a tool run failed, for a table cell: the error under the command
/// line, on one line.
fn reason(error: &anyhow::Error) -> String {
    let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
    causes
        .join(": ")
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
