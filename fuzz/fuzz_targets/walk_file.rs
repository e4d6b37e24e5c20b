//! Walk files (`snmpwalk` text in every style) as `sonde simulate`, `netinventory --file` and
//! the anonymiser read them.
//!
//! Invariants: every varbind has a non-empty OID and no end-of-view value; error line numbers
//! are lines of the text, in order; the varbinds written as `-On` text parse back to the same
//! varbinds without error (the writer's promise); sorting keeps one varbind per OID; the
//! anonymiser keeps every varbind.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sonde::snmp::Value;
use sonde::walk::{self, Anonymizer};

fuzz_target!(|data: &[u8]| {
    let file = walk::parse(data);
    for vb in &file.varbinds {
        assert!(!vb.oid.is_empty(), "an empty OID");
        assert!(vb.value != Value::EndOfMibView, "an end-of-view varbind");
    }
    let lines = data.split(|&b| b == b'\n').count();
    let mut previous = 0;
    for error in &file.errors {
        assert!(
            error.line >= 1 && error.line <= lines,
            "{error} of {lines} lines"
        );
        assert!(error.line > previous, "error lines out of order");
        previous = error.line;
    }

    let mut text = Vec::new();
    walk::write_all(&mut text, &file.varbinds).expect("writing into memory");
    let again = walk::parse(&text);
    assert!(
        again.errors.is_empty(),
        "written text does not parse: {:?}\n{}",
        again.errors,
        String::from_utf8_lossy(&text)
    );
    assert_eq!(again.varbinds, file.varbinds, "write/parse round trip");

    let sorted = file.sorted();
    assert!(
        sorted.windows(2).all(|w| w[0].oid < w[1].oid),
        "sorted and deduplicated"
    );
    let count = file.varbinds.len();
    let mut anonymizer = Anonymizer::with_seed(&[b"public".to_vec()], 7);
    let anonymized = anonymizer.apply(file.varbinds);
    assert_eq!(
        anonymized.len(),
        count,
        "the anonymiser keeps every varbind"
    );
});
