//! Reporting to servers: the spool of results waiting for delivery (the HTTP layer comes next).

/// Results kept on disk until a server acknowledges them.
pub mod spool;
