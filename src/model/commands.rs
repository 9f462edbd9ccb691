//! Facts about one shell command in a `RUN` line: does it turn off TLS certificate checks or
//! package signature checks, and how. Rules read the answer; the knowledge of each tool's
//! flags lives here, once.

use super::shell::SimpleCommand;

fn args(cmd: &SimpleCommand) -> impl Iterator<Item = &str> {
    cmd.words.iter().skip(1).map(|w| w.text.as_str())
}

/// Single-letter flags, with clusters like `-fsSLk` expanded; stops at `--`. A letter in
/// `valued` takes a value (the rest of the cluster, or the next word), as getopt reads it:
/// `curl -Hk` sends a header `k`, `curl -o -k` writes to a file named `-k`.
fn short_flags(cmd: &SimpleCommand, valued: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut words = args(cmd);
    while let Some(a) = words.next() {
        if a == "--" {
            break;
        }
        let Some(rest) = a.strip_prefix('-').filter(|r| !r.starts_with('-')) else {
            continue;
        };
        for (i, c) in rest.char_indices() {
            if !c.is_ascii_alphabetic() {
                break;
            }
            out.push(c);
            if valued.contains(c) {
                if i + 1 == rest.len() {
                    words.next();
                }
                break;
            }
        }
    }
    out
}

/// curl's short options that take a value (curl's manual).
const CURL_VALUED: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";

fn has_arg(cmd: &SimpleCommand, wanted: &[&str]) -> Option<String> {
    args(cmd)
        .find(|a| {
            wanted
                .iter()
                .any(|w| a == w || a.strip_prefix(w).is_some_and(|r| r.starts_with('=')))
        })
        .map(str::to_string)
}

fn unquoted(v: &str) -> &str {
    v.trim_matches(|c| c == '"' || c == '\'')
}

/// git's boolean config values (`git config --type=bool`): false, no, off, 0 and the empty
/// value are false.
fn falsy(v: &str) -> bool {
    matches!(
        unquoted(v).to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off" | ""
    )
}

/// How npm (nopt) reads a Boolean setting from a string: numbers by value (`0` is false),
/// `false` and `null` are false, every other string is true (`no` and `off` too).
fn npm_false(v: &str) -> bool {
    let v = unquoted(v).trim();
    v == "false" || v == "null" || v.parse::<f64>().is_ok_and(|n| n == 0.0) || v.is_empty()
}

/// apt's boolean values (`StringToBool` in apt-pkg): no, false, without, off, disable, 0.
fn apt_false(v: &str) -> bool {
    matches!(
        unquoted(v).to_ascii_lowercase().as_str(),
        "no" | "false" | "without" | "off" | "disable" | "0"
    )
}

/// dnf's and yum's boolean option values: 0, no, false, off.
fn dnf_false(v: &str) -> bool {
    matches!(
        unquoted(v).to_ascii_lowercase().as_str(),
        "0" | "no" | "false" | "off"
    )
}

/// `key=value` options in any word (`--setopt=sslverify=0`, `-oAcquire::...=false`): the
/// value of the first `key` (compared case-insensitively) that `off` says is off.
fn option_off(cmd: &SimpleCommand, keys: &[&str], off: fn(&str) -> bool) -> Option<String> {
    args(cmd).find_map(|a| {
        let lower = a.to_ascii_lowercase();
        keys.iter().find_map(|k| {
            let at = lower.find(&k.to_ascii_lowercase())?;
            let value = lower[at + k.len()..].strip_prefix('=')?;
            off(value).then(|| a.to_string())
        })
    })
}

