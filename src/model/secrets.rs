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
    // `sk-xxx-xxx-xxx`, `YYYYYYYY`: every word of three or more characters is one character
    // repeated (a short prefix such as `sk` may stay).
    let runs: Vec<&&str> = words.iter().filter(|w| w.len() >= 3).collect();
    if !runs.is_empty()
        && runs.iter().all(|w| {
            let first = w.as_bytes()[0];
            w.bytes().all(|b| b == first)
        })
    {
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

/// A value that is a real literal secret: not a reference, not a placeholder to fill, not a
/// flag, and not a well-known password (that is [`weak_password`]'s finding, not a leak).
pub fn literal_value(value: &str) -> bool {
    let Some(v) = candidate(value) else {
        return false;
    };
    !placeholder(v) && weak_password(v, &[]).is_none()
}

/// The value as a secret candidate: trimmed, quotes kept by the list syntax (`- KEY='x'`)
/// removed; `None` for references (`${X}`, `$X`), switches, paths to mounted secrets and
/// masks.
fn candidate(value: &str) -> Option<&str> {
    let v = value.trim();
    if v.is_empty() || v.contains("${") || (v.starts_with('$') && v.len() > 1) {
        return None;
    }
    let v = match v.as_bytes() {
        [q @ (b'"' | b'\''), .., last] if last == q && v.len() >= 2 => &v[1..v.len() - 1],
        _ => v,
    };
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "0" | "1"
    ) {
        return None;
    }
    // A path to a key or a mounted secret (`/run/secrets/db`, `%kernel.project_dir%/jwt.pem`).
    const KEY_FILES: &[&str] = &[
        ".pem", ".key", ".crt", ".p12", ".pfx", ".der", ".jks", ".json", ".txt",
    ];
    let path =
        v.starts_with('/') || (v.contains('/') && KEY_FILES.iter().any(|e| lower.ends_with(e)));
    (!v.is_empty() && !path && !masked(v)).then_some(v)
}

/// Text that asks to be replaced rather than being a value: `user_provided` (LibreChat's
/// "each user enters their own"), `your-api-key-here`, `<your key>`, `sk-...`, `REPLACE_ME`,
/// `change-me-to-something-secure`, `ChooseYourOwnPasswordHere1234`, `MySecureDbPassword`.
/// Built from the `.env.example` files and Compose files of the corpus.
pub fn placeholder(value: &str) -> bool {
    let v = value.trim();
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("{{") && v.ends_with("}}"))
        || (v.starts_with('[') && v.ends_with(']'))
        || v.contains("...")
        || v.contains('…')
    {
        return true;
    }
    let words = words(v);
    let joined: String = words.concat();
    const EXACT: &[&str] = &[
        "userprovided",
        "changeme",
        "changethis",
        "changeit",
        "replaceme",
        "replacethis",
        "fillme",
        "setme",
        "todo",
        "tbd",
        "fixme",
        "placeholder",
        "dummy",
        "notset",
        "unset",
        "empty",
        "redacted",
        "sample",
    ];
    if EXACT.contains(&joined.as_str()) {
        return true;
    }
    let Some(first) = words.first() else {
        return false;
    };
    // Instructions to the reader: `your_mysql_root_password`, `change-me-to-...`,
    // `insert-token-here`, `pls-changeme`, `!changeme!`.
    if matches!(
        first.as_str(),
        "your" | "yours" | "insert" | "enter" | "put" | "paste" | "replace" | "choose" | "fill"
    ) || joined.contains("changeme")
        || joined.contains("changethis")
        || joined.contains("replaceme")
        || joined.contains("replacewith")
        || words
            .iter()
            .any(|w| w == "here" || w == "example" || w == "placeholder")
    {
        return true;
    }
    // A description of the password wanted (`MySecureLoginPassword`,
    // `very-secure-database-password`, `super_strong_password`): every word but one (a
    // product name) is from this vocabulary, one of them says what kind of value it is, and
    // one says it should be strong.
    const DESCRIPTIVE: &[&str] = &[
        "my",
        "our",
        "very",
        "super",
        "duper",
        "strong",
        "stronger",
        "secure",
        "secured",
        "safe",
        "long",
        "random",
        "own",
        "new",
        "good",
        "complex",
        "password",
        "passwd",
        "passphrase",
        "pass",
        "pw",
        "pwd",
        "key",
        "token",
        "secret",
        "api",
        "admin",
        "root",
        "db",
        "database",
        "login",
        "user",
        "app",
        "the",
        "a",
        "for",
        "of",
        "to",
        "value",
        "string",
        "optional",
        "data",
        "access",
        "master",
        "initial",
        "default",
        "sudo",
        "jwt",
        "session",
        "this",
        "is",
        "an",
        "duper",
    ];
    const KIND: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "pass",
        "pw",
        "pwd",
        "key",
        "token",
        "secret",
        "string",
    ];
    // Words that describe the value wanted rather than being it.
    const DESCRIBING: &[&str] = &[
        "strong", "stronger", "secure", "secured", "safe", "complex", "random", "very", "super",
    ];
    let known = words
        .iter()
        .filter(|w| DESCRIPTIVE.contains(&w.as_str()))
        .count();
    words.len() >= 3
        && known + 1 >= words.len()
        && words.iter().any(|w| KIND.contains(&w.as_str()))
        && (words.iter().any(|w| DESCRIBING.contains(&w.as_str())) || first == "my")
}

