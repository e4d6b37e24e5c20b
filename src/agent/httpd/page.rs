//! The status page (`GET /`): agent version, status and the next run of each target, as small
//! self-contained HTML with every value escaped. Trusted clients also get the "Force an
//! inventory" link and the target names; others see target ids only (as glpi-agent does).

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::board::{Board, TargetInfo, TargetKind};

/// The page for a client, `trusted` or not.
pub(crate) fn index(board: &Board, trusted: bool) -> String {
    let targets = board.targets();
    let mut out = String::with_capacity(1024);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>sonde</title>\n</head>\n<body>\n",
    );
    let _ = writeln!(out, "<p>This is sonde {}</p>", escape(board.version()));
    let _ = writeln!(
        out,
        "<p>The current status is {}</p>",
        escape(&board.status())
    );
    if trusted {
        out.push_str("<p><a href=\"/now\">Force an inventory</a></p>\n");
    }
    for (kind, title) in [
        (
            TargetKind::Server,
            "Next server target execution planned for:",
        ),
        (
            TargetKind::Local,
            "Next local target execution planned for:",
        ),
    ] {
        let of_kind: Vec<&TargetInfo> = targets.iter().filter(|t| t.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<p>{title}</p>\n<ul>");
        for target in of_kind {
            let shown = if trusted { &target.name } else { &target.id };
            let _ = writeln!(
                out,
                "<li>{}: {}</li>",
                escape(shown),
                escape(&run_date(target.next_run))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A run date in local time, the way upstream prints it (`Wed Nov 25 03:28:22 2026`).
fn run_date(next_run: Option<i64>) -> String {
    let Some(seconds) = next_run else {
        return "not planned".to_owned();
    };
    Timestamp::from_second(seconds)
        .ok()
        .and_then(|ts| {
            let zoned = ts.to_zoned(TimeZone::system());
            jiff::fmt::strtime::format("%a %b %e %H:%M:%S %Y", &zoned).ok()
        })
        .unwrap_or_else(|| format!("{seconds} (Unix time)"))
}

/// `text` safe in HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Url;
    use std::path::Path;

    #[test]
    fn escapes_everything() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(run_date(None), "not planned");
        let text = run_date(Some(1_795_576_632));
        assert!(text.ends_with(" 2026"), "{text}");
        assert_eq!(text.len(), "Wed Nov 25 03:28:22 2026".len(), "{text}");
        assert_eq!(
            run_date(Some(i64::MAX)),
            format!("{} (Unix time)", i64::MAX)
        );
    }

    #[test]
    fn trusted_clients_see_names_and_the_link() {
        let board = Board::new("0.1.0");
        board.set_status("waiting <now>");
        let url = Url::parse("http://glpi/<x>").unwrap();
        board.set_targets(vec![
            TargetInfo::server("server0", &url).with_next_run(1_795_576_632),
            TargetInfo::local("local0", Path::new("/tmp/<out>")),
        ]);
        let page = index(&board, true);
        assert!(page.contains("<p>This is sonde 0.1.0</p>"), "{page}");
        assert!(
            page.contains("<p>The current status is waiting &lt;now&gt;</p>"),
            "{page}"
        );
        assert!(
            page.contains("<a href=\"/now\">Force an inventory</a>"),
            "{page}"
        );
        assert!(page.contains("<li>http://glpi/%3Cx%3E: "), "{page}");
        assert!(
            page.contains("<li>/tmp/&lt;out&gt;: not planned</li>"),
            "{page}"
        );
        let page = index(&board, false);
        assert!(!page.contains("/now"), "{page}");
        assert!(page.contains("<li>server0: "), "{page}");
        assert!(page.contains("<li>local0: not planned</li>"), "{page}");
        assert!(!page.contains("glpi"), "{page}");
    }
}
