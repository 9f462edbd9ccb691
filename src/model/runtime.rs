//! What a container can reach on its host and who it runs as: container-runtime sockets,
//! sensitive host paths, capabilities that break isolation, security options that switch
//! confinement off, and images whose main process is known to run as a non-root user.
//! Computed here, in Rust, so that Compose rules (and later Kubernetes `hostPath`,
//! `capabilities.add` and `securityContext` rules) agree on them.

use super::{Command, ImageRef};

/// The container runtime whose API socket `host_path` is (`Docker`, `Podman`, ...), by its
/// file name: `/var/run/docker.sock`, `/run/user/1000/podman/podman.sock`, ...
pub fn runtime_socket(host_path: &str) -> Option<&'static str> {
    let name = host_path.rsplit('/').next().unwrap_or("");
    match name {
        "docker.sock" => Some("Docker"),
        "podman.sock" => Some("Podman"),
        "containerd.sock" => Some("containerd"),
        "crio.sock" => Some("CRI-O"),
        "cri-dockerd.sock" => Some("cri-dockerd"),
        _ => None,
    }
}

/// A host folder that holds a container runtime's API socket: mounting it gives the socket
/// (and any socket the daemon creates there later). `/run` and `/var/run` hold Docker's (and
/// on Kubernetes nodes containerd's or CRI-O's).
pub fn runtime_socket_folder(host_path: &str) -> Option<&'static str> {
    let p = host_path.trim_end_matches('/');
    let in_run = |rest: &str| {
        [p.strip_prefix("/run/"), p.strip_prefix("/var/run/")]
            .into_iter()
            .flatten()
            .any(|r| r == rest)
    };
    if p == "/run" || p == "/var/run" {
        return Some("container runtime");
    }
    if in_run("docker") {
        return Some("Docker");
    }
    if in_run("containerd") || in_run("k3s/containerd") {
        return Some("containerd");
    }
    if in_run("crio") {
        return Some("CRI-O");
    }
    if in_run("podman") {
        return Some("Podman");
    }
    // Rootless Podman: `/run/user/<uid>/podman`.
    let rootless = p
        .strip_prefix("/run/user/")
        .and_then(|r| r.split_once('/'))
        .is_some_and(|(uid, rest)| uid.bytes().all(|b| b.is_ascii_digit()) && rest == "podman");
    rootless.then_some("Podman")
}

/// A filtering proxy for the Docker API (the documented way to give other services a subset
/// of it): it needs the socket itself, and its allow-list is what matters.
pub fn socket_proxy_image(image: &ImageRef) -> bool {
    !image.unresolved
        && matches!(
            image.repository.as_str(),
            "tecnativa/docker-socket-proxy"
                | "linuxserver/socket-proxy"
                | "wollomatic/socket-proxy"
        )
}

/// Why binding `path` (normalized: no `//`, `.` or trailing `/`) from the host is dangerous,
/// or `None`. Some paths are dangerous to read (password hashes, keys, other containers'
/// data, sockets, which stay usable on a read-only mount); the rest only when writable
/// (kernel interfaces, programs run by root). Runtime sockets are left to their own rule.
pub fn sensitive_host_path(path: &str, read_only: bool) -> Option<&'static str> {
    if let Some(reason) = readable_secret(path) {
        return Some(reason);
    }
    if read_only {
        return None;
    }
    let under =
        |dir: &str| path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'));
    Some(match path {
        "/proc" => "the host's /proc: kernel settings such as `core_pattern` run host commands",
        _ if under("/proc/sys") => {
            "the host's kernel settings: `core_pattern` and others run host commands"
        }
        "/sys" => "the host's /sys: kernel and device settings",
        _ if under("/sys/fs/cgroup") => {
            "the host's cgroups: a writable `release_agent` runs host commands"
        }
        _ if under("/sys/kernel") => "the host's kernel settings",
        "/dev" => "every device of the host",
        "/boot" => "the host's kernel and boot loader",
        "/lib/modules" | "/usr/lib/modules" => "the host's kernel modules",
        "/usr" | "/bin" | "/sbin" | "/lib" | "/lib32" | "/lib64" | "/usr/bin" | "/usr/sbin"
        | "/usr/lib" | "/usr/lib64" | "/usr/libexec" | "/usr/local" | "/usr/local/bin"
        | "/usr/local/sbin" => "the host's programs and libraries, which root runs",
        "/etc/passwd" | "/etc/group" | "/etc/sudoers" | "/etc/ld.so.preload" | "/etc/crontab" => {
            "host configuration that grants root"
        }
        _ if under("/etc/sudoers.d")
            || under("/etc/cron.d")
            || under("/etc/cron.hourly")
            || under("/etc/cron.daily")
            || under("/etc/cron.weekly")
            || under("/etc/cron.monthly")
            || under("/var/spool/cron")
            || under("/etc/systemd")
            || under("/etc/init.d")
            || under("/etc/profile.d")
            || under("/etc/pam.d")
            || under("/etc/ld.so.conf.d") =>
        {
            "host configuration that runs commands as root"
        }
        "/etc/docker" | "/etc/docker/daemon.json" => "the Docker daemon's configuration",
        _ => return None,
    })
}

