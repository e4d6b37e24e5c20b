//! `agent.cfg` text: the line syntax (keys, quotes, comments, includes), then the values typed
//! and checked into settings, as `sonde agent` loads its configuration, without the file
//! system (`Settings::load_text`: includes are reported, not followed). Lines of the input
//! that look like `SONDE_KEY=value` are also given as environment variables.
//!
//! Invariants: CRLF line ends read like LF ones; every `file:line` named in an error or a
//! warning is a line of the text; the settings of a configuration that loads give a task plan,
//! a transport and inventory options.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sonde::agent::config::{Layer, LoadError, Loaded, Settings};

const NAME: &str = "agent.cfg";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let env: Vec<(String, String)> = text
        .lines()
        .filter(|l| l.starts_with("SONDE_"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let loaded = load(&text, env.clone());
    let lines = text.lines().count();
    match &loaded {
        Ok(Loaded {
            settings, warnings, ..
        }) => {
            check_lines(warnings.iter().map(ToString::to_string), lines);
            let plan = settings.task_plan();
            assert!(plan.iter().all(|t| !t.is_empty()));
            let _ = settings.check_targets();
            let _ = settings.transport();
            let _ = settings.inventory_options(Vec::new());
        }
        Err(LoadError { errors, warnings }) => {
            assert!(!errors.is_empty(), "a LoadError without error");
            check_lines(errors.iter().map(ToString::to_string), lines);
            check_lines(warnings.iter().map(ToString::to_string), lines);
        }
    }
    if !text.contains('\r') {
        let crlf = load(&text.replace('\n', "\r\n"), env);
        assert_eq!(
            format!("{crlf:?}"),
            format!("{loaded:?}"),
            "CRLF line ends read differently"
        );
    }
});

fn load(text: &str, env: Vec<(String, String)>) -> Result<Loaded, LoadError> {
    Settings::load_text(Path::new(NAME), text, env, &Layer::new())
}

/// Every `agent.cfg:N` at the start of a message names a line of the text.
fn check_lines(messages: impl Iterator<Item = String>, lines: usize) {
    for message in messages {
        let Some(rest) = message.strip_prefix("agent.cfg:") else {
            continue;
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let line: usize = digits.parse().expect("a line number after the file name");
        assert!(
            (1..=lines).contains(&line),
            "{message} names no line of {lines}"
        );
    }
}
