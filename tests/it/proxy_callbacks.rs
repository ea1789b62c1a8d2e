//! `ppob-contract proxy --callbacks` between the simulator (the upstream,
//! which calls back) and a small partner listener: each callback is
//! forwarded to the partner with its body unchanged and judged, the
//! partner's answer too (a 500 is `proxy.callback-refused`), and each
//! callback bug switch of the simulator gives its finding in every format.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::proxy::{Client, Session, Written, mock};
use ppob_contract::sim::Bug;
use ppob_contract::transport::auth::Credentials;

/// The partner's own callback endpoint: keeps every body, answers each
/// with a fixed HTTP status.
struct Partner {
    addr: SocketAddr,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Partner {
    fn start(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(32) {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Some((head, raw)) = crate::hostile::read_request(&mut stream) else {
                    continue;
                };
                kept.lock().unwrap().push(raw[head.len()..].to_vec());
                let answer = format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { addr, bodies }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks/ppob?shop=7", self.addr)
    }

    /// The bodies received once there are `n` (at most 10 s).
    fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let bodies = self.bodies.lock().unwrap().clone();
            if bodies.len() >= n || Instant::now() > deadline {
                return bodies;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The proxy with `--callbacks` (and the demo partner's credentials) in front of `bugs`.
fn start_proxy(bugs: Vec<Bug>) -> (ppob_contract::sim::RunningServer, Session) {
    let upstream = mock(bugs);
    let demo = Credentials::simulator_demo();
    let session = Session::start(
        &format!("http://{}", upstream.local_addr()),
        &["--callbacks", "--callback-wait", "300ms"],
        &[
            ("PPOB_API_KEY", demo.key()),
            ("PPOB_API_SECRET", demo.secret()),
        ],
    );
    (upstream, session)
}

/// Pays `account`'s bill naming `callback` in callbackUrls.
fn pay_with_callback(client: &Client, account: &str, reference: &str, callback: &str) -> Value {
    let inquiry = client.inquire(account);
    let data = &inquiry.body["data"];
    let paid = client.call(
        "/api/v2/bill/payment",
        json!({"partnerId": client.key, "refNumber": reference, "accountNumber": data["accountNumber"],
               "productCode": data["productCode"], "amount": data["amount"], "inquiryId": data["inquiryId"],
               "callbackUrls": [callback]}),
    );
    assert_eq!(paid.status, 200, "{}", paid.body);
    paid.body
}

/// The callback documents of a session's JSON report.
fn callback_documents(written: &Written) -> Vec<Value> {
    written.json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["step"]["side"] == "callback")
        .cloned()
        .collect()
}

#[test]
fn a_callback_reaches_the_partner_unchanged_and_is_judged() {
    let partner = Partner::start(200);
    let (_upstream, session) = start_proxy(Vec::new());
    let client = session.client();
    pay_with_callback(&client, "0811111111", "PROXYCB00001", &partner.url());
    let bodies = partner.wait_for(1);
    assert_eq!(bodies.len(), 1, "one callback reached the partner");
    let settled = client.settle("PROXYCB00001");
    assert_eq!(settled.body["responseCode"], 0);
    let received: Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(
        received, settled.body,
        "the callback's body is the vendor's (a status answer's), unchanged"
    );
    let written = session.stop();
    assert_eq!(
        written.findings(),
        Vec::<(String, String)>::new(),
        "{}",
        written.live
    );
    assert_eq!(written.status, 0);
    let callbacks = callback_documents(&written);
    assert_eq!(callbacks.len(), 1, "{callbacks:?}");
    assert_eq!(callbacks[0]["step"]["case"], "c1 0811111111");
    assert_eq!(callbacks[0]["kind"], "callback");
    assert!(
        callbacks[0]["step"]["verdict"]
            .as_str()
            .unwrap()
            .contains("partner HTTP 200"),
        "{}",
        callbacks[0]
    );
}

#[test]
fn a_partner_answering_500_is_reported_and_the_upstream_told() {
    let partner = Partner::start(500);
    let (_upstream, session) = start_proxy(Vec::new());
    let client = session.client();
    pay_with_callback(&client, "0811111111", "PROXYCB00500", &partner.url());
    assert!(
        !partner.wait_for(1).is_empty(),
        "the callback was forwarded"
    );
    client.settle("PROXYCB00500");
    let written = session.stop();
    written.assert_found("proxy.callback-refused", "callback");
    assert_eq!(written.status, 1);
}

/// Every callback bug switch of the simulator through `--callbacks`; the
/// others are driven in `proxy::each_simulator_bug_gives_its_finding`. No
/// wildcard: a new switch does not compile until one of them drives it.
#[test]
fn each_callback_bug_switch_gives_its_finding() {
    for bug in Bug::ALL {
        match bug {
            Bug::CallbackContradictsStatus => {
                // The callback (here before status) says failed, status success.
                let partner = Partner::start(200);
                let (_upstream, session) = start_proxy(vec![bug]);
                let client = session.client();
                pay_with_callback(&client, "0811111111", "PROXYCBBUG01", &partner.url());
                partner.wait_for(1);
                client.settle("PROXYCBBUG01");
                session
                    .stop()
                    .assert_found("callback.matches-status", "response");
            }
            Bug::CallbackTwice => {
                // The second delivery of a callback answered 200.
                let partner = Partner::start(200);
                let (_upstream, session) = start_proxy(vec![bug]);
                let client = session.client();
                pay_with_callback(&client, "0811111111", "PROXYCBBUG02", &partner.url());
                assert_eq!(partner.wait_for(2).len(), 2);
                client.settle("PROXYCBBUG02");
                session
                    .stop()
                    .assert_found("callback.duplicate", "callback");
            }
            Bug::NoCallback => {
                // None by the end of --callback-wait after the final status.
                let partner = Partner::start(200);
                let (_upstream, session) = start_proxy(vec![bug]);
                let client = session.client();
                pay_with_callback(&client, "0811111111", "PROXYCBBUG03", &partner.url());
                client.settle("PROXYCBBUG03");
                std::thread::sleep(Duration::from_millis(600));
                assert!(partner.bodies.lock().unwrap().is_empty());
                session.stop().assert_found("callback.missing", "callback");
            }
            Bug::AcceptNegativeAmount
            | Bug::DoubleCharge
            | Bug::Malformed200
            | Bug::DropInquiryId => assert!(!bug.is_callback()),
        }
    }
}

#[test]
fn a_callback_url_elsewhere_is_left_as_sent_and_never_called() {
    let (_upstream, session) = start_proxy(Vec::new());
    let client = session.client();
    pay_with_callback(
        &client,
        "0811111111",
        "PROXYCBOUT01",
        "http://ppob.invalid/cb",
    );
    client.settle("PROXYCBOUT01");
    let written = session.stop();
    assert!(callback_documents(&written).is_empty());
    assert!(
        written.stderr.contains("left as sent"),
        "the proxy says so: {}",
        written.stderr
    );
}

#[test]
fn callbacks_without_the_partners_secret_refuse_to_start() {
    let run = crate::support::run(&[
        "proxy",
        "--upstream",
        "http://127.0.0.1:9",
        "--listen",
        "127.0.0.1:0",
        "--callbacks",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("PPOB_API_SECRET"), "{}", run.stderr);
}
