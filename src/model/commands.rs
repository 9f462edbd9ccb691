//! Facts about one shell command in a `RUN` line: does it turn off TLS certificate checks or
//! package signature checks, and how. Rules read the answer; the knowledge of each tool's
//! flags lives here, once.

use super::shell::SimpleCommand;

fn args(cmd: &SimpleCommand) -> impl Iterator<Item = &str> {
    cmd.words.iter().skip(1).map(|w| w.text.as_str())
}

/// Single-letter flags, with clusters like `-fsSLk` expanded; stops at `--`.
fn short_flags(cmd: &SimpleCommand) -> Vec<char> {
    let mut out = Vec::new();
    for a in args(cmd) {
        if a == "--" {
            break;
        }
        if let Some(rest) = a.strip_prefix('-') {
            if !rest.starts_with('-') {
                out.extend(rest.chars().take_while(|c| c.is_ascii_alphabetic()));
            }
        }
    }
    out
}

fn has_arg(cmd: &SimpleCommand, wanted: &[&str]) -> Option<String> {
    args(cmd)
        .find(|a| wanted.iter().any(|w| a == w || a.strip_prefix(w).is_some_and(|r| r.starts_with('='))))
        .map(str::to_string)
}

fn falsy(v: &str) -> bool {
    matches!(v.trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase().as_str(), "false" | "0" | "no" | "off")
}

/// Environment variables that turn off certificate verification, with the value that does it.
pub fn env_disables_tls(name: &str, value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && !falsy(v),
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" | "YARN_STRICT_SSL" => falsy(v),
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        "CURL_INSECURE" => !v.is_empty() && !falsy(v),
        _ => false,
    }
}

/// How this command turns off TLS certificate verification, if it does.
pub fn disables_tls(cmd: &SimpleCommand) -> Option<String> {
    for a in &cmd.assignments {
        if let Some((n, v)) = a.text.split_once('=') {
            if env_disables_tls(n, v) {
                return Some(format!("`{}` turns off certificate verification", a.text));
            }
        }
    }
    let name = cmd.name()?;
    match name {
        "curl" => {
            if short_flags(cmd).contains(&'k') {
                return Some("`curl -k` skips certificate verification".into());
            }
            has_arg(cmd, &["--insecure", "--proxy-insecure"]).map(|a| format!("`curl {a}` skips certificate verification"))
        }
        "wget" => has_arg(cmd, &["--no-check-certificate"]).map(|a| format!("`wget {a}` skips certificate verification")),
        "pip" | "pip3" | "pipx" | "uv" => has_arg(cmd, &["--trusted-host", "--allow-insecure-host"])
            .map(|a| format!("`{name} {a}` accepts the host without a valid certificate")),
        "python" | "python3" => {
            // python -m pip install --trusted-host ...
            let is_pip = args(cmd).collect::<Vec<_>>().windows(2).any(|w| w[0] == "-m" && w[1] == "pip");
            if is_pip {
                has_arg(cmd, &["--trusted-host"]).map(|a| format!("`pip {a}` accepts the host without a valid certificate"))
            } else {
                None
            }
        }
        "npm" | "yarn" | "pnpm" => {
            let a: Vec<&str> = args(cmd).collect();
            let sets_strict = a.windows(2).any(|w| {
                (w[0] == "strict-ssl" || w[0] == "strictSSL" || w[0] == "enableStrictSsl") && falsy(w[1])
            }) || a.iter().any(|x| {
                x.split_once('=').is_some_and(|(k, v)| {
                    matches!(k, "strict-ssl" | "--strict-ssl" | "strictSSL") && falsy(v)
                })
            });
            sets_strict.then(|| format!("`{name}` is configured with strict-ssl off"))
        }
        "git" => {
            let a: Vec<&str> = args(cmd).collect();
            let off = a.iter().any(|x| {
                x.split_once('=').is_some_and(|(k, v)| k.eq_ignore_ascii_case("http.sslVerify") && falsy(v))
            }) || a.windows(2).any(|w| w[0].eq_ignore_ascii_case("http.sslVerify") && falsy(w[1]));
            off.then(|| "`git` is configured with http.sslVerify false".into())
        }
        "yum" | "dnf" | "tdnf" | "microdnf" => has_arg(cmd, &["--setopt"])
            .filter(|_| args(cmd).any(|a| {
                let a = a.to_ascii_lowercase();
                a.contains("sslverify=0") || a.contains("sslverify=false") || a.contains("sslverify=no")
            }))
            .map(|_| format!("`{name} --setopt=sslverify=...` turns off certificate verification")),
        "export" => args(cmd).find_map(|a| {
            let (n, v) = a.split_once('=')?;
            env_disables_tls(n, v).then(|| format!("`export {a}` turns off certificate verification"))
        }),
        _ => None,
    }
}

