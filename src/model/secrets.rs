//! What a secret looks like: by variable name and by value shape. Computed here, in Rust, so
//! that every rule about secrets (Dockerfile ENV/ARG, Compose environment, later env files
//! and Kubernetes env) agrees on it.

use regex::Regex;
use std::sync::OnceLock;

/// The kind of known token a value is shaped like, e.g. `github-token`.
pub fn token_kind(value: &str) -> Option<&'static str> {
    static PATTERNS: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b"),
            ("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b"),
            ("GitHub fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{40,}\b"),
            ("OpenAI/Anthropic API key", r"\bsk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_\-]{20,}"),
            ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
            ("private key", r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
            ("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
            ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
        ]
        .into_iter()
        .map(|(k, p)| (k, Regex::new(p).expect("token patterns are valid")))
        .collect()
    });
    patterns
        .iter()
        .find(|(_, re)| re.is_match(value))
        .map(|(k, _)| *k)
}

/// A variable name that says it holds a secret (`DB_PASSWORD`, `HF_TOKEN`, `API_KEY`), and
/// not one that merely configures a secret (`PASSWORD_FILE`, `TOKEN_TTL`, `AUTH_ENABLED`).
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else { return false };
    const NOT_A_SECRET_SUFFIX: &[&str] = &[
        "FILE", "PATH", "DIR", "URL", "URI", "HOST", "PORT", "USER", "USERNAME", "NAME", "ENABLED",
        "ENABLE", "DISABLED", "LENGTH", "LEN", "TTL", "EXPIRY", "EXPIRE", "EXPIRES", "TIMEOUT",
        "HEADER", "TYPE", "MODE", "ID", "REQUIRED", "ALGORITHM", "METHOD", "PROVIDER", "ENDPOINT",
        "SIZE", "COUNT", "LIFETIME", "DAYS", "HOURS", "MINUTES", "SECONDS", "POLICY", "FORMAT",
        "PREFIX", "SUFFIX", "LOCATION", "REGION", "VERSION", "ROTATION", "HASH", "RESET", "STRENGTH",
        "MIN", "MAX", "COST", "ROUNDS", "CHARS", "FIELD", "PARAM", "KEYRING", "STORE", "BACKEND",
    ];
    if NOT_A_SECRET_SUFFIX.contains(last) {
        return false;
    }
    const SECRET_WORDS: &[&str] = &[
        "PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "TOKEN", "APIKEY", "PASSPHRASE", "CREDENTIALS",
        "CREDENTIAL",
    ];
    if words.iter().any(|w| SECRET_WORDS.contains(w)) {
        // `PWD` alone is the shell's working directory.
        return upper != "PWD" && upper != "OLDPWD";
    }
    // KEY only as part of a key-ish compound: API_KEY, ACCESS_KEY, SECRET_KEY, PRIVATE_KEY.
    words.windows(2).any(|w| {
        w[1] == "KEY" && matches!(w[0], "API" | "ACCESS" | "SECRET" | "PRIVATE" | "ENCRYPTION" | "SIGNING" | "MASTER" | "AUTH" | "LICENSE")
    })
}

/// A value that is a real literal rather than a reference, a placeholder to fill, or a flag.
pub fn literal_value(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.contains("${") || (v.starts_with('$') && v.len() > 1) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "0" | "1") {
        return false;
    }
    // A path to a mounted secret, or a placeholder someone must replace.
    if v.starts_with('/') || (v.starts_with('<') && v.ends_with('>')) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in ["DB_PASSWORD", "HF_TOKEN", "OPENAI_API_KEY", "aws_secret_access_key", "MYSQL_ROOT_PASSWORD", "SECRET_KEY"] {
            assert!(secret_name(n), "{n}");
        }
        for n in ["PASSWORD_FILE", "TOKEN_TTL", "AUTH_ENABLED", "PWD", "KEY", "MONKEY", "DB_USER", "PASSWORD_MIN_LENGTH", "SSH_KEY_PATH"] {
            assert!(!secret_name(n), "{n}");
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(token_kind("hf_abcdefghijklmnopqrstuvwxyz0123456789"), Some("Hugging Face token"));
        assert_eq!(token_kind("AKIAIOSFODNN7EXAMPLE"), Some("AWS access key id"));
        assert_eq!(token_kind("sk-proj-abcdefghijklmnopqrstuvwx"), Some("OpenAI/Anthropic API key"));
        assert_eq!(token_kind("-----BEGIN RSA PRIVATE KEY-----"), Some("private key"));
        assert_eq!(token_kind("sk-short"), None);
        assert_eq!(token_kind("hello"), None);
    }

    #[test]
    fn literals() {
        assert!(literal_value("hunter2"));
        for v in ["", "${DB_PASSWORD}", "$DB_PASSWORD", "true", "/run/secrets/db", "<your-token>"] {
            assert!(!literal_value(v), "{v}");
        }
    }
}