/// Environment variables that turn off certificate verification, with the value that does it.
pub fn env_disables_tls(name: &str, value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    match name {
        // Node: "if value equals '0', certificate validation is disabled"; Python (PEP 493):
        // `0` turns verification off. Nothing else does (`false` leaves it on).
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        // git only checks that the variable is set: `GIT_SSL_NO_VERIFY=false` (or empty) turns
        // verification off too (`if (getenv("GIT_SSL_NO_VERIFY"))` in git's http.c).
        "GIT_SSL_NO_VERIFY" => true,
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" => npm_false(v),
        // A host list: pip, uv and Go fetch from those hosts without checking certificates.
        "PIP_TRUSTED_HOST" | "UV_INSECURE_HOST" | "GOINSECURE" => !v.trim().is_empty(),
        // conda's booleans: false, no, off (and 0).
        "CONDA_SSL_VERIFY" => matches!(
            v.to_ascii_lowercase().as_str(),
            "false" | "no" | "off" | "0"
        ),
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
            if short_flags(cmd, CURL_VALUED).contains(&'k') {
                return Some("`curl -k` skips certificate verification".into());
            }
            has_arg(cmd, &["--insecure", "--proxy-insecure"])
                .map(|a| format!("`curl {a}` skips certificate verification"))
        }
        "wget" => has_arg(cmd, &["--no-check-certificate"])
            .map(|a| format!("`wget {a}` skips certificate verification")),
        "pip" | "pip3" | "pipx" | "uv" => {
            has_arg(cmd, &["--trusted-host", "--allow-insecure-host"])
                .map(|a| format!("`{name} {a}` accepts the host without a valid certificate"))
        }
        "python" | "python3" => {
            // python -m pip install --trusted-host ...
            let is_pip = args(cmd)
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[0] == "-m" && w[1] == "pip");
            if is_pip {
                has_arg(cmd, &["--trusted-host"])
                    .map(|a| format!("`pip {a}` accepts the host without a valid certificate"))
            } else {
                None
            }
        }
        "npm" | "yarn" | "pnpm" => {
            let a: Vec<&str> = args(cmd).collect();
            let sets_strict = a.windows(2).any(|w| {
                (w[0] == "strict-ssl" || w[0] == "strictSSL" || w[0] == "enableStrictSsl")
                    && npm_false(w[1])
            }) || a.iter().any(|x| {
                x.split_once('=').is_some_and(|(k, v)| {
                    matches!(k, "strict-ssl" | "--strict-ssl" | "strictSSL") && npm_false(v)
                })
            }) || a.contains(&"--no-strict-ssl");
            sets_strict.then(|| format!("`{name}` is configured with strict-ssl off"))
        }
        "git" => {
            let a: Vec<&str> = args(cmd).collect();
            let off = a.iter().any(|x| {
                x.split_once('=')
                    .is_some_and(|(k, v)| k.eq_ignore_ascii_case("http.sslVerify") && falsy(v))
            }) || a
                .windows(2)
                .any(|w| w[0].eq_ignore_ascii_case("http.sslVerify") && falsy(w[1]));
            off.then(|| "`git` is configured with http.sslVerify false".into())
        }
        "yum" | "dnf" | "tdnf" | "microdnf" => option_off(cmd, &["sslverify"], dnf_false)
            .map(|a| format!("`{name} {a}` turns off certificate verification")),
        "apt-get" | "apt" => option_off(
            cmd,
            &["Acquire::https::Verify-Peer", "Acquire::https::Verify-Host"],
            apt_false,
        )
        .map(|a| match a.starts_with("-o") {
            true => format!("`{name} {a}` turns off certificate verification"),
            false => format!("`{name} -o {a}` turns off certificate verification"),
        }),
        "helm" | "kubectl" => args(cmd)
            .find(|a| {
                *a == "--insecure-skip-tls-verify"
                    || a.strip_prefix("--insecure-skip-tls-verify=")
                        .is_some_and(|v| !falsy(v))
            })
            .map(|a| format!("`{name} {a}` skips certificate verification")),
        "podman" | "buildah" | "skopeo" => args(cmd)
            .find(|a| {
                a.strip_prefix("--tls-verify=")
                    .or_else(|| a.strip_prefix("--src-tls-verify="))
                    .or_else(|| a.strip_prefix("--dest-tls-verify="))
                    .is_some_and(falsy)
            })
            .map(|a| format!("`{name} {a}` skips certificate verification")),
        "aws" => has_arg(cmd, &["--no-verify-ssl"])
            .map(|a| format!("`aws {a}` skips certificate verification")),
        "conda" | "mamba" | "micromamba" => {
            let a: Vec<&str> = args(cmd).collect();
            let off = a.windows(2).any(|w| {
                w[0] == "ssl_verify"
                    && matches!(
                        w[1].to_ascii_lowercase().as_str(),
                        "false" | "no" | "off" | "0"
                    )
            });
            off.then(|| {
                format!("`{name} config --set ssl_verify` turns off certificate verification")
            })
        }
        "mvn" | "mvnw" | "./mvnw" => args(cmd)
            .find(|a| {
                a.strip_prefix("-Dmaven.wagon.http.ssl.insecure=")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            })
            .map(|a| format!("`mvn {a}` accepts any certificate")),
        "export" => args(cmd).find_map(|a| {
            let (n, v) = a.split_once('=')?;
            env_disables_tls(n, v)
                .then(|| format!("`export {a}` turns off certificate verification"))
        }),
        _ => None,
    }
}

