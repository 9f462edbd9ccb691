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
            (
                "GitHub token",
                r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b",
            ),
            (
                "GitHub fine-grained token",
                r"\bgithub_pat_[A-Za-z0-9_]{40,}\b",
            ),
            (
                "OpenAI/Anthropic API key",
                r"\bsk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_\-]{20,}",
            ),
            ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
            ("private key", r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
            ("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
            ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
        ]
        .into_iter()
        .map(|(k, p)| (k, Regex::new(p).expect("token patterns are valid")))
        .collect()
    });
    if masked(value) {
        return None;
    }
    patterns
        .iter()
        .find(|(_, re)| re.is_match(value))
        .map(|(k, _)| *k)
}

/// A redacted or fill-in value: `******`, `xxxxxxxx`, `sk-xxxxxxxxxxxxxxxxxxxx`,
/// `xoxb-xxxxxxxxxxx-xxxxxxxx`. Words of 6 or more letters and digits must each be mostly
/// (80%) one of `x`, `X`, `*` or `0`; a value with no letters or digits at all is a mask.
pub fn masked(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    let words: Vec<&str> = v
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return true;
    }
    let long: Vec<&&str> = words.iter().filter(|w| w.len() >= 6).collect();
    !long.is_empty()
        && long.iter().all(|w| {
            ['x', 'X', '0']
                .iter()
                .any(|m| w.chars().filter(|c| c == m).count() * 5 >= w.len() * 4)
        })
}

/// A variable name that says it holds a secret (`DB_PASSWORD`, `HF_TOKEN`, `API_KEY`), and
/// not one that merely configures a secret (`PASSWORD_FILE`, `TOKEN_TTL`, `AUTH_ENABLED`).
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    const NOT_A_SECRET_SUFFIX: &[&str] = &[
        "FILE",
        "PATH",
        "DIR",
        "URL",
        "URI",
        "HOST",
        "PORT",
        "USER",
        "USERNAME",
        "NAME",
        "ENABLED",
        "ENABLE",
        "DISABLED",
        "LENGTH",
        "LEN",
        "TTL",
        "EXPIRY",
        "EXPIRE",
        "EXPIRES",
        "TIMEOUT",
        "HEADER",
        "TYPE",
        "MODE",
        "ID",
        "REQUIRED",
        "ALGORITHM",
        "METHOD",
        "PROVIDER",
        "ENDPOINT",
        "SIZE",
        "COUNT",
        "LIFETIME",
        "DAYS",
        "HOURS",
        "MINUTES",
        "SECONDS",
        "POLICY",
        "FORMAT",
        "PREFIX",
        "SUFFIX",
        "LOCATION",
        "REGION",
        "VERSION",
        "ROTATION",
        "HASH",
        "RESET",
        "STRENGTH",
        "MIN",
        "MAX",
        "COST",
        "ROUNDS",
        "CHARS",
        "FIELD",
        "PARAM",
        "KEYRING",
        "STORE",
        "BACKEND",
    ];
    if NOT_A_SECRET_SUFFIX.contains(last) {
        return false;
    }
    const SECRET_WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "PASSPHRASE",
        // A personal access token: `GITHUB_PAT`, `GITLAB_PAT`, `AZURE_DEVOPS_PAT`.
        "PAT",
        "CREDENTIALS",
        "CREDENTIAL",
    ];
    // What may follow the secret word: `SECRET_KEY_BASE`, `AWS_SECRET_ACCESS_KEY`,
    // `DB_PASSWORD_2`. Other words make it a setting about the secret or a namespace
    // (`SECRET_LOCAL_HOSTNAME`, `POSTGRES_PASSWORD_ENCRYPTION`).
    const TRAILING: &[&str] = &[
        "KEY", "BASE", "ACCESS", "VALUE", "B64", "BASE64", "HEX", "RAW", "PLAIN", "STRING", "DATA",
        "ENCODED", "JSON",
    ];
    let trailing_ok = |rest: &[&str]| {
        rest.iter().all(|w| {
            TRAILING.contains(w)
                || w.trim_start_matches('V')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        })
    };
    if let Some(pos) = words.iter().rposition(|w| SECRET_WORDS.contains(w)) {
        if trailing_ok(&words[pos + 1..]) {
            // `PWD` alone is the shell's working directory.
            return upper != "PWD" && upper != "OLDPWD";
        }
    }
    // KEY only as part of a key-ish compound: API_KEY, SECRET_KEY, PRIVATE_KEY. Not
    // ACCESS_KEY: S3 and MinIO call the key's public id that.
    words.windows(2).enumerate().any(|(i, w)| {
        w[1] == "KEY"
            && matches!(
                w[0],
                "API"
                    | "SECRET"
                    | "PRIVATE"
                    | "ENCRYPTION"
                    | "SIGNING"
                    | "MASTER"
                    | "AUTH"
                    | "LICENSE"
            )
            && trailing_ok(&words[i + 2..])
    })
}