/// Paths that are dangerous even read-only.
fn readable_secret(path: &str) -> Option<&'static str> {
    Some(match path {
        "/" => "the host's whole filesystem",
        "/etc" => "the host's configuration, with password hashes and private keys",
        "/etc/shadow" | "/etc/gshadow" => "the host's password hashes",
        "/etc/ssh" => "the host's SSH keys",
        "/etc/kubernetes" => "the host's Kubernetes credentials",
        "/root" => "root's home directory",
        "/home" => "every user's home directory",
        "/var/lib/docker" => "Docker's data: every container's files, volumes and environment",
        "/var/lib/containerd" => "containerd's data: every container's files",
        "/var/lib/kubelet" => "the kubelet's data: every pod's secrets",
        "/run" | "/var/run" => {
            "the host's runtime directory, with the Docker socket and other daemons' sockets"
        }
        "/run/containerd" | "/var/run/containerd" => "containerd's runtime directory and socket",
        "/run/dbus"
        | "/var/run/dbus"
        | "/run/dbus/system_bus_socket"
        | "/var/run/dbus/system_bus_socket" => {
            "the host's system D-Bus: root in the container can ask systemd to run commands"
        }
        "/run/systemd" | "/var/run/systemd" => "systemd's runtime directory and control sockets",
        _ if is_home(path) => "a user's home directory, with SSH keys and cloud credentials",
        _ if credential_dir(path) => "a user's SSH keys or cloud credentials",
        _ => return None,
    })
}

/// `~`, `$HOME`, `${HOME}`, `/home/<user>`.
fn is_home(path: &str) -> bool {
    matches!(path, "~" | "$HOME" | "${HOME}")
        || path
            .strip_prefix("/home/")
            .is_some_and(|user| !user.is_empty() && !user.contains('/'))
}

/// `~/.ssh`, `${HOME}/.aws`, `/root/.kube`, `/home/me/.config/gcloud`, ...
fn credential_dir(path: &str) -> bool {
    const DIRS: &[&str] = &[
        ".ssh",
        ".aws",
        ".kube",
        ".gnupg",
        ".azure",
        ".config/gcloud",
    ];
    DIRS.iter().any(|d| {
        path.strip_suffix(d)
            .and_then(|p| p.strip_suffix('/'))
            .is_some_and(|home| is_home(home) || home == "/root")
    })
}

