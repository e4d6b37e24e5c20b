//! Command-line integration tests.
