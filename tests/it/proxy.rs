//! `ppob-contract proxy` between a small hand-built client (reqwest, its
//! own HS256 TOKENs: not ppob-contract's check) and the simulator served on
//! loopback: a correct conversation gives no finding; each broken client
//! behaviour and each simulator bug gives its finding with the right rule
//! id in the live output and in every report format.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use ppob_contract::sim::{Bug, RunningServer, SimConfig, Simulator};
use ppob_contract::transport::auth::Credentials;
use ppob_contract::transport::clock::SystemClock;

const INQUIRY: &str = "/api/v2/bill/check";
const PAYMENT: &str = "/api/v2/bill/payment";
const STATUS: &str = "/api/v2/bill/status";

/// The simulator on loopback, settling fast.
pub(crate) fn mock(bugs: Vec<Bug>) -> RunningServer {
    let config = SimConfig {
        settle_after: Duration::from_millis(100),
        hang_for: Duration::from_millis(300),
        bugs,
        ..SimConfig::default()
    };
    let sim = Arc::new(Simulator::new(config, Arc::new(SystemClock::new())));
    ppob_contract::sim::start(sim, SocketAddr::from(([127, 0, 0, 1], 0))).unwrap()
}

/// The partner's application: signs its own TOKENs (HS256 by hand).
pub(crate) struct Client {
    base: String,
    http: reqwest::blocking::Client,
    pub(crate) key: String,
    pub(crate) secret: String,
}

/// An answer as the client sees it.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) findings: String,
    pub(crate) body: Value,
}

pub(crate) fn hs256(payload: &Value, secret: &str) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

impl Client {
    pub(crate) fn new(base: &str) -> Self {
        let demo = Credentials::simulator_demo();
        Self {
            base: base.to_owned(),
            http: reqwest::blocking::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            key: demo.key().to_owned(),
            secret: demo.secret().to_owned(),
        }
    }

    /// POSTs `payload` signed into TOKEN, the body empty (token-only).
    pub(crate) fn call(&self, path: &str, payload: Value) -> Answer {
        let token = hs256(&payload, &self.secret);
        self.send(path, &token, Vec::new())
    }

