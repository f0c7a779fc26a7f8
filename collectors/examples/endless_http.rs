//! A hostile HTTP server for `bench/crl-fetch-memory.sh`: every request is
//! answered 200 with an endless body of zeros and no Content-Length. Prints
//! its address, then serves until killed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    println!("{}", listener.local_addr().expect("address"));
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut out = &stream;
            let _ = out.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nConnection: close\r\n\r\n",
            );
            let zeros = vec![0u8; 1 << 20];
            while out.write_all(&zeros).is_ok() {}
        });
    }
}
