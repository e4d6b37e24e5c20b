//! BATTERIES from /sys/class/power_supply.
//!
//! As glpi-agent's `Generic/Batteries/SysClass`: supplies of type `Battery` that are present
//! and have a `capacity` file. NAME `model_name`, CHEMISTRY `technology`, MANUFACTURER
//! (canonical name), SERIAL (glpi-agent's `sanitizeBatterySerial`: all zeros → "0", a
//! hexadecimal-looking serial → its decimal value, so GLPI sees the serial it already has),
//! VOLTAGE mV from `voltage_min_design` (µV), CAPACITY / REAL_CAPACITY mWh from
//! `energy_full_design` / `energy_full` (µWh), else from `charge_*` (µAh) × voltage. DATE
//! "DD/MM/YYYY" (the XML form of glpi-agent's dmidecode path) from `manufacture_year/month/
//! day` when the driver gives them. Decisions: glpi-agent sends an empty NAME/CHEMISTRY and a
//! "0" SERIAL when the files are missing; here a missing value is left out. The dmidecode
//! type-22 and upower sources it merges are not read.

use super::Context;
use super::storage::canonical_manufacturer;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Batteries];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    for name in ctx.list("/sys/class/power_supply") {
        let base = format!("/sys/class/power_supply/{name}");
        let get = |k: &str| ctx.read_value(&format!("{base}/{k}"));
        let present = get("present").is_some_and(|p| p != "0");
        if get("type").as_deref() != Some("Battery")
            || !present
            || !ctx.exists(&format!("{base}/capacity"))
        {
            continue;
        }
        let num = |k: &str| {
            get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
        };
        let voltage = num("voltage_min_design")
            .map(|uv| uv / 1000)
            .filter(|v| *v > 0);
        let from_charge = |k: &str| Some(num(k)? / 1000 * voltage? / 1000).filter(|v| *v > 0);
        let capacity = num("energy_full_design")
            .map(|uwh| uwh / 1000)
            .or_else(|| from_charge("charge_full_design"));
        let real = num("energy_full")
            .map(|uwh| uwh / 1000)
            .or_else(|| from_charge("charge_full"));
        let date = match (
            num("manufacture_year"),
            num("manufacture_month"),
            num("manufacture_day"),
        ) {
            (Some(y), Some(m), Some(d)) => Some(format!("{d:02}/{m:02}/{y:04}")),
            _ => None,
        };
        let mut e = Entry::new();
        e.text("NAME", get("model_name"))
            .text("CHEMISTRY", get("technology"))
            .text("SERIAL", get("serial_number").map(|s| sanitize_serial(&s)))
            .text(
                "MANUFACTURER",
                get("manufacturer").map(|m| canonical_manufacturer(&m)),
            )
            .int("VOLTAGE", voltage)
            .int("CAPACITY", capacity)
            .int("REAL_CAPACITY", real)
            .text("DATE", date);
        inv.add(Section::Batteries, e);
    }
}

