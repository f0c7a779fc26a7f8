//! Loopback ports: finding a free one and waiting for a server on one.

use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// A loopback port nobody listens on right now.
///
/// # Panics
/// When no loopback port can be bound (a test fixture).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Waits up to 10 s until something accepts connections on `port`.
///
/// # Panics
/// When nothing does (a test fixture).
pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on port {port}");
}

/// Waits up to 10 s until a socket listens on `port`, without connecting to
/// it: the single-threaded `openssl ocsp` responder would otherwise wait for
/// a request on the probe connection.
///
/// # Panics
/// When nothing does (a test fixture).
pub fn wait_for_listen(port: u16) {
    let needle = format!(":{port:04X} ");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = std::fs::read_to_string(table).unwrap_or_default();
            let listening = text.lines().skip(1).any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                fields.len() > 3 && format!("{} ", fields[1]).contains(&needle) && fields[3] == "0A"
            });
            if listening {
                return;
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on port {port}");
}