/// A value that is a real literal rather than a reference, a placeholder to fill, or a flag.
pub fn literal_value(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.contains("${") || (v.starts_with('$') && v.len() > 1) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "0" | "1"
    ) {
        return false;
    }
    // Quotes kept by the list syntax (`- KEY='<value>'`) are not part of what is checked.
    let v = match v.as_bytes() {
        [q @ (b'"' | b'\''), .., last] if last == q && v.len() >= 2 => &v[1..v.len() - 1],
        _ => v,
    };
    // A path to a mounted secret, or a placeholder someone must replace.
    if v.is_empty() || v.starts_with('/') || (v.starts_with('<') && v.ends_with('>')) || masked(v) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "HF_TOKEN",
            "OPENAI_API_KEY",
            "aws_secret_access_key",
            "MYSQL_ROOT_PASSWORD",
            "SECRET_KEY",
            "SECRET_KEY_BASE",
            "DB_PASSWORD_2",
            "sonar.jdbc.password",
            "API_KEY_V2",
            "GITHUB_PAT",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "AUTH_ENABLED",
            "PWD",
            "KEY",
            "MONKEY",
            "DB_USER",
            "PASSWORD_MIN_LENGTH",
            "SSH_KEY_PATH",
            "SECRET_LOCAL_HOSTNAME",
            "SECRET_FORCED_LANGUAGE",
            "POSTGRES_PASSWORD_ENCRYPTION",
            "MINIO_ACCESS_KEY",
            "PATH",
            "URL_PATTERN",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(
            token_kind("hf_abcdefghijklmnopqrstuvwxyz0123456789"),
            Some("Hugging Face token")
        );
        assert_eq!(
            token_kind("AKIAIOSFODNN7EXAMPLE"),
            Some("AWS access key id")
        );
        assert_eq!(
            token_kind("sk-proj-abcdefghijklmnopqrstuvwx"),
            Some("OpenAI/Anthropic API key")
        );
        assert_eq!(
            token_kind("-----BEGIN RSA PRIVATE KEY-----"),
            Some("private key")
        );
        assert_eq!(token_kind("sk-short"), None);
        assert_eq!(
            token_kind("xoxb-xxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx"),
            None
        );
        assert_eq!(token_kind("sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), None);
        assert_eq!(token_kind("hello"), None);
    }

    #[test]
    fn literals() {
        assert!(literal_value("hunter2"));
        for v in [
            "example",
            "changeme",
            "xoxo-password",
            "0x1f2e3d4c",
            "12345678",
        ] {
            assert!(literal_value(v), "{v}");
        }
        for v in [
            "",
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "true",
            "/run/secrets/db",
            "<your-token>",
            "******",
            "xxxxxxxxxxxxxxxx",
            "XXXX-XXXXXX",
            "'<PRIVKEY>'",
            "\"\"",
        ] {
            assert!(!literal_value(v), "{v}");
        }
    }
}