/// How this command installs packages without checking their signatures, if it does.
pub fn disables_signatures(cmd: &SimpleCommand) -> Option<String> {
    let name = cmd.name()?;
    match name {
        "apk" => has_arg(cmd, &["--allow-untrusted"]).map(|a| format!("`apk {a}` installs unsigned packages")),
        "apt-get" | "apt" | "aptitude" => {
            if let Some(a) = has_arg(cmd, &["--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes"]) {
                return Some(format!("`{name} {a}` accepts unauthenticated packages"));
            }
            let a: Vec<&str> = args(cmd).collect();
            a.iter()
                .enumerate()
                .find(|(i, x)| {
                    let opt = if **x == "-o" { a.get(i + 1).copied().unwrap_or("") } else { x.strip_prefix("-o").unwrap_or("") };
                    let lower = opt.to_ascii_lowercase();
                    (lower.contains("allowunauthenticated") || lower.contains("allowinsecurerepositories") || lower.contains("allow-insecure"))
                        && !falsy(lower.rsplit('=').next().unwrap_or(""))
                })
                .map(|(_, x)| format!("`{name} -o {}` accepts unauthenticated packages", x.trim_start_matches("-o")))
        }
        "yum" | "dnf" | "tdnf" | "microdnf" | "zypper" => {
            if let Some(a) = has_arg(cmd, &["--nogpgcheck", "--no-gpg-checks", "--no-gpgcheck"]) {
                return Some(format!("`{name} {a}` skips signature checks"));
            }
            args(cmd)
                .find(|a| {
                    let a = a.to_ascii_lowercase();
                    a.contains("gpgcheck=0") || a.contains("gpgcheck=false")
                })
                .map(|a| format!("`{name} {a}` skips signature checks"))
        }
        "rpm" => has_arg(cmd, &["--nosignature", "--nodigest", "--noverify"])
            .map(|a| format!("`rpm {a}` skips signature checks")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shell::commands;

    fn tls(t: &str) -> Option<String> {
        commands(t).iter().find_map(disables_tls)
    }
    fn sig(t: &str) -> Option<String> {
        commands(t).iter().find_map(disables_signatures)
    }

    #[test]
    fn tls_off() {
        for t in [
            "curl -fsSLk https://x", "curl --insecure https://x", "wget --no-check-certificate x",
            "pip install --trusted-host pypi.org x", "npm config set strict-ssl false",
            "git config --global http.sslVerify false", "git -c http.sslVerify=false clone x",
            "NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci", "export PYTHONHTTPSVERIFY=0",
            "yarn config set strict-ssl false", "dnf --setopt=sslverify=false install x",
        ] {
            assert!(tls(t).is_some(), "{t}");
        }
        for t in ["curl -fsSL https://x", "wget -q x", "pip install x", "git clone x", "npm config set strict-ssl true", "curl -- -k"] {
            assert!(tls(t).is_none(), "{t}");
        }
    }

    #[test]
    fn signatures_off() {
        for t in [
            "apk add --allow-untrusted x.apk", "apt-get install -y --allow-unauthenticated x",
            "apt-get -o APT::Get::AllowUnauthenticated=true install x", "yum install --nogpgcheck x",
            "rpm -i --nosignature x.rpm", "tdnf install --nogpgcheck x",
        ] {
            assert!(sig(t).is_some(), "{t}");
        }
        for t in ["apk add --no-cache x", "apt-get install -y x", "yum install -y x", "rpm -i x.rpm"] {
            assert!(sig(t).is_none(), "{t}");
        }
    }
}
