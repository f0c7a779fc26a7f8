//! A small Chrome DevTools Protocol client for driving Debian's headless
//! `chromium` in tests: separate browser contexts (separate cookie jars, as
//! two people's browsers), navigation, script evaluation, console errors and
//! screenshots, over the browser's WebSocket.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// How long one protocol call or page load may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A running headless Chromium.
pub struct Browser {
    child: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    events: VecDeque<Value>,
    _profile: tempfile::TempDir,
}

/// One page in its own browser context.
#[derive(Debug, Clone)]
pub struct Tab {
    session: String,
}

impl Browser {
    /// Starts Chromium, or `None` when none is installed (an error when
    /// PKIMM_REQUIRE_CHROMIUM is set).
    pub fn launch() -> Option<Self> {
        Self::launch_with(&[])
    }

    /// [`Self::launch`] with extra command-line switches.
    pub fn launch_with(extra: &[&str]) -> Option<Self> {
        let Some(binary) = crate::browser::chromium() else {
            assert!(
                std::env::var_os("PKIMM_REQUIRE_CHROMIUM").is_none(),
                "PKIMM_REQUIRE_CHROMIUM is set but no chromium is installed"
            );
            eprintln!("chromium not installed; skipping the browser test");
            return None;
        };
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,1800",
            ])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let port_file = profile.path().join("DevToolsActivePort");
        let started = Instant::now();
        let (port, path) = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break (port.to_string(), path.to_string());
                }
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "chromium wrote no DevToolsActivePort"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let (socket, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}{path}"))
            .expect("DevTools WebSocket");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(TIMEOUT))
                .expect("read timeout");
        }
        Some(Self {
            child,
            socket,
            next_id: 1,
            events: VecDeque::new(),
            _profile: profile,
        })
    }

    fn read(&mut self) -> Value {
        loop {
            match self.socket.read().expect("DevTools message") {
                Message::Text(text) => return serde_json::from_str(&text).expect("DevTools JSON"),
                Message::Close(_) => panic!("chromium closed the DevTools connection"),
                _ => {}
            }
        }
    }

    /// Calls `method`, in `tab` when given; panics on a protocol error.
    pub fn call(&mut self, tab: Option<&Tab>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(tab) = tab {
            message["sessionId"] = json!(tab.session);
        }
        self.socket
            .send(Message::Text(message.to_string().into()))
            .expect("DevTools send");
        loop {
            let reply = self.read();
            if reply["id"] == json!(id) {
                if let Some(error) = reply.get("error") {
                    panic!("{method}: {error}");
                }
                return reply["result"].clone();
            }
            if reply.get("method").is_some() {
                self.events.push_back(reply);
            }
        }
    }

    /// A blank page in a fresh browser context: its own cookies and storage.
    pub fn new_tab(&mut self) -> Tab {
        let context = self.call(None, "Target.createBrowserContext", json!({}));
        let target = self.call(
            None,
            "Target.createTarget",
            json!({"url": "about:blank", "browserContextId": context["browserContextId"]}),
        );
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        let tab = Tab {
            session: attached["sessionId"]
                .as_str()
                .expect("session id")
                .to_string(),
        };
        self.call(Some(&tab), "Page.enable", json!({}));
        self.call(Some(&tab), "Runtime.enable", json!({}));
        tab
    }

    /// Forgets the events of `tab` seen so far.
    fn clear_events(&mut self, tab: &Tab) {
        self.events.retain(|e| e["sessionId"] != json!(tab.session));
    }

    /// Waits for `tab`'s next `Page.loadEventFired`.
    fn wait_for_load(&mut self, tab: &Tab) {
        let started = Instant::now();
        loop {
            if let Some(i) = self.events.iter().position(|e| {
                e["sessionId"] == json!(tab.session) && e["method"] == "Page.loadEventFired"
            }) {
                self.events.remove(i);
                return;
            }
            assert!(started.elapsed() < TIMEOUT, "the page did not load");
            let event = self.read();
            if event.get("method").is_some() {
                self.events.push_back(event);
            }
        }
    }

    /// Opens `url` in `tab` and waits until it has loaded.
    pub fn goto(&mut self, tab: &Tab, url: &str) {
        self.clear_events(tab);
        let result = self.call(Some(tab), "Page.navigate", json!({"url": url}));
        assert!(result.get("errorText").is_none(), "{url}: {result}");
        self.wait_for_load(tab);
    }

    /// Evaluates `script` in `tab` and returns its value (promises awaited).
    pub fn eval(&mut self, tab: &Tab, script: &str) -> Value {
        let result = self.call(
            Some(tab),
            "Runtime.evaluate",
            json!({"expression": script, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{script}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Runs `script` (which submits a form or follows a link) and waits for
    /// the page it leads to.
    pub fn eval_and_wait(&mut self, tab: &Tab, script: &str) {
        self.clear_events(tab);
        self.eval(tab, script);
        self.wait_for_load(tab);
    }

    /// The text of the element with `id` in `tab`, or `None`.
    pub fn text(&mut self, tab: &Tab, id: &str) -> Option<String> {
        let value = self.eval(
            tab,
            &format!("(document.getElementById({id:?}) || {{}}).textContent ?? null"),
        );
        value.as_str().map(str::to_string)
    }

    /// Writes a PNG screenshot of `tab`'s whole page to `path`.
    pub fn screenshot(&mut self, tab: &Tab, path: &Path) {
        let shot = self.call(
            Some(tab),
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let data = shot["data"].as_str().expect("screenshot data");
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("screenshot base64");
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, bytes).expect("write screenshot");
    }

    /// Console errors and uncaught exceptions seen in `tab` so far.
    pub fn console_errors(&mut self, tab: &Tab) -> Vec<String> {
        // Let events already sent arrive.
        self.eval(tab, "1");
        self.events
            .iter()
            .filter(|e| e["sessionId"] == json!(tab.session))
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
            })
            .map(|e| e["params"].to_string())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
