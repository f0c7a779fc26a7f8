//! An HTTP server for `bench/crl-fetch-large.sh`: serves the CRL file named
//! on the command line at `/announced.crl` (with a Content-Length) and at
//! `/unannounced.crl` (delimited by the connection's close). Prints its
//! address, then serves until killed.

use pkimm_testkit::http::HttpResponse;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: large_crl_http CRL-FILE");
        std::process::exit(2);
    };
    let der = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let (addr, routes) = pkimm_testkit::servers::http_server();
    {
        let mut routes = routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let announced = HttpResponse::ok("application/pkix-crl", der);
        routes.insert("/unannounced.crl".into(), announced.clone().unannounced());
        routes.insert("/announced.crl".into(), announced);
    }
    println!("{addr}");
    loop {
        std::thread::park();
    }
}
