//! ACCESSLOG (the time of the inventory), ENVS (the agent's environment) and VERSIONPROVIDER.

use super::Context;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] =
    &[Section::AccessLog, Section::Envs, Section::VersionProvider];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    if ctx.wants(Section::AccessLog) {
        let mut e = Entry::new();
        e.text("LOGDATE", Some(local_datetime(ctx.options.now)));
        inv.add(Section::AccessLog, e);
    }
    if ctx.wants(Section::Envs) {
        let mut env = ctx.options.env.clone();
        env.sort();
        // Unlike the reference agents, variables whose name says they hold a secret (a
        // password, token, key…) are not sent: the environment of a service often carries
        // credentials, and GLPI has no use for them.
        env.retain(|(k, _)| !secret_name(k));
        for (k, v) in env {
            let mut e = Entry::new();
            e.text("KEY", Some(k));
            // An empty value is still a variable: kept as an empty text.
            e.set("VAL", crate::model::local::Value::Text(v));
            inv.add(Section::Envs, e);
        }
    }
    if ctx.wants(Section::VersionProvider) {
        let mut e = Entry::new();
        e.text("NAME", Some("sonde"))
            .text("VERSION", Some(env!("CARGO_PKG_VERSION")))
            .text("PROGRAM", Some("sonde inventory"));
        inv.add(Section::VersionProvider, e);
    }
}

/// True for environment variable names that announce a secret.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASS",
        "SECRET",
        "TOKEN",
        "KEY",
        "CREDENTIAL",
        "AUTH",
        "COOKIE",
        "SESSION",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// `YYYY-MM-DD HH:MM:SS` in local time (the reference agents' format).
#[must_use]
pub(crate) fn local_datetime(t: std::time::SystemTime) -> String {
    match jiff::Timestamp::try_from(t) {
        Ok(ts) => ts
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => format_datetime(0),
    }
}

/// The local time zone: its IANA name when known (else its abbreviation) and its UTC offset
/// as `+HHMM`, at `t`.
#[must_use]
pub(crate) fn local_timezone(t: std::time::SystemTime) -> (Option<String>, String) {
    let tz = jiff::tz::TimeZone::system();
    let ts = jiff::Timestamp::try_from(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let zoned = ts.to_zoned(tz.clone());
    let name = tz
        .iana_name()
        .map(str::to_owned)
        .or_else(|| Some(zoned.strftime("%Z").to_string()));
    (name, zoned.strftime("%z").to_string())
}

/// `YYYY-MM-DD HH:MM:SS` of seconds since the epoch (already shifted to local time).
#[must_use]
pub(crate) fn format_datetime(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
#[must_use]
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let m = u32::try_from(m).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_envs() {
        let tree = super::super::fixture::Tree::new(&[]);
        let mut options = tree.options();
        options.env = vec![
            ("PATH".into(), "/usr/bin".into()),
            ("GLPI_PASSWORD".into(), "hunter2".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "x".into()),
            ("EMPTY".into(), String::new()),
        ];
        let mut inv = LocalInventory::default();
        collect(&Context { options: &options }, &mut inv);
        let keys: Vec<String> = inv
            .entries(Section::Envs)
            .iter()
            .filter_map(|e| e.get_text("KEY"))
            .collect();
        assert_eq!(keys, ["EMPTY", "PATH"]);
        assert_eq!(
            inv.entries(Section::Envs)[0].get_text("VAL").as_deref(),
            Some("")
        );
    }

    #[test]
    fn dates() {
        assert_eq!(format_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(format_datetime(1_764_000_000), "2025-11-24 16:00:00");
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }
}
