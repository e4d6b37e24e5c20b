//! SNMP benchmarks (filled in below).
fn main() {}