/// How this command installs packages without checking their signatures, if it does.
pub fn disables_signatures(cmd: &SimpleCommand) -> Option<String> {
    let name = cmd.name()?;
    match name {
        "apk" => has_arg(cmd, &["--allow-untrusted"])
            .map(|a| format!("`apk {a}` installs unsigned packages")),
        "apt-get" | "apt" | "aptitude" => {
            if let Some(a) = has_arg(
                cmd,
                &[
                    "--allow-unauthenticated",
                    "--allow-insecure-repositories",
                    "--force-yes",
                ],
            ) {
                return Some(format!("`{name} {a}` accepts unauthenticated packages"));
            }
            let a: Vec<&str> = args(cmd).collect();
            a.iter()
                .enumerate()
                .find(|(i, x)| {
                    let opt = if **x == "-o" {
                        a.get(i + 1).copied().unwrap_or("")
                    } else {
                        x.strip_prefix("-o").unwrap_or("")
                    };
                    let lower = opt.to_ascii_lowercase();
                    (lower.contains("allowunauthenticated")
                        || lower.contains("allowinsecurerepositories")
                        || lower.contains("allow-insecure"))
                        && !apt_false(lower.rsplit('=').next().unwrap_or(""))
                })
                .map(|(i, x)| {
                    let opt = if *x == "-o" {
                        a.get(i + 1).copied().unwrap_or("")
                    } else {
                        x.trim_start_matches("-o")
                    };
                    format!("`{name} -o {opt}` accepts unauthenticated packages")
                })
        }
        "yum" | "dnf" | "tdnf" | "microdnf" | "zypper" => {
            if let Some(a) = has_arg(cmd, &["--nogpgcheck", "--no-gpg-checks", "--no-gpgcheck"]) {
                return Some(format!("`{name} {a}` skips signature checks"));
            }
            option_off(cmd, &["gpgcheck"], dnf_false)
                .map(|a| format!("`{name} {a}` skips signature checks"))
        }
        // `deb [trusted=yes] http://...` written into a sources list: apt installs from that
        // repository without checking its signature. A `file:` or `copy:` repository is one the
        // build made itself from packages it already verified (docker-library's postgres).
        "echo" | "printf" | "tee" => args(cmd)
            .find(|a| {
                let a = a.to_ascii_lowercase();
                let remote = ["http://", "https://", "ftp://", "tor+"]
                    .iter()
                    .any(|s| a.contains(s));
                a.contains("deb ") && a.contains("trusted=yes") && remote
            })
            .map(|_| {
                "an apt source with `[trusted=yes]` skips signature checks for that repository"
                    .into()
            }),
        "rpm" => has_arg(cmd, &["--nosignature", "--nodigest", "--noverify"])
            .map(|a| format!("`rpm {a}` skips signature checks")),
        _ => None,
    }
}

