//! The one tokio runtime builder: every command, scan and server in pkimm
//! runs its asynchronous work on a runtime made here.

/// A multi-threaded runtime with I/O and timers, one worker per core.
pub fn new_runtime() -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