/// The value only repeats the variable's name (`CHROME_TOKEN=chrome_token`,
/// `OSS_SECRET_KEY=oss_secret_key`): a placeholder for the real value.
pub fn names_itself(name: &str, value: &str) -> bool {
    let value_words = words(value);
    let name_words = words(name);
    !value_words.is_empty() && value_words.iter().all(|w| name_words.contains(w))
}

/// Lower-case words of a value: split at separators, case changes and digits
/// (`MySecureDBPassword2` gives `my secure db password`; digits are dropped).
fn words(v: &str) -> Vec<String> {
    let chars: Vec<char> = v.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // `myPassword` splits before `P`; `DBPassword` and `IsAVery` before the upper-case
        // letter that starts a lower-case run.
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Why a password-like value is one anyone can guess: a well-known default password, or the
/// same text as a name the file already shows (`guessable_from`: the service's name, its
/// user and database names). `None` for anything else.
///
/// The defaults are the first entries of the NCSC's list of the most used passwords
/// (<https://www.ncsc.gov.uk/static-assets/documents/PwnedPasswordsTop100k.txt>), the values
/// the official images' own documentation shows (`example` and `mysecretpassword` on
/// <https://hub.docker.com/_/postgres>, `minioadmin` as MinIO's root credentials when none
/// are set), and the products' well-known defaults (`changeme`, `admin`, `root`).
pub fn weak_password(value: &str, guessable_from: &[&str]) -> Option<&'static str> {
    let v = candidate(value)?;
    let lower = v.to_ascii_lowercase();
    const DEFAULTS: &[&str] = &[
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "password",
        "password1",
        "password123",
        "qwerty",
        "111111",
        "abc123",
        "letmein",
        "iloveyou",
        "admin",
        "admin123",
        "administrator",
        "root",
        "toor",
        "changeme",
        "secret",
        "pass",
        "passw0rd",
        "p@ssw0rd",
        "test",
        "guest",
        "default",
        "hackme",
        "example",
        "mysecretpassword",
        "minioadmin",
        "postgres",
        "mysql",
        "redis",
        "welcome",
        "1234",
    ];
    if DEFAULTS.contains(&lower.as_str()) {
        return Some("a well-known default password");
    }
    let same = |n: &&str| {
        let n = n.trim().to_ascii_lowercase();
        !n.is_empty() && n == lower
    };
    if guessable_from.iter().any(same) {
        return Some("the same as a name in the file (the service, its user or its database)");
    }
    None
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
        for v in [
            "hunter2x",
            "xoxo-password",
            "0x1f2e3d4c",
            "q7Lr2vN9xTb4",
            "deport-silver-showcase-pusher-radiantly",
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
            // Placeholders.
            "user_provided",
            "your-api-key-here",
            "your_mysql_root_password",
            "YOUR-CLOUDFLARE-API-TOKEN",
            "<your key>",
            "sk-...",
            "sk-xxx-xxx-xxx",
            "xxx",
            "REPLACE_ME",
            "change-me-to-something-secure",
            "pls-changeme-to-strong-pw",
            "PleaseChangeMeToSecureValue",
            "ChooseYourOwnPasswordHere1234",
            "MySecureDatabasePassword",
            "very-secure-database-password",
            "super_strong_password",
            "MySecureLoginPasswordForPhotoprism",
            "YYYYYYYYYYYYYYYYYYYY",
            "MySecretDatabasePassword",
            "ThisIsAVerySecretString",
            "very-secury-admin-password",
            "MyCloudflareApiToken",
            "%kernel.project_dir%/config/jwt/private.pem",
            "\"none\"",
            // Guessable: DC014's, not a leak.
            "changeme",
            "CHANGEME",
            "admin",
            "postgres",
            "minioadmin",
            "example",
        ] {
            assert!(!literal_value(v), "{v}");
        }
    }

    #[test]
    fn placeholders_and_guessable_passwords() {
        for v in [
            "user_provided",
            "your-api-key-here",
            "<your key>",
            "sk-...",
            "REPLACE_ME",
            "changeme",
            "TODO",
        ] {
            assert!(placeholder(v), "{v}");
        }
        for v in [
            "admin",
            "postgres",
            "q7Lr2vN9xTb4",
            "secure",
            "strongswan",
            "MyDatabase",
        ] {
            assert!(!placeholder(v), "{v}");
        }
        assert_eq!(
            weak_password("changeme", &[]),
            Some("a well-known default password")
        );
        assert_eq!(
            weak_password("'Password'", &[]),
            Some("a well-known default password")
        );
        assert!(weak_password("nextcloud", &["db", "nextcloud"]).is_some());
        assert_eq!(weak_password("nextcloud", &[]), None);
        assert_eq!(weak_password("${PASSWORD:-postgres}", &[]), None);
        assert_eq!(weak_password("your-password-here", &[]), None);
        assert_eq!(weak_password("q7Lr2vN9xTb4", &["q7"]), None);
        assert!(names_itself("CHROME_TOKEN", "chrome_token"));
        assert!(names_itself("AWS_S3_SECRET_KEY", "aws_s3_secret_key"));
        assert!(!names_itself("DB_PASSWORD", "hunter2x"));
    }
}