/// The download tool writes what it fetches to standard output: `curl URL` (no `-o`/`-O`),
/// `wget -O- URL`, `wget -qO - URL`, `-o /dev/stdout`. False for other commands.
pub fn fetches_to_stdout(cmd: &SimpleCommand) -> bool {
    let is_stdout = |v: &str| v == "-" || v == "/dev/stdout";
    let a: Vec<&str> = args(cmd).collect();
    match cmd.name() {
        Some("curl") => {
            // Short options of curl that take a value (the rest of a cluster, or the next word).
            const VALUED: &str = "AbcCdDeEFHKmoPQrTuUwxXyYz";
            let mut to_file = false;
            let mut i = 0;
            while i < a.len() {
                let w = a[i];
                i += 1;
                if w == "--" {
                    break;
                }
                if let Some(long) = w.strip_prefix("--") {
                    let (name, value) = match long.split_once('=') {
                        Some((n, v)) => (n, Some(v)),
                        None => (long, None),
                    };
                    match name {
                        "output" => {
                            let v = value.or_else(|| a.get(i).copied()).unwrap_or("");
                            i += usize::from(value.is_none());
                            to_file = !is_stdout(v);
                        }
                        "remote-name" | "remote-name-all" | "remote-header-name" => to_file = true,
                        _ => {}
                    }
                } else if let Some(cluster) = w.strip_prefix('-').filter(|c| !c.is_empty()) {
                    for (k, c) in cluster.char_indices() {
                        if c == 'O' || c == 'J' {
                            to_file = true;
                        } else if VALUED.contains(c) {
                            let rest = &cluster[k + 1..];
                            let v = if rest.is_empty() {
                                i += 1;
                                a.get(i - 1).copied().unwrap_or("")
                            } else {
                                rest
                            };
                            if c == 'o' {
                                to_file = !is_stdout(v);
                            }
                            break;
                        }
                    }
                }
            }
            !to_file
        }
        Some("wget") => {
            // Short options of wget that take a value.
            const VALUED: &str = "aBeiOoPQtTUwY";
            let mut stdout = false;
            let mut i = 0;
            while i < a.len() {
                let w = a[i];
                i += 1;
                if w == "--" {
                    break;
                }
                if let Some(long) = w.strip_prefix("--") {
                    if let Some(v) = long.strip_prefix("output-document=") {
                        stdout = is_stdout(v);
                    } else if long == "output-document" {
                        stdout = a.get(i).is_some_and(|v| is_stdout(v));
                        i += 1;
                    }
                } else if let Some(cluster) = w.strip_prefix('-').filter(|c| !c.is_empty()) {
                    for (k, c) in cluster.char_indices() {
                        if VALUED.contains(c) {
                            let rest = &cluster[k + 1..];
                            let v = if rest.is_empty() {
                                i += 1;
                                a.get(i - 1).copied().unwrap_or("")
                            } else {
                                rest
                            };
                            if c == 'O' {
                                stdout = is_stdout(v);
                            }
                            break;
                        }
                    }
                }
            }
            stdout
        }
        _ => false,
    }
}

/// When this command (the reader end of a pipe) runs its standard input as a program: the
/// words up to and including the interpreter, e.g. `bash`, `sudo -E bash`, `python3`.
/// `sh -s -- -y`, `bash -`, `python3 -` and `php -- --install-dir=x` read the program from
/// stdin; `bash -c '…'`, `python3 -c '…'`, `python3 -m json.tool`, `perl -e '…'`, `sh x.sh`
/// and `python3 parse.py` read stdin as data.
pub fn stdin_interpreter(cmd: &SimpleCommand) -> Option<String> {
    let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
    let mut start = 0;
    // Wrappers that run the next word as the program: sudo, doas, env.
    loop {
        let name = words
            .get(start)
            .map(|w| w.rsplit('/').next().unwrap_or(w))?;
        let (with_value, assignments): (&[&str], bool) = match name {
            "sudo" => (
                &[
                    "-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "-R",
                ],
                false,
            ),
            "doas" => (&["-u", "-C"], false),
            "env" => (&["-u", "-C", "-S"], true),
            _ => break,
        };
        let mut i = start + 1;
        while let Some(w) = words.get(i) {
            if *w == "--" {
                i += 1;
                break;
            }
            if with_value.contains(w) {
                i += 2;
            } else if w.starts_with('-') || (assignments && w.contains('=')) {
                i += 1;
            } else {
                break;
            }
        }
        start = i;
    }
    let prog = words.get(start)?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let rest = &words[start + 1..];
    let runs_stdin = match base {
        "sh" | "bash" | "zsh" | "ash" | "dash" | "ksh" | "mksh" => shell_reads_stdin(rest),
        _ if base.starts_with("python")
            && base[6..].chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            interpreter_reads_stdin(rest, &["-c", "-m"], &["-W", "-X", "-Q"])
        }
        "perl" => interpreter_reads_stdin(rest, &["-e", "-E"], &[]),
        "ruby" => interpreter_reads_stdin(rest, &["-e"], &["-r", "-I", "-C"]),
        "node" | "nodejs" => interpreter_reads_stdin(
            rest,
            &["-e", "--eval", "-p", "--print"],
            &["-r", "--require"],
        ),
        "php" => interpreter_reads_stdin(
            rest,
            &["-r", "-f", "-R", "-F", "-B", "-E"],
            &["-d", "-c", "-z"],
        ),
        _ => false,
    };
    runs_stdin.then(|| words[..=start].join(" "))
}

