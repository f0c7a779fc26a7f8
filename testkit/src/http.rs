//! A small real HTTP/1.1 server on loopback: canned responses by path (which
//! may change while it runs) and handlers for request bodies (such as OCSP
//! POSTs). One request per connection; bodies are capped.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Largest request body read.
const MAX_BODY: usize = 64 * 1024;

/// One canned HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers besides Content-Length and Connection.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Whether a Content-Length is sent; without one the body ends when the
    /// connection closes.
    pub announce_length: bool,
}

impl HttpResponse {
    /// 200 with `content_type`.
    pub fn ok(content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            announce_length: true,
        }
    }

    /// A status with no headers and no body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            announce_length: true,
        }
    }

    /// This response without a Content-Length: the body is delimited by the
    /// connection's close.
    #[must_use]
    pub fn unannounced(mut self) -> Self {
        self.announce_length = false;
        self
    }

    /// This response with one more header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn not_found() -> Self {
        Self {
            body: b"not found".to_vec(),
            ..Self::status(404)
        }
    }
}

/// Responses by path; change them while the server runs.
pub type Routes = Arc<Mutex<HashMap<String, HttpResponse>>>;

/// Answers a POST body.
pub type Handler = Arc<dyn Fn(&[u8]) -> HttpResponse + Send + Sync>;

/// A hostile HTTP server: every request is answered 200 with an endless
/// body of zeros and no Content-Length, until the client hangs up.
pub fn endless() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let mut out = &stream;
                let _ = out.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nConnection: close\r\n\r\n",
                );
                let zeros = vec![0u8; 64 * 1024];
                while out.write_all(&zeros).is_ok() {}
            });
        }
    });
    Ok(addr)
}

/// Starts a server answering GETs from `routes` and POSTs to the paths of
/// `handlers` (404 otherwise); returns its address.
pub fn serve(routes: Routes, handlers: HashMap<String, Handler>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let handlers = Arc::new(handlers);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let routes = routes.clone();
            let handlers = handlers.clone();
            thread::spawn(move || {
                let _ = answer(stream, &routes, &handlers);
            });
        }
    });
    Ok(addr)
}

fn answer(
    mut stream: TcpStream,
    routes: &Routes,
    handlers: &HashMap<String, Handler>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("").to_string();
    let path = words.next().unwrap_or("/").to_string();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let response = match handlers.get(&path).filter(|_| method == "POST") {
        Some(handler) => {
            let mut body = vec![0u8; content_length.min(MAX_BODY)];
            reader.read_exact(&mut body)?;
            handler(&body)
        }
        None => routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&path)
            .cloned()
            .unwrap_or_else(HttpResponse::not_found),
    };
    let reason = match response.status {
        200 => "OK",
        404 => "Not Found",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nConnection: close\r\n",
        response.status
    );
    if response.announce_length {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}