/// glpi-agent's `sanitizeBatterySerial`.
fn sanitize_serial(s: &str) -> String {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b == b'0') {
        return "0".to_owned();
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return s.to_owned();
    }
    // Hexadecimal when it has a letter or a leading zero, else already decimal.
    let hex = s.bytes().any(|b| b.is_ascii_alphabetic()) || s.starts_with('0');
    let value = if hex {
        u128::from_str_radix(s, 16).ok()
    } else {
        s.parse::<u128>().ok()
    };
    value.map_or_else(|| s.to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::local::Value;

    fn run(files: &[(&str, &str)]) -> Vec<Entry> {
        let inv = crate::inventory::fixture::run(files, collect);
        inv.entries(Section::Batteries).to_vec()
    }

    #[test]
    fn laptop_batteries() {
        let b = run(&[
            // A ThinkPad battery reporting energy (µWh).
            ("/sys/class/power_supply/BAT0/type", "Battery\n"),
            ("/sys/class/power_supply/BAT0/present", "1\n"),
            ("/sys/class/power_supply/BAT0/capacity", "87\n"),
            ("/sys/class/power_supply/BAT0/model_name", "01AV430\n"),
            ("/sys/class/power_supply/BAT0/manufacturer", "SMP\n"),
            ("/sys/class/power_supply/BAT0/technology", "Li-poly\n"),
            ("/sys/class/power_supply/BAT0/serial_number", " 2878\n"),
            (
                "/sys/class/power_supply/BAT0/voltage_min_design",
                "11580000\n",
            ),
            (
                "/sys/class/power_supply/BAT0/energy_full_design",
                "57020000\n",
            ),
            ("/sys/class/power_supply/BAT0/energy_full", "49810000\n"),
            ("/sys/class/power_supply/BAT0/manufacture_year", "2019\n"),
            ("/sys/class/power_supply/BAT0/manufacture_month", "3\n"),
            ("/sys/class/power_supply/BAT0/manufacture_day", "14\n"),
            // A battery reporting charge (µAh).
            ("/sys/class/power_supply/BAT1/type", "Battery\n"),
            ("/sys/class/power_supply/BAT1/present", "1\n"),
            ("/sys/class/power_supply/BAT1/capacity", "50\n"),
            ("/sys/class/power_supply/BAT1/manufacturer", "TOSHIBA\n"),
            ("/sys/class/power_supply/BAT1/technology", "Li-ion\n"),
            ("/sys/class/power_supply/BAT1/serial_number", "0000000000\n"),
            (
                "/sys/class/power_supply/BAT1/voltage_min_design",
                "10800000\n",
            ),
            (
                "/sys/class/power_supply/BAT1/charge_full_design",
                "4400000\n",
            ),
            ("/sys/class/power_supply/BAT1/charge_full", "4000000\n"),
            // Mains and an absent battery: skipped.
            ("/sys/class/power_supply/AC/type", "Mains\n"),
            ("/sys/class/power_supply/AC/online", "1\n"),
            ("/sys/class/power_supply/BAT2/type", "Battery\n"),
            ("/sys/class/power_supply/BAT2/present", "0\n"),
            ("/sys/class/power_supply/BAT2/capacity", "0\n"),
        ]);
        assert_eq!(b.len(), 2);
        let t = |e: &Entry, k| e.get_text(k);
        assert_eq!(t(&b[0], "NAME").as_deref(), Some("01AV430"));
        assert_eq!(t(&b[0], "MANUFACTURER").as_deref(), Some("SMP"));
        assert_eq!(t(&b[0], "CHEMISTRY").as_deref(), Some("Li-poly"));
        assert_eq!(t(&b[0], "SERIAL").as_deref(), Some("2878"));
        assert_eq!(b[0].get("VOLTAGE"), Some(&Value::Int(11_580)));
        assert_eq!(b[0].get("CAPACITY"), Some(&Value::Int(57_020)));
        assert_eq!(b[0].get("REAL_CAPACITY"), Some(&Value::Int(49_810)));
        assert_eq!(t(&b[0], "DATE").as_deref(), Some("14/03/2019"));
        assert_eq!(t(&b[1], "MANUFACTURER").as_deref(), Some("Toshiba"));
        assert_eq!(t(&b[1], "SERIAL").as_deref(), Some("0"));
        assert_eq!(b[1].get("CAPACITY"), Some(&Value::Int(47_520)));
        assert_eq!(b[1].get("REAL_CAPACITY"), Some(&Value::Int(43_200)));
        assert!(b[1].get("NAME").is_none() && b[1].get("DATE").is_none());
        assert!(run(&[]).is_empty());
    }

    #[test]
    fn serials() {
        assert_eq!(sanitize_serial("1A2B"), "6699");
        assert_eq!(sanitize_serial("0123"), "291");
        assert_eq!(sanitize_serial("12345"), "12345");
        assert_eq!(sanitize_serial("SN-12 34"), "SN-12 34");
        assert_eq!(sanitize_serial("000"), "0");
    }
}