/// `bash <(curl -fsSL URL)`, `sh -c "$(wget -qO- URL)"`, `source <(curl URL)`: a shell or
/// interpreter runs a download's output without a pipe. The download command (`curl`,
/// `wget`), when its output is what runs.
pub fn runs_fetched_script(cmd: &SimpleCommand) -> Option<String> {
    let name = cmd.name()?;
    let shell = matches!(
        name,
        "sh" | "bash" | "zsh" | "ash" | "dash" | "ksh" | "mksh"
    );
    let interpreter = shell
        || matches!(name, "source" | "." | "perl" | "ruby" | "node" | "nodejs")
        || (name.starts_with("python")
            && name[6..].chars().all(|c| c.is_ascii_digit() || c == '.'));
    if !interpreter {
        return None;
    }
    // What runs: a process substitution operand, or a command substitution as `-c`'s script.
    let inline =
        shell && args(cmd).any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'));
    let fetch = |script: &str| {
        let inner = super::shell::commands(script);
        let first = inner.first()?;
        let tool = first.name()?;
        (matches!(tool, "curl" | "wget") && fetches_to_stdout(first)).then(|| tool.to_string())
    };
    args(cmd).find_map(|a| {
        if let Some(sub) = a.strip_prefix("<(") {
            return fetch(sub.strip_suffix(')').unwrap_or(sub));
        }
        if !inline {
            return None;
        }
        // The substitution is the whole script: in `-c "echo $(curl …)"` it is only data.
        let script = a.trim();
        let inner = match script.strip_prefix("$(") {
            Some(rest) => rest.strip_suffix(')')?,
            None => script.strip_prefix('`')?.strip_suffix('`')?,
        };
        fetch(inner)
    })
}

/// `sh` and friends: a `c` in an option cluster means the program is an argument; `-s` or no
/// script operand (or `-`) means it is read from stdin.
/// A script operand that is standard input under another name.
fn names_stdin(operand: &str) -> bool {
    matches!(
        operand,
        "-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0"
    )
}

fn shell_reads_stdin(args: &[&str]) -> bool {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if names_stdin(a) {
            return true;
        }
        // `--` ends the options: a script operand after it is a file, none means stdin.
        if *a == "--" {
            return args.get(i + 1).is_none_or(|op| names_stdin(op));
        }
        if matches!(*a, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
            i += 2;
            continue;
        }
        if let Some(cluster) = a.strip_prefix('-').or_else(|| a.strip_prefix('+')) {
            if !a.starts_with("--") && cluster.contains('c') {
                return false;
            }
            if !a.starts_with("--") && cluster.contains('s') {
                return true;
            }
            i += 1;
            continue;
        }
        // A script file: stdin is its input, not its program.
        return false;
    }
    true
}

/// Interpreters other than shells: `code` options give the program on the command line;
/// `valued` options take the next word. No script operand, or `-`, means stdin.
fn interpreter_reads_stdin(args: &[&str], code: &[&str], valued: &[&str]) -> bool {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        // `php -- --install-dir=x`: after `--` come the stdin script's own arguments.
        if names_stdin(a) || *a == "--" {
            return true;
        }
        if code
            .iter()
            .any(|c| a == c || (c.len() == 2 && !a.starts_with("--") && a.starts_with(c)))
        {
            return false;
        }
        if valued.contains(a) {
            i += 2;
            continue;
        }
        if a.starts_with('-') {
            i += 1;
            continue;
        }
        return false;
    }
    true
}

