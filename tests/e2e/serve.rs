//! `pkimm serve`: the assessor's workspace, driven in real headless Chromium
//! over the DevTools protocol. Sign in, confirm, override (refused without a
//! justification), not applicable, reload, the audit trail, two browsers on
//! one requirement, viewers and unauthenticated requests refused, a form
//! without its CSRF token refused, hostile subjects rendered as text, and an
//! edit from `pkimm confirm` noticed while the server runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::cdp::{Browser, Tab};
use crate::support::pkimm;

/// The requirement the demo pre-fills with a suggestion.
const SUGGESTED: &str = "M.certificate-management.cert-lifecycle";
/// Requirements without suggestions, for the other decisions.
const NOT_APPLICABLE: &str = "R.awareness.pki-disclosure";
const CONTESTED: &str = "G.strategy-and-vision.architecture";
const OUTSIDE: &str = "O.resilience.business-continuity";

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A temporary directory with `pkimm demo`'s output in `demo/`, and the
/// demo's standard output.
fn demo() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let run = pkimm(["demo", "-o", p(&demo)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (dir, demo, run.stdout)
}

fn add_user(users: &Path, name: &str, role: &str, password: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args([
            "serve",
            "--users",
            p(users),
            "--add-user",
            name,
            "--role",
            role,
        ])
        .env("PKIMM_PASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(password));
}

fn start(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    Server { child, url }
}

fn entry(assessment: &Path, id: &str) -> Value {
    let a: Value = serde_json::from_str(&std::fs::read_to_string(assessment).unwrap()).unwrap();
    a["requirements"][id].clone()
}

fn audit(assessment: &Path) -> Vec<Value> {
    let a: Value = serde_json::from_str(&std::fs::read_to_string(assessment).unwrap()).unwrap();
    a["audit"].as_array().cloned().unwrap_or_default()
}

fn sign_in(browser: &mut Browser, tab: &Tab, url: &str, user: &str, password: &str) {
    browser.goto(tab, &format!("{url}/login"));
    browser.eval_and_wait(
        tab,
        &format!(
            "document.getElementById('user').value = {user:?};
             document.getElementById('password').value = {password:?};
             document.getElementById('sign-in').click();"
        ),
    );
}

/// Fills the decision form of the page open in `tab` and submits it with
/// `form.submit()`, which skips the browser's own required-field checks,
/// so that the server's are what is tested.
fn decide(
    browser: &mut Browser,
    tab: &Tab,
    action: &str,
    level: Option<u8>,
    justification: &str,
    reason: &str,
) {
    let level = level.map_or(String::new(), |l| {
        format!("document.getElementById('level').disabled = false; document.getElementById('level').value = '{l}';")
    });
    browser.eval_and_wait(
        tab,
        &format!(
            "document.querySelector('input[name=action][value={action}]').checked = true;
             {level}
             document.getElementById('justification').value = {justification:?};
             document.getElementById('reason').value = {reason:?};
             document.getElementById('decide').submit();"
        ),
    );
}

/// POSTs `body` to `path` from the page open in `tab` (its cookies, if
/// any), returning the HTTP status.
fn post_status(browser: &mut Browser, tab: &Tab, path: &str, body: &str) -> u64 {
    browser
        .eval(
            tab,
            &format!(
                "fetch({path:?}, {{method: 'POST', headers: {{'Content-Type': 'application/x-www-form-urlencoded'}}, body: {body:?}}}).then(r => r.status)"
            ),
        )
        .as_u64()
        .unwrap()
}

/// A self-signed certificate whose subject is markup, collected into a bundle.
fn hostile_bundle(dir: &Path) -> (PathBuf, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["xss.example.test".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "<script>window.pwned=1</script>");
    let cert = params.self_signed(&key).unwrap();
    let pem = dir.join("hostile.pem");
    std::fs::write(&pem, cert.pem()).unwrap();
    let bundle = dir.join("hostile.json");
    let run = pkimm(["collect", "files", p(&pem), "-o", p(&bundle)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let fingerprint = json["certificates"][0]["fingerprint_sha256"]
        .as_str()
        .unwrap()
        .to_string();
    (bundle, fingerprint)
}

#[test]
fn assessors_decide_in_the_browser_and_nothing_is_lost() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let (dir, demo, stdout) = demo();
    assert!(
        stdout.contains("pkimm serve --assessment"),
        "the demo names the serve command: {stdout}"
    );
    let assessment = demo.join("assessment.json");
    let (hostile, hostile_fp) = hostile_bundle(dir.path());
    let users = dir.path().join("users.yaml");
    add_user(&users, "ada", "assessor", "ada's long password");
    add_user(&users, "ben", "assessor", "ben's long password");
    add_user(&users, "vic", "viewer", "vic's long password");
    let users_text = std::fs::read_to_string(&users).unwrap();
    assert!(
        !users_text.contains("long password"),
        "passwords are hashed"
    );
    let server = start(&[
        "--assessment",
        p(&assessment),
        "--evidence",
        p(&demo.join("evidence.json")),
        "--evidence",
        p(&hostile),
        "--users",
        p(&users),
    ]);
    let url = server.url.clone();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("workspace-screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    // Pages need an account: a stranger is sent to sign in.
    let ada = browser.new_tab();
    browser.goto(&ada, &format!("{url}/"));
    assert!(browser.eval(&ada, "location.pathname").as_str() == Some("/login"));
    // A wrong password is refused.
    sign_in(&mut browser, &ada, &url, "ada", "not the password");
    assert!(browser
        .text(&ada, "login-error")
        .unwrap()
        .contains("wrong user name or password"));
    sign_in(&mut browser, &ada, &url, "ada", "ada's long password");
    assert!(
        browser.text(&ada, "assessed-overall").is_some(),
        "the overview after sign-in"
    );
    assert!(browser.text(&ada, "prefilled-overall").is_some());
    assert!(browser
        .eval(&ada, "document.getElementById('chart') !== null")
        .as_bool()
        .unwrap());
    // The session cookie is not readable by scripts.
    assert_eq!(browser.eval(&ada, "document.cookie").as_str(), Some(""));
    browser.screenshot(&ada, &shots.join("overview.png"));

    // Confirm a suggestion.
    browser.goto(&ada, &format!("{url}/requirement/{SUGGESTED}"));
    let suggestion = browser.text(&ada, "suggestion").unwrap();
    assert!(suggestion.contains("Level 1"), "{suggestion}");
    assert!(browser.text(&ada, "cap").is_some(), "the cap is explained");
    assert!(
        browser
            .text(&ada, "guidance")
            .is_some_and(|g| g.len() > 100),
        "the official guidance is shown"
    );
    assert!(browser
        .text(&ada, "criteria")
        .unwrap()
        .contains("evidenced"));
    browser.screenshot(&ada, &shots.join("requirement.png"));
    decide(&mut browser, &ada, "accept", None, "", "");
    assert!(browser.text(&ada, "saved").is_some(), "saved");
    let saved = entry(&assessment, SUGGESTED);
    assert_eq!(saved["status"], "confirmed");
    assert_eq!(saved["level"], 1);
    assert_eq!(saved["assessor"], "ada");

    // An override without a justification is refused, and changes nothing.
    decide(&mut browser, &ada, "level", Some(3), "", "");
    let error = browser.text(&ada, "error").expect("refused");
    assert!(error.contains("justification"), "{error}");
    assert_eq!(entry(&assessment, SUGGESTED)["level"], 1);
    // With one, it is saved as an override.
    decide(
        &mut browser,
        &ada,
        "level",
        Some(3),
        "runbook RB-7 reviewed on site",
        "",
    );
    assert!(browser.text(&ada, "saved").is_some());
    let saved = entry(&assessment, SUGGESTED);
    assert_eq!(saved["status"], "overridden");
    assert_eq!(saved["level"], 3);
    assert_eq!(saved["justification"], "runbook RB-7 reviewed on site");

    // Not applicable needs a reason; with one it is kept.
    browser.goto(&ada, &format!("{url}/requirement/{NOT_APPLICABLE}"));
    decide(&mut browser, &ada, "not_applicable", None, "", "");
    assert!(browser.text(&ada, "error").unwrap().contains("reason"));
    decide(
        &mut browser,
        &ada,
        "not_applicable",
        None,
        "",
        "capacity is the hosting provider's",
    );
    // Reload: the decision is what the file holds.
    browser.goto(&ada, &format!("{url}/requirement/{NOT_APPLICABLE}"));
    assert!(browser
        .text(&ada, "current-decision")
        .unwrap()
        .contains("not applicable"));
    assert_eq!(
        browser.text(&ada, "current-reason").as_deref(),
        Some("capacity is the hosting provider's")
    );
    let saved = entry(&assessment, NOT_APPLICABLE);
    assert_eq!(saved["status"], "not_applicable");
    assert_eq!(saved["reason"], "capacity is the hosting provider's");

    // A documented criterion: met needs the document; with it, it is kept.
    browser.goto(&ada, &format!("{url}/requirement/{SUGGESTED}"));
    let criterion = |justification: &str| {
        format!(
            "const form = document.querySelector('input[name=criterion][value=c1]').form;
             form.querySelector('input[name=justification]').value = {justification:?};
             form.querySelector('button[value=met]').click();"
        )
    };
    browser.eval_and_wait(&ada, &criterion(""));
    assert!(browser
        .text(&ada, "error")
        .unwrap()
        .contains("justification"));
    browser.eval_and_wait(
        &ada,
        &criterion("Certificate policy v3, approved 2026-10-01"),
    );
    assert!(browser.text(&ada, "saved").is_some());
    assert!(browser
        .text(&ada, "criterion-c1")
        .unwrap()
        .contains("met (ada)"));
    let saved = entry(&assessment, SUGGESTED);
    assert_eq!(saved["criteria"]["c1"]["met"], true);
    assert_eq!(
        saved["level"], 3,
        "a criterion decision leaves the level alone"
    );

    // Every field has a label; the form is reachable from the keyboard.
    let unlabelled = browser.eval(
        &ada,
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0).map(e => e.outerHTML)",
    );
    assert_eq!(unlabelled, serde_json::json!([]), "fields without labels");
    let focusable = browser.eval(
        &ada,
        "(() => { const b = document.getElementById('save'); b.focus(); return document.activeElement === b; })()",
    );
    assert_eq!(focusable, true);

    // The audit trail shows each step, in the file and on the page.
    let trail = audit(&assessment);
    let steps: Vec<(String, String)> = trail
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (SUGGESTED.to_string(), "confirmed at level 1".to_string()),
            (SUGGESTED.to_string(), "overridden at level 3".to_string()),
            (NOT_APPLICABLE.to_string(), "not applicable".to_string()),
            (format!("{SUGGESTED}#c1"), "met".to_string()),
        ]
    );
    assert!(trail
        .iter()
        .all(|e| e["who"] == "ada" && e["via"] == "pkimm serve"));
    assert_eq!(trail[1]["previous"], "confirmed at level 1");
    browser.goto(&ada, &format!("{url}/requirement/{SUGGESTED}"));
    let page_trail = browser.text(&ada, "trail").unwrap();
    assert!(
        page_trail.contains("overridden at level 3") && page_trail.contains("runbook RB-7"),
        "{page_trail}"
    );

    // Two browsers on one requirement: the second save is refused with both
    // values shown, and the first stays.
    let ben = browser.new_tab();
    sign_in(&mut browser, &ben, &url, "ben", "ben's long password");
    browser.goto(&ada, &format!("{url}/requirement/{CONTESTED}"));
    browser.goto(&ben, &format!("{url}/requirement/{CONTESTED}"));
    decide(
        &mut browser,
        &ada,
        "level",
        Some(2),
        "policy framework v4 approved",
        "",
    );
    assert!(browser.text(&ada, "saved").is_some());
    decide(
        &mut browser,
        &ben,
        "level",
        Some(4),
        "ben's view of the policy",
        "",
    );
    let theirs = browser
        .text(&ben, "conflict-theirs")
        .expect("conflict shown");
    let yours = browser.text(&ben, "conflict-yours").unwrap();
    assert!(
        theirs.contains("level 2") && theirs.contains("ada"),
        "{theirs}"
    );
    assert!(
        yours.contains("level 4") && yours.contains("ben's view"),
        "{yours}"
    );
    assert_eq!(
        browser
            .eval(&ben, "document.getElementById('justification').value")
            .as_str(),
        Some("ben's view of the policy"),
        "the refused input is kept in the form"
    );
    let saved = entry(&assessment, CONTESTED);
    assert_eq!(saved["level"], 2);
    assert_eq!(saved["assessor"], "ada");
    // Ben decides again on the new version: now it is saved.
    decide(
        &mut browser,
        &ben,
        "level",
        Some(4),
        "ben's view of the policy",
        "",
    );
    assert!(browser.text(&ben, "saved").is_some());
    assert_eq!(entry(&assessment, CONTESTED)["level"], 4);
    assert_eq!(audit(&assessment).len(), 6);

    // Refused: a viewer, a stranger, and a form without its CSRF token.
    let before = std::fs::read_to_string(&assessment).unwrap();
    let vic = browser.new_tab();
    sign_in(&mut browser, &vic, &url, "vic", "vic's long password");
    browser.goto(&vic, &format!("{url}/requirement/{SUGGESTED}"));
    assert!(browser
        .eval(&vic, "document.getElementById('decide') === null")
        .as_bool()
        .unwrap());
    let vic_csrf = browser.eval(&vic, "document.querySelector('input[name=csrf]').value");
    let body = format!(
        "csrf={}&version=x&action=pending",
        vic_csrf.as_str().unwrap()
    );
    assert_eq!(
        post_status(
            &mut browser,
            &vic,
            &format!("/requirement/{SUGGESTED}/decide"),
            &body
        ),
        403
    );
    let stranger = browser.new_tab();
    browser.goto(&stranger, &format!("{url}/login"));
    assert_eq!(
        post_status(
            &mut browser,
            &stranger,
            &format!("/requirement/{SUGGESTED}/decide"),
            "action=pending&version=x"
        ),
        403
    );
    browser.goto(&ada, &format!("{url}/requirement/{SUGGESTED}"));
    let version = browser.eval(&ada, "document.querySelector('input[name=version]').value");
    let body = format!("version={}&action=pending", version.as_str().unwrap());
    assert_eq!(
        post_status(
            &mut browser,
            &ada,
            &format!("/requirement/{SUGGESTED}/decide"),
            &body
        ),
        403
    );
    assert_eq!(
        std::fs::read_to_string(&assessment).unwrap(),
        before,
        "nothing changed"
    );

    // A subject made of markup is text, never markup.
    browser.goto(&ada, &format!("{url}/record/certificate/{hostile_fp}"));
    assert!(browser
        .text(&ada, "record")
        .unwrap()
        .contains("<script>window.pwned=1</script>"));
    assert!(browser
        .eval(&ada, "window.pwned === undefined")
        .as_bool()
        .unwrap());
    browser.goto(
        &ada,
        &format!("{url}/requirement/M.certificate-management.cert-inventory"),
    );
    assert!(browser
        .eval(&ada, "window.pwned === undefined")
        .as_bool()
        .unwrap());

    // An edit from the command line while the server runs is noticed.
    let run = pkimm([
        "confirm",
        p(&assessment),
        OUTSIDE,
        "--level",
        "2",
        "--justification",
        "restore test of 2026-11-30",
        "--assessor",
        "carla",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    browser.goto(&ada, &format!("{url}/requirement/{OUTSIDE}"));
    assert!(browser
        .text(&ada, "current-decision")
        .unwrap()
        .contains("carla"));
    assert!(browser
        .eval(&ada, "document.querySelector('.notice') !== null")
        .as_bool()
        .unwrap());
    let last = audit(&assessment).last().cloned().unwrap();
    assert_eq!(last["via"], "pkimm confirm");
    assert_eq!(last["who"], "carla");

    // A stale marker (written by pkimm assess when new evidence moves a
    // suggestion) is shown with its reason; back to pending clears it.
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&assessment).unwrap()).unwrap();
    file["requirements"][OUTSIDE]["stale"] =
        serde_json::json!("the suggestion moved from 2 to 1 on new evidence");
    std::fs::write(&assessment, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    browser.goto(&ada, &format!("{url}/requirement/{OUTSIDE}"));
    assert!(browser
        .text(&ada, "stale")
        .unwrap()
        .contains("moved from 2 to 1"));
    decide(&mut browser, &ada, "pending", None, "", "");
    assert!(browser.text(&ada, "saved").is_some());
    let saved = entry(&assessment, OUTSIDE);
    assert!(
        saved.get("stale").is_none() && saved.get("level").is_none(),
        "{saved}"
    );
    assert!(browser
        .text(&ada, "current-decision")
        .unwrap()
        .contains("pending"));

    // A download of every report format.
    for format in [
        "html",
        "json",
        "markdown",
        "csv",
        "oscal",
        "cbom",
        "credential",
        "manifest",
    ] {
        let status = browser
            .eval(
                &ada,
                &format!("fetch('/download/{format}').then(r => r.status)"),
            )
            .as_u64()
            .unwrap();
        assert_eq!(status, 200, "{format}");
    }
    for tab in [&ada, &ben, &vic] {
        let errors = browser.console_errors(tab);
        assert!(errors.is_empty(), "console errors: {errors:#?}");
    }
    assert!(std::fs::metadata(shots.join("overview.png")).unwrap().len() > 10_000);
    eprintln!("screenshots in {}", shots.display());
}

#[test]
fn serve_refuses_a_network_listen_without_tls_and_a_missing_users_file() {
    let (dir, demo, _) = demo();
    let assessment = demo.join("assessment.json");
    let run = pkimm(["serve", "--assessment", p(&assessment)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--add-user"), "{}", run.stderr);
    let users = dir.path().join("users.yaml");
    add_user(&users, "ada", "assessor", "ada's long password");
    let run = pkimm([
        "serve",
        "--assessment",
        p(&assessment),
        "--users",
        p(&users),
        "--listen",
        "0.0.0.0:0",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("without TLS"), "{}", run.stderr);
    let short = Command::new(env!("CARGO_BIN_EXE_pkimm"))
        .args([
            "serve",
            "--users",
            p(&users),
            "--add-user",
            "bob",
            "--role",
            "viewer",
        ])
        .env("PKIMM_PASSWORD", "short")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
}

#[test]
fn under_tls_the_session_cookie_is_secure() {
    let Some(mut browser) = Browser::launch_with(&["--ignore-certificate-errors"]) else {
        return;
    };
    let (dir, demo, _) = demo();
    let users = dir.path().join("users.yaml");
    add_user(&users, "ada", "assessor", "ada's long password");
    let pki = crate::servers::TestPki::new();
    let server = start(&[
        "--assessment",
        p(&demo.join("assessment.json")),
        "--users",
        p(&users),
        "--tls-cert",
        p(&pki.path("ec.pem")),
        "--tls-key",
        p(&pki.path("ec.key")),
    ]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let tab = browser.new_tab();
    sign_in(
        &mut browser,
        &tab,
        &server.url,
        "ada",
        "ada's long password",
    );
    assert!(browser.text(&tab, "assessed-overall").is_some());
    let cookies = browser.call(Some(&tab), "Network.getCookies", serde_json::json!({}));
    let session = cookies["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pkimm_session")
        .cloned()
        .expect("session cookie");
    assert_eq!(session["secure"], true);
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Strict");
}
