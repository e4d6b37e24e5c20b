//! Server URLs as configured (`server = ...`), turned into the URL every message is POSTed to.
//!
//! Rules (protocol.md §1.1):
//! - a bare host, with or without a path (`glpi.example.com`, `glpi/front/inventory.php`,
//!   `glpi:8080/glpi/`), becomes `http://<text>`, with no default path (glpi-agent's rule; the
//!   FusionInventory agent appended `/ocsinventory`, which its own man page contradicted);
//! - `http://` and `https://` URLs are kept, except that an empty path becomes `/ocsinventory`
//!   (FusionInventory agent; `http://host/` keeps its `/`);
//! - any other scheme is an error ("invalid protocol for URL").

use reqwest::Url;

/// Why a configured server URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Nothing was given.
    #[error("empty server URL")]
    Empty,
    /// A scheme other than `http` or `https`.
    #[error("invalid protocol for URL {url:?}: only http:// and https:// are supported")]
    InvalidProtocol {
        /// The text as configured.
        url: String,
    },
    /// The text does not parse as a URL.
    #[error("invalid server URL {url:?}: {reason}")]
    Invalid {
        /// The text as configured.
        url: String,
        /// What the URL parser said.
        reason: String,
    },
}

/// The URL messages are POSTed to, from the text configured as a server (see the module doc).
pub fn canonical(text: &str) -> Result<Url, UrlError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(UrlError::Empty);
    }
    let invalid = |reason: String| UrlError::Invalid {
        url: text.to_owned(),
        reason,
    };
    let Some((scheme, rest)) = split_scheme(text) else {
        // A bare host name, maybe with a port and a path.
        let url = Url::parse(&format!("http://{text}")).map_err(|e| invalid(e.to_string()))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("no host name".to_owned()));
        }
        return Ok(url);
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(UrlError::InvalidProtocol {
            url: text.to_owned(),
        });
    }
    // The URL parser turns an empty path into "/", so look at the text itself.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if authority_end == 0 {
        return Err(invalid("no host name".to_owned()));
    }
    let path_empty = !rest[authority_end..].starts_with('/');
    let completed;
    let text = if path_empty {
        completed = format!(
            "{scheme}://{}/ocsinventory{}",
            &rest[..authority_end],
            &rest[authority_end..]
        );
        completed.as_str()
    } else {
        text
    };
    let url = Url::parse(text).map_err(|e| invalid(e.to_string()))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host name".to_owned()));
    }
    Ok(url)
}

/// `Some((scheme, rest))` when the text starts with `scheme://`. `host:8080/path` has no scheme.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

/// The URL without user name and password, for messages and logs.
pub fn redacted(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut clean = url.clone();
    // Only fails for URLs that cannot have credentials, which have none to hide.
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        canonical(text).unwrap().to_string()
    }

    #[test]
    fn bare_hosts_follow_glpi_agent() {
        assert_eq!(canon("glpi.example.com"), "http://glpi.example.com/");
        assert_eq!(
            canon(" glpi/plugins/fusioninventory/ "),
            "http://glpi/plugins/fusioninventory/"
        );
        assert_eq!(
            canon("glpi:8080/front/inventory.php"),
            "http://glpi:8080/front/inventory.php"
        );
        assert_eq!(canon("192.0.2.7"), "http://192.0.2.7/");
    }

    #[test]
    fn empty_path_becomes_ocsinventory_but_slash_is_kept() {
        assert_eq!(canon("http://host"), "http://host/ocsinventory");
        assert_eq!(canon("HTTPS://host:8443"), "https://host:8443/ocsinventory");
        assert_eq!(canon("http://host?a=b"), "http://host/ocsinventory?a=b");
        assert_eq!(canon("http://host/"), "http://host/");
        assert_eq!(
            canon("https://host/glpi/plugins/fusioninventory/"),
            "https://host/glpi/plugins/fusioninventory/"
        );
    }

    #[test]
    fn other_schemes_and_garbage_are_errors() {
        assert!(matches!(
            canonical("ftp://host/x"),
            Err(UrlError::InvalidProtocol { .. })
        ));
        assert!(matches!(
            canonical("file:///etc/passwd"),
            Err(UrlError::InvalidProtocol { .. })
        ));
        assert_eq!(canonical("  "), Err(UrlError::Empty));
        assert!(matches!(
            canonical("http://"),
            Err(UrlError::Invalid { .. })
        ));
        assert!(
            canonical("ftp://host")
                .unwrap_err()
                .to_string()
                .contains("invalid protocol")
        );
    }

    #[test]
    fn credentials_are_hidden_in_messages() {
        let url = canonical("https://alice:s3cret@host/glpi/").unwrap();
        assert_eq!(redacted(&url), "https://host/glpi/");
    }
}