/// How this command makes files writable by every user, if it does: `chmod 777`, `chmod
/// -R a+rwx`, `chmod o+w`, `mkdir -m 777`, `install -m 0666`. Modes with the sticky bit
/// (`1777`, `+t`) are the shared-directory idiom (`/tmp`) and are not reported; `chmod +w`
/// without a `who` is masked by the umask and is not reported either.
pub fn world_writable(cmd: &SimpleCommand) -> Option<String> {
    let name = cmd.name()?;
    let a: Vec<&str> = args(cmd).collect();
    let mut mode: Option<&str> = None;
    let mut operands: Vec<&str> = Vec::new();
    match name {
        "chmod" => {
            let mut opts_done = false;
            for w in &a {
                if !opts_done && *w == "--" {
                    opts_done = true;
                } else if !opts_done && w.starts_with("--") {
                    // `--reference=FILE` copies a mode we cannot see.
                    if w.starts_with("--reference") {
                        return None;
                    }
                } else if !opts_done
                    && w.starts_with('-')
                    && w.len() > 1
                    && w[1..].chars().all(|c| "RfvcH".contains(c))
                {
                } else if mode.is_none() {
                    mode = Some(w);
                } else {
                    operands.push(w);
                }
            }
        }
        "mkdir" | "install" => {
            // Short options that take a value; `-pm777` is `-p -m 777`.
            let valued = if name == "mkdir" { "m" } else { "mgoSt" };
            let mut i = 0;
            while i < a.len() {
                let w = a[i];
                i += 1;
                if let Some(long) = w.strip_prefix("--") {
                    match long.split_once('=') {
                        Some(("mode", m)) => mode = Some(m),
                        Some(_) => {}
                        None if matches!(
                            long,
                            "mode" | "owner" | "group" | "suffix" | "target-directory"
                        ) =>
                        {
                            if long == "mode" {
                                mode = a.get(i).copied();
                            }
                            i += 1;
                        }
                        None => {}
                    }
                } else if let Some(cluster) = w.strip_prefix('-').filter(|c| !c.is_empty()) {
                    for (k, c) in cluster.char_indices() {
                        if valued.contains(c) {
                            let rest = &cluster[k + 1..];
                            let v = if rest.is_empty() {
                                i += 1;
                                a.get(i - 1).copied()
                            } else {
                                Some(rest)
                            };
                            if c == 'm' {
                                mode = v;
                            }
                            break;
                        }
                    }
                } else {
                    operands.push(w);
                }
            }
        }
        _ => return None,
    }
    let mode = mode?;
    if !grants_others_write(mode) {
        return None;
    }
    let what = match operands.as_slice() {
        [] => String::new(),
        [one] => format!(" `{one}`"),
        [first, rest @ ..] => format!(" `{first}` and {} more", rest.len()),
    };
    let recursive = name == "chmod"
        && a.iter().any(|w| {
            *w == "--recursive" || (w.starts_with('-') && !w.starts_with("--") && w.contains('R'))
        });
    let shown = match name {
        "chmod" if recursive => format!("chmod -R {mode}"),
        "chmod" => format!("chmod {mode}"),
        _ => format!("{name} -m {mode}"),
    };
    let verb = if name == "chmod" { "makes" } else { "creates" };
    Some(format!("`{shown}` {verb}{what} writable by every user"))
}

