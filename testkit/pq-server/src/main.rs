//! `pkimm-pq-server --cert CHAIN.pem --key KEY.pem --groups G1,G2,... [--server-order] [--port P]`
//!
//! Serves TLS 1.3 and 1.2 on 127.0.0.1 with the key-exchange groups given and
//! prints `listening 127.0.0.1:PORT` once it accepts connections. Each
//! connection is handshaken, answered with a short HTTP response and closed.
//! Test-only: see Cargo.toml.
//!
//! rustls picks groups in the client's order. With `--server-order` the
//! server imposes the order of `--groups` instead, as OpenSSL and Go servers
//! do: it reads the ClientHello first and gives rustls only its own first
//! choice among the groups the client offers.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::crypto::SupportedKxGroup;

fn main() {
    if let Err(message) = run() {
        eprintln!("pkimm-pq-server: {message}");
        std::process::exit(2);
    }
}

fn group(name: &str) -> Result<&'static dyn SupportedKxGroup, String> {
    Ok(match name {
        "X25519MLKEM768" => kx_group::X25519MLKEM768,
        "SecP256r1MLKEM768" => kx_group::SECP256R1MLKEM768,
        "MLKEM768" => kx_group::MLKEM768,
        "MLKEM1024" => kx_group::MLKEM1024,
        "X25519" => kx_group::X25519,
        "secp256r1" | "P-256" => kx_group::SECP256R1,
        "secp384r1" | "P-384" => kx_group::SECP384R1,
        other => return Err(format!("unknown group {other}")),
    })
}

fn run() -> Result<(), String> {
    let mut cert = None;
    let mut key = None;
    let mut groups = Vec::new();
    let mut port = 0u16;
    let mut server_order = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--cert" => cert = Some(value()?),
            "--key" => key = Some(value()?),
            "--groups" => {
                for name in value()?.split(',') {
                    groups.push(group(name)?);
                }
            }
            "--server-order" => server_order = true,
            "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let cert = cert.ok_or("--cert is required")?;
    let key = key.ok_or("--key is required")?;
    if groups.is_empty() {
        return Err("--groups is required".into());
    }
    let chain = rustls_pemfile::certs(&mut read(&cert)?.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{cert}: {e}"))?;
    let key = rustls_pemfile::private_key(&mut read(&key)?.as_slice())
        .map_err(|e| format!("{key}: {e}"))?
        .ok_or_else(|| format!("{key}: no private key"))?;
    let config = |groups: Vec<&'static dyn SupportedKxGroup>| {
        let provider = rustls::crypto::CryptoProvider {
            kx_groups: groups,
            ..aws_lc_rs::default_provider()
        };
        rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(chain.clone(), key.clone_key())
            .map(Arc::new)
            .map_err(|e| e.to_string())
    };
    let all = config(groups.clone())?;
    let mut single = Vec::new();
    for group in &groups {
        single.push((group.name(), config(vec![*group])?));
    }
    let configs = Arc::new(Configs {
        all,
        single,
        server_order,
    });
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    for stream in listener.incoming().flatten() {
        let configs = configs.clone();
        std::thread::spawn(move || serve(stream, &configs));
    }
    Ok(())
}

/// The server configurations: every group (rustls picks in the client's
/// order), and one per group for the server's own order.
struct Configs {
    all: Arc<rustls::ServerConfig>,
    single: Vec<(rustls::NamedGroup, Arc<rustls::ServerConfig>)>,
    server_order: bool,
}

impl Configs {
    /// The configuration for a client offering `offered` groups.
    fn choose(&self, offered: Option<&[rustls::NamedGroup]>) -> Arc<rustls::ServerConfig> {
        if !self.server_order {
            return self.all.clone();
        }
        let offered = offered.unwrap_or_default();
        self.single
            .iter()
            .find(|(name, _)| offered.contains(name))
            .map_or_else(|| self.all.clone(), |(_, config)| config.clone())
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

fn serve(mut stream: TcpStream, configs: &Configs) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut acceptor = rustls::server::Acceptor::default();
    let accepted = loop {
        match acceptor.read_tls(&mut stream) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => break accepted,
            Ok(None) => continue,
            Err((_, mut alert)) => {
                let _ = alert.write_all(&mut stream);
                return;
            }
        }
    };
    let config = configs.choose(accepted.client_hello().named_groups());
    let mut conn = match accepted.into_connection(config) {
        Ok(conn) => conn,
        Err((_, mut alert)) => {
            let _ = alert.write_all(&mut stream);
            return;
        }
    };
    while conn.is_handshaking() {
        if conn.complete_io(&mut stream).is_err() {
            return;
        }
    }
    let mut tls = rustls::Stream::new(&mut conn, &mut stream);
    let mut byte = [0u8; 1];
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match tls.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
}
