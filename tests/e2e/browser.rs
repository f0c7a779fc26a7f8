//! Rendering checks in headless Chromium (Debian's `chromium` package).
//! `.ci/run` installs it and sets PKIMM_REQUIRE_CHROMIUM=1; elsewhere the
//! check is skipped with a message when no browser is installed.

use std::path::Path;
use std::process::Command;

pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Opens `page` headless: the DOM must contain `element_id` and the page
/// script must have run; the console must show no error; a screenshot must be
/// written.
pub fn assert_renders(page: &Path, element_id: &str) {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("PKIMM_REQUIRE_CHROMIUM").is_none(),
            "PKIMM_REQUIRE_CHROMIUM is set but no chromium is installed"
        );
        eprintln!(
            "chromium not installed; skipping the rendering check of {}",
            page.display()
        );
        return;
    };
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let profile = tempfile::tempdir().unwrap();
    let common = |cmd: &mut Command| {
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    };
    let mut dump = Command::new(browser);
    common(&mut dump);
    let out = dump
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        dom.contains(&format!("id=\"{element_id}\"")),
        "no #{element_id} in the DOM:\n{log}"
    );
    assert!(
        dom.contains("class=\"rendered\""),
        "the page script did not run:\n{log}"
    );
    let console_errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Error") || l.contains("Uncaught")))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:#?}"
    );

    let shot = profile.path().join("page.png");
    let mut screenshot = Command::new(browser);
    common(&mut screenshot);
    let status = screenshot
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2400")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}
