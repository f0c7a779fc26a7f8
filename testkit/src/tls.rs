//! In-process rustls servers on loopback (plain, and behind SMTP STARTTLS),
//! plus hostile servers that send garbage or stall. Each serves on
//! background threads until the process exits.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A rustls server configuration (ring, TLS 1.3 and 1.2) for `chain` and
/// `key`, offering `alpn`.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    alpn: &[&str],
) -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Arc::new(config))
}

/// Serves `config` on `bind` (such as `127.0.0.1:0` or `[::1]:0`) until the
/// process exits; returns the address.
pub fn serve(config: Arc<rustls::ServerConfig>, bind: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(bind)?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            thread::spawn(move || serve_connection(stream, config));
        }
    });
    Ok(addr)
}

/// One TLS connection: the handshake, then the request head is read (HTTP
/// clients) or the peer hangs up (scanners that only handshake), then a
/// short HTTP response.
fn serve_connection(mut stream: TcpStream, config: Arc<rustls::ServerConfig>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    while conn.is_handshaking() {
        if conn.complete_io(&mut stream).is_err() {
            return;
        }
    }
    let mut tls = rustls::Stream::new(&mut conn, &mut stream);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match std::io::Read::read(&mut tls, &mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
}

/// An SMTP server that offers STARTTLS and then speaks TLS with `config`.
pub fn smtp_starttls(config: Arc<rustls::ServerConfig>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            thread::spawn(move || {
                let _ = smtp_session(stream, config);
            });
        }
    });
    Ok(addr)
}

fn smtp_session(mut stream: TcpStream, config: Arc<rustls::ServerConfig>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"220 mail.test ESMTP pkimm-test\r\n")?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            stream.write_all(
                b"250-mail.test\r\n250-SIZE 1000000\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            )?;
        } else if command == "STARTTLS" {
            stream.write_all(b"220 2.0.0 Ready to start TLS\r\n")?;
            serve_connection(stream, config);
            return Ok(());
        } else {
            stream.write_all(b"502 5.5.2 Error\r\n")?;
        }
    }
}

/// A server that answers every connection with text that is not TLS, and
/// closes.
pub fn garbage() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2 not really\r\n");
        }
    });
    Ok(addr)
}

/// A server that accepts connections and never says anything.
pub fn stalling() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    Ok(addr)
}