/// Capabilities that break the container boundary, as `cap_add` names them (upper case,
/// no `CAP_` prefix). Capabilities Docker grants by default (`NET_RAW`, `DAC_OVERRIDE`,
/// `SETFCAP`, `CHOWN`, ...) are not here: adding them changes nothing. Two only count when
/// the container reaches the host's side of their namespace: `NET_ADMIN` with the host's
/// network (it rewrites the host's firewall and routes; in the container's own namespace it
/// is what VPN containers need), `SYS_PTRACE` when host processes are visible (`pid: host`,
/// or the host's /proc mounted, whose `mem` and `environ` it may then read).
pub fn dangerous_capability(cap: &str, host_network: bool, host_processes: bool) -> bool {
    matches!(
        cap,
        "ALL"
            | "SYS_ADMIN"
            | "SYS_MODULE"
            | "SYS_RAWIO"
            | "SYS_BOOT"
            | "SYS_TIME"
            | "DAC_READ_SEARCH"
            | "MAC_ADMIN"
            | "MAC_OVERRIDE"
            | "BPF"
            | "PERFMON"
    ) || (cap == "NET_ADMIN" && host_network)
        || (cap == "SYS_PTRACE" && host_processes)
}

/// What a `security_opt` entry (`:` already written as `=`) switches off, if anything.
pub fn unconfined_option(opt: &str) -> Option<&'static str> {
    let opt = opt.trim();
    match opt.split_once('=') {
        Some(("seccomp", v)) if v.trim() == "unconfined" => Some("the seccomp filter"),
        Some(("apparmor", v)) if v.trim() == "unconfined" => Some("the AppArmor profile"),
        Some(("label", v)) if matches!(v.trim(), "disable" | "type=spc_t") => {
            Some("SELinux separation")
        }
        Some(("systempaths", v)) if v.trim() == "unconfined" => {
            Some("the masks over /proc and /sys")
        }
        _ => None,
    }
}

/// The user an image runs as when the service sets none, where moat knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ImageUser {
    Root,
    NonRoot,
    Unknown,
}

impl ImageUser {
    pub fn name(self) -> &'static str {
        match self {
            ImageUser::Root => "root",
            ImageUser::NonRoot => "non-root",
            ImageUser::Unknown => "unknown",
        }
    }
}

/// Images whose Dockerfile declares no `USER` (so they run as root), each line with where that
/// is stated. Matched against the Docker Hub name (mirrors included) or `registry/repository`.
/// Images that switch to a non-root user are `image_runs_as_non_root`'s. An image in neither
/// list is `Unknown`: moat does not call it root.
const ROOT_IMAGES: &[(&str, &str)] = &[
    // docker-library base and language images: no USER in any variant's Dockerfile
    // (github.com/docker-library/<name>; python, golang, php and httpd are in moat's corpus).
    ("python", "docker-library/python"),
    ("golang", "docker-library/golang"),
    ("php", "docker-library/php"),
    ("httpd", "docker-library/httpd"),
    (
        "node",
        "nodejs/docker-node (creates `node`, does not switch)",
    ),
    ("ruby", "docker-library/ruby"),
    ("perl", "docker-library/perl"),
    ("rust", "rust-lang/docker-rust"),
    ("openjdk", "docker-library/openjdk"),
    ("eclipse-temurin", "adoptium/containers"),
    ("debian", "debuerreotype: root filesystem, no USER"),
    ("ubuntu", "Canonical's rootfs images, no USER"),
    ("alpine", "alpinelinux/docker-alpine, no USER"),
    ("busybox", "docker-library/busybox"),
    (
        "nginx",
        "nginxinc/docker-nginx (nginx-unprivileged is the non-root variant)",
    ),
    (
        "docker",
        "docker-library/docker (dind runs dockerd as root)",
    ),
    // AI stack (../shared/domain/HARDENING-FACTS.md, AI-COMPONENTS.md).
    (
        "ollama/ollama",
        "ollama/ollama Dockerfile: no USER [ol-dockerfile]",
    ),
    (
        "chromadb/chroma",
        "chroma-core/chroma rust/Dockerfile: no USER [ch-rust-df]",
    ),
    (
        "ghcr.io/chroma-core/chroma",
        "chroma-core/chroma rust/Dockerfile: no USER [ch-rust-df]",
    ),
    (
        "nvcr.io/nvidia/tritonserver",
        "creates `triton-server`, does not switch [tr-build]",
    ),
    (
        "ghcr.io/open-webui/open-webui",
        "Dockerfile `ARG UID=0` [ow-hard]",
    ),
    (
        "vllm/vllm-openai",
        "the CUDA image runs as root; `vllm-openai-nonroot` is opt-in [vl-docker]",
    ),
    (
        "qdrant/qdrant",
        "`ARG USER_ID=0`; the `-unprivileged` tags are non-root [qd-df]",
    ),
    (
        "flowiseai/flowise",
        "final stage `node:*-alpine`, no USER [fw-df]",
    ),
];

