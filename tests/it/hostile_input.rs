//! Inputs built to hurt: documents with tens of thousands of findings, lines
//! of megabytes, endless and non-regular inputs. Each test recreates the
//! condition with a generated input and asserts the behaviour, never a time.

use ppob_contract::contract::DocKind;
use ppob_contract::report::{HumanReport, Reporter};
use ppob_contract::validate::{Engine, EngineOptions, Input};

use crate::support::fixtures;

/// The seed inquiry answer on one line with `extra` undocumented members
/// appended (`"x00000":0,…`): 11 bytes with the comma, and one drift finding each.
fn answer_with_unknown_members(extra: usize) -> (String, usize) {
    let seed = std::fs::read_to_string(fixtures().join("inquiry.response.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&seed).unwrap();
    let compact = value.to_string();
    let members: Vec<String> = (0..extra).map(|i| format!("\"x{i:05}\":0")).collect();
    let head = compact.len() - 1; // where the closing brace was
    (
        format!("{},{}}}", &compact[..head], members.join(",")),
        head + 1,
    )
}

/// 64 000 findings: the first `MAX_FINDINGS_IN_FULL` are placed one by one,
/// the rest counted under their rule and pointer prefix in one summary.
#[test]
fn a_document_with_64_000_findings_lists_the_first_ones_and_counts_the_rest() {
    let (doc, first_member) = answer_with_unknown_members(64_000);
    assert!((600_000..800_000).contains(&doc.len()), "{}", doc.len());
    let engine = Engine::new(EngineOptions::default());
    let report = engine.check(Input {
        source: "big.inquiry.response.json",
        bytes: doc.as_bytes(),
        kind: Some(DocKind::InquiryResponse),
        first_line: 1,
    });
    let full = ppob_contract::contract::cost::MAX_FINDINGS_IN_FULL;
    assert_eq!(report.findings.len(), full + 1);
    let (listed, summary) = report.findings.split_at(full);
    assert_eq!(summary[0].rule, "drift");
    assert_eq!(summary[0].pointer, "");
    assert!(
        summary[0].message.contains(&format!(
            "{} more findings of this rule in the document",
            64_000 - full
        )),
        "{:?}",
        summary[0]
    );
    // Each unknown member is 10 bytes plus a comma, all on line 1 (ASCII):
    // finding i points at the opening quote of "x<i>".
    for (i, f) in listed.iter().enumerate() {
        assert_eq!(f.rule, "drift");
        assert_eq!(f.pointer, format!("/x{i:05}"));
        let offset = first_member + i * 11;
        assert_eq!((f.line, f.column), (1, offset as u64 + 1), "{}", f.pointer);
        assert_eq!(&doc[offset..offset + 8], format!("\"x{i:05}\""));
    }
}

/// 5 000 bill lines of two schema violations each, within the explain
/// budget: the first findings in full, the rest counted under
/// `/data/customerDetails`, and the document judged invalid.
#[test]
fn violations_past_the_cap_are_counted_per_rule_and_pointer_prefix() {
    let seed = std::fs::read_to_string(fixtures().join("payment.response.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&seed).unwrap();
    value["data"]["customerDetails"] =
        serde_json::Value::Array(vec![serde_json::json!({"key": 1, "value": 2}); 5_000]);
    let doc = serde_json::to_string_pretty(&value).unwrap();
    let engine = Engine::new(EngineOptions::default());
    let report = engine.check(Input {
        source: "lines.payment.response.json",
        bytes: doc.as_bytes(),
        kind: Some(DocKind::PaymentResponse),
        first_line: 1,
    });
    let full = ppob_contract::contract::cost::MAX_FINDINGS_IN_FULL;
    assert!(!report.valid);
    assert_eq!(
        report.findings.len(),
        full + 1,
        "{:?}",
        report.findings.last()
    );
    let summary = &report.findings[full];
    assert_eq!(
        (summary.rule.as_str(), summary.pointer.as_str()),
        ("schema", "/data/customerDetails")
    );
    assert!(
        summary.message.contains(&format!(
            "{} more findings of this rule at or below /data/customerDetails",
            10_000 - full
        )),
        "{}",
        summary.message
    );
    // Placed at the array, like any finding at that pointer.
    let line = doc
        .lines()
        .position(|l| l.contains("\"customerDetails\""))
        .unwrap();
    assert_eq!(summary.line, line as u64 + 1);
}

/// One report rendered by the human reporter, as a string.
fn human(report: &ppob_contract::contract::DocumentReport, bytes: &[u8]) -> String {
    let mut human = HumanReport::new(Vec::new(), false);
    human.document(report, bytes, 1).unwrap();
    let styled = String::from_utf8(human.into_inner()).unwrap();
    // Drop the colour codes (`ESC [ … m`) so that columns can be compared.
    let mut plain = String::new();
    let mut rest = styled.as_str();
    while let Some(i) = rest.find('\x1b') {
        plain.push_str(&rest[..i]);
        rest = &rest[i..];
        rest = &rest[rest.find('m').map_or(rest.len(), |m| m + 1)..];
    }
    plain.push_str(rest);
    plain
}

#[test]
fn human_output_shows_a_bounded_number_of_findings_and_counts_the_rest() {
    let (doc, _) = answer_with_unknown_members(64_000);
    let engine = Engine::new(EngineOptions::default());
    let report = engine.check(Input {
        source: "big.inquiry.response.json",
        bytes: doc.as_bytes(),
        kind: Some(DocKind::InquiryResponse),
        first_line: 1,
    });
    let out = human(&report, doc.as_bytes());
    let shown = out.matches("warning[drift]").count();
    assert_eq!(shown, ppob_contract::report::MAX_FINDINGS_SHOWN);
    let rest = ppob_contract::contract::cost::MAX_FINDINGS_IN_FULL + 1 - shown;
    assert!(
        out.contains(&format!(
            "… and {rest} more findings in big.inquiry.response.json"
        )),
        "{}",
        &out[out.len().saturating_sub(400)..]
    );
    // Each source excerpt is a window, not the 700 KB line.
    assert!(out.lines().all(|l| l.chars().count() < 200));
    // The 100th finding's excerpt still has its caret under its key.
    let last = out.lines().rev().find(|l| l.contains('^')).unwrap();
    let excerpt = out.lines().rev().find(|l| l.contains("x00099")).unwrap();
    let caret = last.chars().position(|c| c == '^').unwrap();
    assert_eq!(
        excerpt.chars().skip(caret).take(8).collect::<String>(),
        "\"x00099\""
    );
}

#[test]
fn one_finding_on_a_very_long_line_shows_a_window_of_it() {
    // A 20 MB string value where a number belongs: the excerpt stays small.
    let long = "7".repeat(20 << 20);
    let doc = format!("{{\"partnerId\": \"p\", \"refNumber\": \"{long}\", \"x\": 1}}");
    let engine = Engine::new(EngineOptions::default());
    let report = engine.check(Input {
        source: "long.status.request.json",
        bytes: doc.as_bytes(),
        kind: Some(DocKind::StatusRequest),
        first_line: 1,
    });
    let drift = report.findings.iter().find(|f| f.rule == "drift").unwrap();
    assert_eq!(drift.column, (doc.len() - 6) as u64);
    let out = human(&report, doc.as_bytes());
    assert!(out.len() < 2_000, "{} bytes", out.len());
    assert!(out.contains("…7777"), "{out}");
    assert!(out.contains("\"x\": 1}"), "{out}");
}

#[test]
fn too_many_jobs_is_a_usage_error() {
    let out = crate::support::run(&["validate", "-j", "5000", "fixtures/mobile-postpaid"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("at most 1024 worker threads"),
        "{}",
        out.stderr
    );
}

/// Runs `ppob-contract ARGS` (shell words, redirections allowed) from the
/// repository root under an address-space cap of `kib` KiB (`ulimit -v`).
#[cfg(target_os = "linux")]
fn run_under_memory_cap(kib: u64, args: &str) -> crate::support::Run {
    let script = format!(
        "ulimit -v {kib} && exec '{}' {args}",
        env!("CARGO_BIN_EXE_ppob-contract")
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    crate::support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Under an address-space cap the worker threads cannot all start: the
/// error says so instead of blaming the report. (Workers start only for a
/// batch with work for more than one thread, so the input has 1 000 lines.)
#[cfg(target_os = "linux")]
#[test]
fn workers_that_cannot_start_are_named_as_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let lines = "{\"partnerId\": \"p\", \"refNumber\": \"r\"}\n".repeat(1_000);
    let file = dir.path().join("many.status.request.ndjson");
    std::fs::write(&file, lines).unwrap();
    let out = run_under_memory_cap(
        600_000,
        &format!("validate -q -j 1024 '{}'", file.display()),
    );
    let stderr = out.stderr;
    assert_eq!(out.code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot start 1024 worker threads"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot write the report"), "{stderr}");
}

#[test]
fn a_long_single_line_document_on_stdin_is_read_whole() {
    // 8 MB on one line through stdin: framing is sniffed in one pass.
    let doc = format!(
        "{{\"partnerId\": \"p\", \"refNumber\": \"{}\"}}",
        "r".repeat(8 << 20)
    );
    let out = crate::support::run_with_stdin(
        &["validate", "--kind", "status.request", "-"],
        doc.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", &out.stdout[..out.stdout.len().min(500)]);
    assert!(out.stdout.contains("1 document, 1 valid"), "{}", out.stdout);
}

/// `/dev/zero` as a file, as stdin and as NDJSON cannot be JSON from its
/// first byte: each is read no further than 64 KiB and ends as an input
/// error naming it (exit 2). An endless input that could be JSON (`[[[[…`)
/// stops at the document cap. All under a 2 GB address-space cap that an
/// unbounded read would hit first.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_input_stops_at_the_document_cap() {
    for (args, named, says) in [
        (
            "validate /dev/zero",
            "/dev/zero",
            "not valid JSON: expected value",
        ),
        (
            "validate --ndjson /dev/zero",
            "/dev/zero",
            "line 1 cannot be JSON (it begins with byte 0x00) and has no line end in its first 64 KiB",
        ),
        (
            "validate - < /dev/zero",
            "-",
            "not valid JSON: expected value",
        ),
        (
            "validate --ndjson - < /dev/zero",
            "-",
            "line 1 cannot be JSON (it begins with byte 0x00)",
        ),
    ] {
        let out = run_under_memory_cap(2_000_000, args);
        let text = format!("{}{}", out.stdout, out.stderr);
        assert_eq!(out.code, 2, "{args}: {text}");
        assert!(text.contains(says), "{args}: {text}");
        assert!(text.contains(&format!("{named}:1:1")), "{args}: {text}");
    }
    for (args, says) in [
        ("validate /dev/stdin", "the input is larger than 64 MiB"),
        ("validate -", "its first line is larger than 64 MiB"),
        ("validate --ndjson -", "line 1 is larger than 64 MiB"),
    ] {
        let script = format!(
            "ulimit -v 2000000 && tr '\\000' '[' < /dev/zero | '{}' {args}",
            env!("CARGO_BIN_EXE_ppob-contract")
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args}: {text}");
        assert!(text.contains(says), "{args}: {text}");
    }
}

/// A FIFO (and a socket) named `*.json` inside a directory would block the
/// walk forever if read: it is left out, and stderr names it, while stdout
/// stays one JSON report of the documents that were read.
#[cfg(unix)]
#[test]
fn special_files_in_a_directory_are_left_out_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.status.request.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let socket = dir.path().join("sock.json");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::fs::copy(
        fixtures().join("status.request.json"),
        dir.path().join("a.status.request.json"),
    )
    .unwrap();
    let out = crate::support::run(&["validate", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["documents"], 1, "{}", out.stdout);
    for (path, what) in [(&fifo, "a FIFO (named pipe)"), (&socket, "a socket")] {
        let note = format!(
            "ppob-contract: note: left out {}: it is {what}",
            path.display()
        );
        assert!(out.stderr.contains(&note), "no {note:?} in\n{}", out.stderr);
    }
}
