//! A hostile HTTP server for `bench/crl-fetch-memory.sh`: every request is
//! answered 200 with an endless body and no Content-Length. Prints its
//! address, then serves until killed.

fn main() {
    let addr = pkimm_testkit::servers::endless_http_server();
    println!("{addr}");
    loop {
        std::thread::park();
    }
}