/// The mode gives "others" write permission without the sticky bit.
fn grants_others_write(mode: &str) -> bool {
    if !mode.is_empty() && mode.len() <= 4 && mode.chars().all(|c| ('0'..='7').contains(&c)) {
        let v = u32::from_str_radix(mode, 8).unwrap_or(0);
        return v & 0o002 != 0 && v & 0o1000 == 0;
    }
    let mut others_w = false;
    let mut sticky = false;
    for clause in mode.split(',') {
        let who_end = clause.find(['+', '-', '=']).unwrap_or(clause.len());
        let who = &clause[..who_end];
        if !who.chars().all(|c| "ugoa".contains(c)) {
            return false;
        }
        let others = who.contains('o') || who.contains('a');
        let mut rest = &clause[who_end..];
        while let Some(op) = rest.chars().next() {
            let perms_end = rest[1..]
                .find(['+', '-', '='])
                .map_or(rest.len(), |e| e + 1);
            let perms = &rest[1..perms_end];
            if perms.contains('t') && op != '-' {
                sticky = true;
            }
            if others {
                match op {
                    '+' if perms.contains('w') => others_w = true,
                    '=' => others_w = perms.contains('w'),
                    '-' if perms.contains('w') => others_w = false,
                    _ => {}
                }
            }
            rest = &rest[perms_end..];
        }
    }
    others_w && !sticky
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
            "curl -fsSLk https://x",
            "curl --insecure https://x",
            "wget --no-check-certificate x",
            "pip install --trusted-host pypi.org x",
            "npm config set strict-ssl false",
            "git config --global http.sslVerify false",
            "git -c http.sslVerify=false clone x",
            "NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci",
            "export PYTHONHTTPSVERIFY=0",
            "yarn config set strict-ssl false",
            "dnf --setopt=sslverify=false install x",
        ] {
            assert!(tls(t).is_some(), "{t}");
        }
        for t in [
            "curl -fsSL https://x",
            "wget -q x",
            "pip install x",
            "git clone x",
            "npm config set strict-ssl true",
            "curl -- -k",
        ] {
            assert!(tls(t).is_none(), "{t}");
        }
        // git honours GIT_SSL_NO_VERIFY whatever its value.
        for v in ["1", "true", "false", "0", ""] {
            assert!(env_disables_tls("GIT_SSL_NO_VERIFY", v), "{v}");
        }
        assert!(!env_disables_tls("NODE_TLS_REJECT_UNAUTHORIZED", "1"));
    }

    #[test]
    fn signatures_off() {
        for t in [
            "apk add --allow-untrusted x.apk",
            "apt-get install -y --allow-unauthenticated x",
            "apt-get -o APT::Get::AllowUnauthenticated=true install x",
            "yum install --nogpgcheck x",
            "rpm -i --nosignature x.rpm",
            "tdnf install --nogpgcheck x",
        ] {
            assert!(sig(t).is_some(), "{t}");
        }
        for t in [
            "apk add --no-cache x",
            "apt-get install -y x",
            "yum install -y x",
            "rpm -i x.rpm",
        ] {
            assert!(sig(t).is_none(), "{t}");
        }
        // The option is named whether its value is attached or a separate word.
        for t in [
            "apt-get -o APT::Get::AllowUnauthenticated=true install x",
            "apt-get -oAPT::Get::AllowUnauthenticated=true install x",
        ] {
            assert_eq!(sig(t).as_deref(), Some("`apt-get -o APT::Get::AllowUnauthenticated=true` accepts unauthenticated packages"), "{t}");
        }
    }

    fn first(t: &str) -> crate::model::shell::SimpleCommand {
        commands(t).into_iter().next().unwrap()
    }

    #[test]
    fn downloads_to_stdout() {
        for t in [
            "curl -fsSL https://x",
            "curl https://x -sSf",
            "curl -o - https://x",
            "curl -fsSLo- https://x",
            "wget -O- https://x",
            "wget -qO- https://x",
            "wget -q -O - https://x",
            "wget --output-document=- x",
            "wget -O /dev/stdout x",
            "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs",
        ] {
            assert!(fetches_to_stdout(&first(t)), "{t}");
        }
        for t in [
            "curl -fsSLo /tmp/x https://x",
            "curl -O https://x",
            "curl -fsSLO https://x",
            "curl --output x https://x",
            "curl -H 'X: y' -o f https://x",
            "wget https://x",
            "wget -q https://x",
            "wget -O x.sh https://x",
            "wget -qO x https://x",
            "tar -xz",
        ] {
            assert!(!fetches_to_stdout(&first(t)), "{t}");
        }
    }

    #[test]
    fn stdin_interpreters() {
        for (t, want) in [
            ("sh", "sh"),
            ("bash -", "bash"),
            ("sh -s -- -y", "sh"),
            ("bash -s -- -M -N", "bash"),
            ("sudo bash", "sudo bash"),
            ("sudo -E bash -", "sudo -E bash"),
            ("sudo -u app sh", "sudo -u app sh"),
            ("env FOO=1 /bin/sh", "env FOO=1 /bin/sh"),
            ("python3", "python3"),
            ("python3 -", "python3"),
            ("python3.11 - --user", "python3.11"),
            ("perl", "perl"),
            ("ruby", "ruby"),
            ("php -- --install-dir=/usr/bin", "php"),
            ("bash -x", "bash"),
            ("bash -o pipefail", "bash"),
            ("node", "node"),
        ] {
            assert_eq!(stdin_interpreter(&first(t)).as_deref(), Some(want), "{t}");
        }
        for t in [
            "bash -c 'echo hi'",
            "sh -ec 'x'",
            "sh install.sh",
            "python3 -c 'import json,sys'",
            "python -m json.tool",
            "python3 parse.py",
            "perl -ne 'print'",
            "ruby -e 'p 1'",
            "php -r 'echo 1;'",
            "tar -xz",
            "sudo tee /x",
            "jq -r .tag_name",
            "sudo",
            "pythonista",
        ] {
            assert_eq!(stdin_interpreter(&first(t)), None, "{t}");
        }
    }

    #[test]
    fn world_writable_modes() {
        for t in [
            "chmod 777 /app",
            "chmod -R 777 /app",
            "chmod 0777 -R /var/lib/mpd",
            "chmod a+rwx x",
            "chmod o+w x",
            "chmod ugo+rwx x",
            "chmod -R a+rwX /data",
            "chmod u+x,o+w x",
            "chmod 666 f",
            "chmod 2777 d",
            "chmod a=rwx x",
            "mkdir -m 777 /d",
            "mkdir -pm777 /d",
            "install -m 0666 a /b",
            "mkdir --mode=a+w /d",
            "install -o root -g root -m 0777 a /b",
            "mkdir --mode 777 /d",
            "chmod -- 777 x",
        ] {
            assert!(world_writable(&first(t)).is_some(), "{t}");
        }
        for t in [
            "chmod 755 /app",
            "chmod +x run.sh",
            "chmod +w f",
            "chmod 1777 /tmp",
            "chmod -R 1777 \"$GOPATH\"",
            "chmod a+rwxt /shared",
            "chmod o-w x",
            "chmod g+w x",
            "chmod 775 x",
            "chmod o+w,o-w x",
            "chmod o=r x",
            "chmod --reference=a b",
            "mkdir -p /d",
            "install -m 0755 a /b",
            "chmod -R g=u /app",
            "chmod 640 f",
            "install -o m -g w a /b",
            "mkdir -p /m777",
            "chown 777 x",
        ] {
            assert!(world_writable(&first(t)).is_none(), "{t}");
        }
        assert_eq!(
            world_writable(&first("chmod -R 777 /app /data")).as_deref(),
            Some("`chmod -R 777` makes `/app` and 1 more writable by every user")
        );
        assert_eq!(
            world_writable(&first("mkdir -pm 0777 /d")).as_deref(),
            Some("`mkdir -m 0777` creates `/d` writable by every user")
        );
    }

    #[test]
    fn fetched_scripts_run_without_a_pipe() {
        let run = |t: &str| {
            let cmds = crate::model::shell::commands(t);
            runs_fetched_script(&cmds[0])
        };
        for (text, tool) in [
            ("bash <(curl -fsSL https://example.com/i.sh)", "curl"),
            (
                "sh -c \"$(wget -qO- https://example.com/i.sh)\" -- --yes",
                "wget",
            ),
            (
                "/bin/bash -lc \"$(curl -fsSL https://example.com/i.sh)\"",
                "curl",
            ),
            ("sh -c \"`curl -s https://example.com/i.sh`\"", "curl"),
            ("source <(curl -sL https://example.com/env.sh)", "curl"),
            ("python3 <(curl -s https://example.com/get-pip.py)", "curl"),
        ] {
            assert_eq!(run(text).as_deref(), Some(tool), "{text}");
        }
        for text in [
            "bash <(curl -fsSL -o /tmp/i.sh https://example.com/i.sh)",
            "bash -c \"echo $(curl -fsSL https://example.com/v)\"",
            "echo \"$(curl -fsSL https://example.com/v)\"",
            "bash \"$(curl -fsSL https://example.com/path)\"",
            "diff <(sort a) <(sort b)",
            "bash -c 'make && make install'",
        ] {
            assert_eq!(run(text), None, "{text}");
        }
    }
}
