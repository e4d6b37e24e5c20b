//! Walk-file integration tests.