/// What the image runs as when the service names no user (and starts the image's own
/// program): known root, known non-root, or unknown.
pub fn image_user(
    image: &ImageRef,
    entrypoint: Option<&Command>,
    command: Option<&Command>,
) -> ImageUser {
    if image.unresolved {
        return ImageUser::Unknown;
    }
    if image_runs_as_non_root(image, entrypoint, command) {
        return ImageUser::NonRoot;
    }
    let hub = image.hub_repository();
    let location = image.location();
    // The docker-library servers drop root only for their own server: anything else the
    // command runs (a shell, a script) runs as root.
    const DROP_ROOT_FOR_SERVER: &[&str] = &[
        "postgres",
        "redis",
        "valkey/valkey",
        "mysql",
        "mariadb",
        "mongo",
        "zookeeper",
    ];
    let known_root = ROOT_IMAGES
        .iter()
        .any(|(name, _source)| hub == Some(*name) || location.as_deref() == Some(*name))
        || hub.is_some_and(|h| DROP_ROOT_FOR_SERVER.contains(&h));
    if known_root {
        ImageUser::Root
    } else {
        ImageUser::Unknown
    }
}

/// The image's main process runs as a non-root user when the service sets no `user`: the
/// image declares a non-root `USER`, or its entrypoint drops root before starting the server
/// (the official database images, only while the command is the server's own).
pub fn image_runs_as_non_root(
    image: &ImageRef,
    entrypoint: Option<&Command>,
    command: Option<&Command>,
) -> bool {
    if image.unresolved {
        return false;
    }
    let repo = image.repository.as_str();
    let registry = image.registry.as_deref();
    let tag = image.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let hub = registry.is_none();
    // Variants published as non-root: gitea `-rootless`, `docker:dind-rootless`, qdrant
    // `-unprivileged`, distroless `:nonroot`.
    if tag.contains("rootless")
        || tag.contains("unprivileged")
        || (repo.starts_with("distroless/") && tag.contains("nonroot"))
    {
        return true;
    }
    // Images that declare a non-root USER: Bitnami (uid 1001), Prometheus (`USER nobody`),
    // Grafana (uid 472), n8n (`USER node`), nginx-unprivileged (uid 101), the OpenTelemetry
    // Collector (`USER 10001`), prometheus-community exporters (`USER nobody`), Langflow
    // (`USER user`, [lf-df]), Jupyter docker-stacks (`USER ${NB_UID}`, [ds-df]), TorchServe
    // (`USER model-server`, [ts-docker]); Chainguard images run as `nonroot` (65532) except
    // their `-dev` variants.
    let chainguard = registry == Some("cgr.dev") && !tag.contains("dev");
    let jupyter_stacks = (registry == Some("quay.io") || hub) && repo.starts_with("jupyter/");
    let non_root_user = chainguard
        || jupyter_stacks
        || (hub
            && (repo.starts_with("bitnami/")
                || repo.starts_with("bitnamilegacy/")
                || repo.starts_with("prom/")
                || matches!(
                    repo,
                    "grafana/grafana"
                        | "grafana/grafana-oss"
                        | "grafana/grafana-enterprise"
                        | "n8nio/n8n"
                        | "nginxinc/nginx-unprivileged"
                        | "otel/opentelemetry-collector"
                        | "otel/opentelemetry-collector-contrib"
                        | "otel/opentelemetry-collector-k8s"
                        | "prometheuscommunity/postgres-exporter"
                        | "langflowai/langflow"
                        | "pytorch/torchserve"
                )))
        || (registry == Some("quay.io") && repo.starts_with("prometheuscommunity/"))
        || (registry == Some("quay.io") && repo.starts_with("prometheus/"))
        || (registry == Some("docker.n8n.io") && repo == "n8nio/n8n");
    if non_root_user {
        return true;
    }
    // docker-library entrypoints that re-exec as the service user (`gosu`/`setpriv`) when
    // started as root, for the server command (or options / a config file for it) only.
    // The database entrypoints also take options (`-c ...`, `--appendonly`) or a config file
    // as the command and prepend the server; ZooKeeper's does not.
    let (servers, options): (&[&str], bool) = match (hub, repo) {
        (true, "postgres") => (&["postgres"], true),
        (true, "redis") => (&["redis-server"], true),
        (true, "valkey/valkey") => (&["valkey-server"], true),
        (true, "mysql") => (&["mysqld"], true),
        (true, "mariadb") => (&["mariadbd", "mysqld"], true),
        (true, "mongo") => (&["mongod"], true),
        (true, "zookeeper") => (&["zkServer.sh"], false),
        _ => return false,
    };
    if entrypoint.is_some() {
        return false;
    }
    match command.and_then(|c| c.args.first()) {
        None => true,
        Some(first) => {
            let first = first.value.as_str();
            servers.contains(&first)
                || (options && (first.starts_with('-') || first.ends_with(".conf")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::image::parse_image_ref;
    use crate::model::Spanned;
    use crate::source::Span;

    #[test]
    fn sockets() {
        assert_eq!(runtime_socket("/var/run/docker.sock"), Some("Docker"));
        assert_eq!(
            runtime_socket("/run/user/1000/podman/podman.sock"),
            Some("Podman")
        );
        assert_eq!(
            runtime_socket("/run/containerd/containerd.sock"),
            Some("containerd")
        );
        assert_eq!(runtime_socket("/var/run/docker"), None);
        assert_eq!(runtime_socket("/tmp/mysocket.sock"), None);
    }

    #[test]
    fn socket_proxies() {
        let p = |s: &str| socket_proxy_image(&parse_image_ref(s, s, Span::default()));
        assert!(p("lscr.io/linuxserver/socket-proxy:1.26.2"));
        assert!(p("tecnativa/docker-socket-proxy:0.3.0"));
        assert!(p("ghcr.io/tecnativa/docker-socket-proxy:latest"));
        assert!(!p("portainer/portainer-ce:2.21.0"));
    }

    #[test]
    fn sensitive_paths() {
        for p in [
            "/",
            "/etc",
            "/root",
            "/home",
            "/var/lib/docker",
            "/run",
            "/var/run",
            "/run/dbus",
            "~",
            "${HOME}",
            "/home/me",
            "~/.ssh",
            "/root/.kube",
            "$HOME/.config/gcloud",
        ] {
            assert!(sensitive_host_path(p, true).is_some(), "{p} read-only");
            assert!(sensitive_host_path(p, false).is_some(), "{p}");
        }
        for p in [
            "/proc",
            "/proc/sys/kernel",
            "/sys",
            "/sys/fs/cgroup",
            "/dev",
            "/boot",
            "/lib/modules",
            "/usr",
            "/etc/passwd",
            "/etc/cron.d",
            "/etc/systemd/system",
        ] {
            assert!(sensitive_host_path(p, true).is_none(), "{p} read-only");
            assert!(sensitive_host_path(p, false).is_some(), "{p}");
        }
        for p in [
            "/etc/localtime",
            "/etc/timezone",
            "/usr/share/zoneinfo",
            "/dev/dri",
            "/dev/snd",
            "/sys/class/gpio",
            "/run/udev",
            "/var/lib/docker/containers",
            "/etc/letsencrypt",
            "/srv/data",
            "./data",
            "/home/me/project",
            "/root/.ollama",
            "/var/run/docker.sock",
            "/tmp",
        ] {
            assert!(sensitive_host_path(p, false).is_none(), "{p}");
        }
    }

    #[test]
    fn capabilities() {
        for c in ["ALL", "SYS_ADMIN", "SYS_MODULE", "DAC_READ_SEARCH", "BPF"] {
            assert!(dangerous_capability(c, false, false), "{c}");
        }
        for c in [
            "NET_ADMIN",
            "SYS_PTRACE",
            "NET_RAW",
            "DAC_OVERRIDE",
            "NET_BIND_SERVICE",
            "SYS_NICE",
            "IPC_LOCK",
        ] {
            assert!(!dangerous_capability(c, false, false), "{c}");
        }
        assert!(dangerous_capability("NET_ADMIN", true, false));
        assert!(dangerous_capability("SYS_PTRACE", false, true));
        assert!(!dangerous_capability("SYS_PTRACE", true, false));
    }

    #[test]
    fn unconfined() {
        assert_eq!(
            unconfined_option("seccomp=unconfined"),
            Some("the seccomp filter")
        );
        assert_eq!(
            unconfined_option("apparmor=unconfined"),
            Some("the AppArmor profile")
        );
        assert_eq!(
            unconfined_option("label=disable"),
            Some("SELinux separation")
        );
        assert_eq!(
            unconfined_option("label=type=spc_t"),
            Some("SELinux separation")
        );
        assert_eq!(
            unconfined_option("systempaths=unconfined"),
            Some("the masks over /proc and /sys")
        );
        for o in [
            "seccomp=./profile.json",
            "no-new-privileges=true",
            "label=level=s0:c100,c200",
            "apparmor=docker-default",
        ] {
            assert_eq!(unconfined_option(o), None, "{o}");
        }
    }

    fn cmd(words: &[&str]) -> Command {
        Command {
            span: Span::default(),
            args: words
                .iter()
                .map(|w| Spanned::new(w.to_string(), Span::default()))
                .collect(),
            shell_form: false,
        }
    }

    #[test]
    fn non_root_images() {
        let yes = |s: &str, e: Option<&Command>, c: Option<&Command>| {
            image_runs_as_non_root(&parse_image_ref(s, s, Span::default()), e, c)
        };
        for i in [
            "bitnami/redis:7.2",
            "docker.io/bitnami/postgresql:16",
            "gitea/gitea:1.22-rootless",
            "gcr.io/distroless/static:nonroot",
            "prom/prometheus:v2.53.0",
            "quay.io/prometheus/node-exporter:v1.8.1",
            "grafana/grafana:11.1.0",
            "postgres:16",
            "redis:7.4-alpine",
            "mongo:7",
            "qdrant/qdrant:v1.9.0-unprivileged",
        ] {
            assert!(yes(i, None, None), "{i}");
        }
        for i in [
            "ollama/ollama:0.5.7",
            "chromadb/chroma:1.0.12",
            "nginx:1.27",
            "ghcr.io/bitnami/redis:7",
            "${IMAGE}",
            "gcr.io/distroless/static:latest",
        ] {
            assert!(!yes(i, None, None), "{i}");
        }
        assert!(yes(
            "redis:7",
            None,
            Some(&cmd(&["redis-server", "--appendonly", "yes"]))
        ));
        assert!(yes("redis:7", None, Some(&cmd(&["--requirepass", "x"]))));
        assert!(yes(
            "redis:7",
            None,
            Some(&cmd(&["/usr/local/etc/redis/redis.conf"]))
        ));
        assert!(!yes(
            "redis:7",
            None,
            Some(&cmd(&["sh", "-c", "redis-server"]))
        ));
        assert!(!yes("postgres:16", Some(&cmd(&["/init.sh"])), None));
        assert!(yes(
            "zookeeper:3.9",
            None,
            Some(&cmd(&["zkServer.sh", "start-foreground"]))
        ));
        assert!(!yes("zookeeper:3.9", None, Some(&cmd(&["--help"]))));
        assert!(yes("bitnami/redis:7", Some(&cmd(&["/init.sh"])), None));
    }
}