    pub(crate) fn send(&self, path: &str, token: &str, body: Vec<u8>) -> Answer {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("KEY", &self.key)
            .header("TOKEN", token)
            .header("VERSION", "2.0")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let findings = response
            .headers()
            .get("ppob-contract-findings")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response.bytes().unwrap();
        Answer {
            status,
            findings,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub(crate) fn inquire(&self, account: &str) -> Answer {
        self.call(
            INQUIRY,
            json!({"partnerId": self.key, "accountNumber": account, "productCode": "product-code"}),
        )
    }

    /// Pays what `inquiry` answered, with `reference`.
    pub(crate) fn pay(&self, inquiry: &Answer, reference: &str) -> Answer {
        let data = &inquiry.body["data"];
        self.call(
            PAYMENT,
            json!({"partnerId": self.key, "refNumber": reference, "accountNumber": data["accountNumber"],
                   "productCode": data["productCode"], "amount": data["amount"], "inquiryId": data["inquiryId"]}),
        )
    }

    /// Asks status until it is final (at most 2 s).
    pub(crate) fn settle(&self, reference: &str) -> Answer {
        for _ in 0..40 {
            let answer = self.call(
                STATUS,
                json!({"partnerId": self.key, "refNumber": reference}),
            );
            let code = answer.body["responseCode"].as_i64().unwrap_or(-1);
            if !(200..300).contains(&code) {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{reference} never settled");
    }
}

/// A running `ppob-contract proxy`, with every report format written.
pub(crate) struct Session {
    child: Child,
    pub(crate) url: String,
    dir: Option<tempfile::TempDir>,
    /// Reads the proxy's stderr to its end (so it never blocks on it).
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        // A test that failed before `stop` leaves no proxy behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a stopped session wrote.
pub(crate) struct Written {
    pub(crate) status: i32,
    pub(crate) live: String,
    pub(crate) json: Value,
    pub(crate) junit: String,
    pub(crate) sarif: String,
    pub(crate) github: String,
    pub(crate) human: String,
    pub(crate) ctrf: Value,
    pub(crate) html: String,
    /// What the proxy said on stderr (notices).
    pub(crate) stderr: String,
    /// The session's directory (reports, a recording).
    pub(crate) dir: tempfile::TempDir,
}

fn report_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

impl Session {
    pub(crate) fn start(upstream: &str, flags: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let spec = |format: &str, name: &str| {
            format!("{format}={}", report_path(dir.path(), name).display())
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
            .args(["proxy", "--upstream", upstream, "--listen", "127.0.0.1:0"])
            .args([
                "--report",
                &spec("json", "report.json"),
                "--report",
                &spec("junit", "junit.xml"),
                "--report",
                &spec("sarif", "report.sarif"),
                "--report",
                &spec("github", "github.txt"),
                "--report",
                &spec("human", "human.txt"),
                "--report",
                &spec("html", "report.html"),
                "--report",
                &spec("ctrf", "report.ctrf.json"),
            ])
            // `{dir}` in a flag is the session's directory.
            .args(
                flags
                    .iter()
                    .map(|f| f.replace("{dir}", &dir.path().display().to_string())),
            )
            .env_remove("PPOB_API_KEY")
            .env_remove("PPOB_API_SECRET")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut url = None;
        let mut head = String::new();
        for _ in 0..5 {
            let mut line = String::new();
            stderr.read_line(&mut line).unwrap();
            head.push_str(&line);
            if let Some(rest) = line.strip_prefix("listening on ") {
                url = rest.split(',').next().map(str::to_owned);
                break;
            }
        }
        // Keep draining stderr so the proxy never blocks on it.
        let drain = std::thread::spawn(move || {
            let _ = stderr.read_to_string(&mut head);
            head
        });
        Self {
            child,
            url: url.expect("the proxy names its address"),
            dir: Some(dir),
            stderr: Some(drain),
        }
    }

    pub(crate) fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// SIGTERM, then everything it wrote.
    pub(crate) fn stop(mut self) -> Written {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let mut live = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut live)
            .unwrap();
        let status = self.child.wait().unwrap().code().unwrap_or(-1);
        let stderr = self
            .stderr
            .take()
            .map(|drain| drain.join().unwrap_or_default())
            .unwrap_or_default();
        let dir = self.dir.take().unwrap();
        let read = |name: &str| std::fs::read_to_string(report_path(dir.path(), name)).unwrap();
        Written {
            status,
            live,
            json: serde_json::from_str(&read("report.json")).unwrap(),
            junit: read("junit.xml"),
            sarif: read("report.sarif"),
            github: read("github.txt"),
            human: read("human.txt"),
            ctrf: serde_json::from_str(&read("report.ctrf.json")).unwrap(),
            html: read("report.html"),
            stderr,
            dir,
        }
    }
}

impl Written {
    /// `(rule, side)` of every finding in the JSON report.
    pub(crate) fn findings(&self) -> Vec<(String, String)> {
        self.json["documents"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|doc| {
                let side = doc["step"]["side"].as_str().unwrap_or("").to_owned();
                doc["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |f| (f["rule"].as_str().unwrap().to_owned(), side.clone()))
            })
            .collect()
    }

    /// Asserts `rule` was found on `side`, and shows in every format.
    pub(crate) fn assert_found(&self, rule: &str, side: &str) {
        let findings = self.findings();
        assert!(
            findings.iter().any(|(r, s)| r == rule && s == side),
            "{rule} on the {side} not in {findings:?}\n{}",
            self.live
        );
        let marked = format!("[{rule}]");
        assert!(
            self.live.contains(&marked),
            "live output lacks {rule}:\n{}",
            self.live
        );
        assert!(self.human.contains(&marked), "human report lacks {rule}");
        assert!(self.junit.contains(rule), "JUnit lacks {rule}");
        assert!(
            self.sarif.contains(&format!("\"ruleId\": \"{rule}\""))
                || self.sarif.contains(&format!("\"ruleId\":\"{rule}\"")),
            "SARIF lacks {rule}"
        );
        assert!(self.github.contains(rule), "GitHub annotations lack {rule}");
        let ctrf_traces: Vec<&str> = self.ctrf["results"]["tests"]
            .as_array()
            .expect("CTRF has results.tests")
            .iter()
            .filter_map(|t| t["trace"].as_str())
            .collect();
        assert!(
            ctrf_traces.iter().any(|m| m.contains(&marked)),
            "CTRF lacks {rule}: {ctrf_traces:?}"
        );
        assert!(
            self.html.contains(&format!("data-rule=\"{rule}\"")),
            "HTML report lacks {rule}"
        );
        let errors = self.json["summary"]["errors"].as_u64().unwrap();
        assert_eq!(
            self.status,
            i32::from(errors > 0),
            "exit 1 exactly when an error was found"
        );
        assert_eq!(self.json["command"], "proxy");
    }
}

#[test]
fn a_correct_conversation_gives_no_finding_and_keeps_the_bytes() {
    let upstream = mock(Vec::new());
    let base = format!("http://{}", upstream.local_addr());
    let session = Session::start(&base, &[], &[]);
    let client = session.client();
    let inquiry = client.inquire("0811111111");
    assert_eq!((inquiry.status, inquiry.findings.as_str()), (200, "0"));
    let direct = Client::new(&base).inquire("0811111111");
    assert_eq!(
        inquiry.body["data"]["amount"], direct.body["data"]["amount"],
        "the same answer as without the proxy"
    );
    let paid = client.pay(&inquiry, "PROXYOK0001");
    assert_eq!(paid.findings, "0", "{}", paid.body);
    let settled = client.settle("PROXYOK0001");
    assert_eq!(settled.body["responseCode"], 0);
    assert_eq!(settled.findings, "0");
    let written = session.stop();
    assert_eq!(
        written.findings(),
        Vec::<(String, String)>::new(),
        "{}",
        written.live
    );
    assert_eq!(written.status, 0, "{}", written.live);
    assert!(written.live.contains("contract holds"), "{}", written.live);
    let documents = written.json["documents"].as_array().unwrap();
    assert!(documents.len() >= 6, "three exchanges, both sides each");
    assert!(
        documents.iter().all(|d| d["step"]["case"]
            .as_str()
            .unwrap()
            .starts_with("c1 0811111111")),
        "one conversation, joined by inquiryId and refNumber"
    );
    for text in [
        &written.live,
        &written.human,
        &written.junit,
        &written.sarif,
        &written.github,
        &written.html,
        &written.ctrf.to_string(),
    ] {
        assert!(
            !text.contains(&client.secret) && !text.contains("eyJ"),
            "no secret or TOKEN"
        );
    }
}

#[test]
fn a_wrong_token_is_found_on_the_request_and_the_refusal_on_the_answer() {
    let upstream = mock(Vec::new());
    let demo = Credentials::simulator_demo();
    let session = Session::start(
        &format!("http://{}", upstream.local_addr()),
        &[],
        &[
            ("PPOB_API_KEY", demo.key()),
            ("PPOB_API_SECRET", demo.secret()),
        ],
    );
    let mut client = session.client();
    client.secret = "not-the-partners-secret".into();
    let answer = client.inquire("0811111111");
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(
        answer.findings.contains("proxy.token"),
        "{}",
        answer.findings
    );
    let written = session.stop();
    written.assert_found("proxy.token", "request");
    written.assert_found("proxy.auth-refused", "response");
    // The HTML page (in Chromium where installed: no console error, no request, the JSON
    // report's counts) and CTRF (against its schema) of a proxy session.
    let ctrf = crate::html_report::valid_ctrf(written.dir.path());
    assert!(
        ctrf["results"]["summary"]["failed"].as_u64() > Some(0),
        "{ctrf}"
    );
    crate::html_report::valid_html(
        written.dir.path(),
        &written.json,
        &["not-the-partners-secret", "eyJ"],
    );
}

#[test]
fn paying_another_inquirys_amount_is_found_on_the_payment_request() {
    let upstream = mock(Vec::new());
    let session = Session::start(&format!("http://{}", upstream.local_addr()), &[], &[]);
    let client = session.client();
    let first = client.inquire("0811111111");
    let second = client.inquire("0811111112");
    let mut mixed = first.body.clone();
    mixed["data"]["amount"] = second.body["data"]["amount"].clone();
    let paid = client.pay(
        &Answer {
            status: 200,
            findings: String::new(),
            body: mixed,
        },
        "PROXYAMT0001",
    );
    assert!(
        paid.findings.contains("flow.payment-matches-inquiry"),
        "{}",
        paid.findings
    );
    let written = session.stop();
    written.assert_found("flow.payment-matches-inquiry", "request");
}

#[test]
fn a_ref_number_reused_for_another_bill_is_found() {
    let upstream = mock(Vec::new());
    let session = Session::start(&format!("http://{}", upstream.local_addr()), &[], &[]);
    let client = session.client();
    let first = client.inquire("0811111111");
    client.pay(&first, "PROXYREF0001");
    let second = client.inquire("0811111112");
    let reused = client.pay(&second, "PROXYREF0001");
    assert!(
        reused.findings.contains("proxy.ref-number-reused"),
        "{}",
        reused.findings
    );
    let written = session.stop();
    written.assert_found("proxy.ref-number-reused", "request");
}

#[test]
fn paying_again_with_a_new_ref_number_after_a_timeout_is_the_key_finding() {
    let upstream = mock(Vec::new());
    let session = Session::start(&format!("http://{}", upstream.local_addr()), &[], &[]);
    let client = session.client();
    let inquiry = client.inquire("0811111120");
    let timed_out = client.pay(&inquiry, "PROXYTMO0001");
    assert_eq!(
        timed_out.status, 502,
        "no answer from the upstream: {}",
        timed_out.body
    );
    let again = client.pay(&inquiry, "PROXYTMO0002");
    assert!(
        again.findings.contains("proxy.repaid-after-timeout"),
        "{}",
        again.findings
    );
    let written = session.stop();
    written.assert_found("flow.unusable-answer", "response");
    written.assert_found("proxy.repaid-after-timeout", "request");
}

#[test]
fn a_misspelled_field_breaks_the_request_schema() {
    let upstream = mock(Vec::new());
    let session = Session::start(&format!("http://{}", upstream.local_addr()), &[], &[]);
    let client = session.client();
    let answer = client.call(
        INQUIRY,
        json!({"partnerId": client.key, "acountNumber": "0811111111", "productCode": "product-code"}),
    );
    assert!(answer.findings.contains("schema"), "{}", answer.findings);
    let written = session.stop();
    written.assert_found("schema", "request");
    // The unknown field is a near miss of the missing one, and says so.
    written.assert_found("drift.near-miss", "request");
    assert!(
        written.live.contains(
            "\"acountNumber\": the contract does not document it (did you mean \"accountNumber\"?)"
        ),
        "{}",
        written.live
    );
}

/// Starts the simulator with `bug` switched on and the proxy in front of it.
fn bugged(bug: Bug) -> (RunningServer, Session) {
    let upstream = mock(vec![bug]);
    let session = Session::start(&format!("http://{}", upstream.local_addr()), &[], &[]);
    (upstream, session)
}

/// Pays `inquiry`'s bill with the amount -1.
fn pay_negative(client: &Client, inquiry: &Answer, reference: &str) -> Answer {
    let mut negative = inquiry.body.clone();
    negative["data"]["amount"] = json!(-1);
    client.pay(
        &Answer {
            status: 200,
            findings: String::new(),
            body: negative,
        },
        reference,
    )
}

/// Every bug switch of the simulator, driven through the proxy by the
/// small client: the match has no wildcard, so a new switch does not
/// compile until it is driven here (or, for a callback bug, in
/// `proxy_callbacks`).
#[test]
fn each_simulator_bug_gives_its_finding() {
    for bug in Bug::ALL {
        match bug {
            Bug::DropInquiryId => {
                // The inquiry answer lacks data.inquiryId.
                let (_upstream, session) = bugged(bug);
                session.client().inquire("0811111111");
                session.stop().assert_found("schema", "response");
            }
            Bug::Malformed200 => {
                // A non-ASCII account is answered HTTP 200 with a non-JSON body.
                let (_upstream, session) = bugged(bug);
                session.client().inquire("08111111é1");
                session
                    .stop()
                    .assert_found("flow.unusable-answer", "response");
            }
            Bug::DoubleCharge => {
                // A retry with the same refNumber is a new transaction.
                let (_upstream, session) = bugged(bug);
                let client = session.client();
                let inquiry = client.inquire("0811111111");
                client.pay(&inquiry, "PROXYDBL0001");
                client.pay(&inquiry, "PROXYDBL0001");
                session
                    .stop()
                    .assert_found("flow.transaction-id-stable", "response");
            }
            Bug::AcceptNegativeAmount => {
                // A negative amount is accepted instead of refused.
                let (_upstream, session) = bugged(bug);
                let client = session.client();
                let inquiry = client.inquire("0811111111");
                let answer = pay_negative(&client, &inquiry, "PROXYNEG0001");
                let written = session.stop();
                written.assert_found("schema", "request");
                assert!(answer.status == 200, "{}", answer.body);
                assert!(
                    answer.findings.contains("proxy.invalid-accepted"),
                    "{}",
                    answer.findings
                );
                written.assert_found("flow.payment-matches-inquiry", "request");
                written.assert_found("proxy.invalid-accepted", "response");
            }
            // Through --callbacks: proxy_callbacks::each_callback_bug_switch_gives_its_finding.
            Bug::CallbackContradictsStatus | Bug::CallbackTwice | Bug::NoCallback => {
                assert!(bug.is_callback());
            }
        }
    }
}

#[test]
fn without_the_bug_a_negative_amount_is_refused_and_only_the_request_flagged() {
    let upstream = mock(Vec::new());
    let session = Session::start(&format!("http://{}", upstream.local_addr()), &[], &[]);
    let client = session.client();
    let inquiry = client.inquire("0811111111");
    let refused = pay_negative(&client, &inquiry, "PROXYNEG0002");
    assert_eq!(refused.body["success"], false, "{}", refused.body);
    let written = session.stop();
    written.assert_found("schema", "request");
    assert!(
        !written
            .findings()
            .iter()
            .any(|(rule, _)| rule == "proxy.invalid-accepted"),
        "{:?}",
        written.findings()
    );
}

/// `(case or conversation, operation, side, rule)` of every finding of a JSON report but `skip`'s.
fn findings_by_step(report: &Value, skip: &[&str]) -> Vec<(String, String, String, String)> {
    let mut found: Vec<_> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|doc| {
            let step = &doc["step"];
            doc["findings"].as_array().unwrap().iter().map(move |f| {
                (
                    step["case"].as_str().unwrap_or("").to_owned(),
                    step["operation"].as_str().unwrap_or("").to_owned(),
                    step["side"].as_str().unwrap_or("").to_owned(),
                    f["rule"].as_str().unwrap().to_owned(),
                )
            })
        })
        .filter(|(_, _, _, rule)| !skip.iter().any(|s| rule.starts_with(s)))
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_recording_replays_with_check_to_the_same_findings() {
    let upstream = mock(Vec::new());
    let session = Session::start(
        &format!("http://{}", upstream.local_addr()),
        &["--record", "{dir}/session"],
        &[],
    );
    let client = session.client();
    let inquiry = client.inquire("0811111111");
    client.pay(&inquiry, "PROXYREC0001");
    client.settle("PROXYREC0001");
    let other = client.inquire("0811111112");
    let mut wrong = other.body.clone();
    wrong["data"]["amount"] = json!(other.body["data"]["amount"].as_i64().unwrap() + 1);
    client.pay(
        &Answer {
            status: 200,
            findings: String::new(),
            body: wrong,
        },
        "PROXYREC0002",
    );
    let written = session.stop();
    let dir = written.dir.path().join("session");
    let cassettes: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(cassettes.len(), 2, "one cassette per conversation");

    let replayed = crate::support::run(&[
        "check",
        "--replay",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&replayed.stdout).unwrap();
    assert!(
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["met"] == true),
        "each conversation ends as it did: {}",
        report["cases"]
    );
    let proxy = findings_by_step(&written.json, &["proxy."]);
    let check = findings_by_step(&report, &["flow.expectation"]);
    assert!(
        proxy.iter().any(|(_, op, side, rule)| op == "payment"
            && side == "request"
            && rule == "flow.payment-matches-inquiry"),
        "{proxy:?}"
    );
    assert_eq!(check, proxy, "the replay finds what the proxy found");
    assert_eq!(replayed.code, written.status, "{}", replayed.stderr);
}
