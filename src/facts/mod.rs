//! The facts: the contract between the model and the rules. Every CEL variable a node
//! provides is one of the types here (or a component's own, registered in `registry`), built
//! by the model and serialized to the JSON the rule engine reads. The types are the
//! reference: `moat facts --schema` and `docs/facts.md` are generated from them, and rule
//! conditions are checked against them (`check`), so a misspelt field is an error at load
//! rather than a rule that silently never fires.

pub mod check;
pub mod dump;
pub mod reference;
pub mod registry;
pub mod server;

use crate::model::address::HostScope;
use crate::model::component::Component;
use crate::model::runtime::ImageUser;
use crate::model::{EnvSource, MountKind, Origin};
use schemars::JsonSchema;
use serde::Serialize;

/// `file`: the file a node was built from.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileFacts {
    /// The path as moat names it in diagnostics.
    pub path: String,
    /// The file kind: `compose`, `dockerfile`, `kubernetes`, `helm-values`, `redis-conf`,
    /// `env-file`, `systemd`, `nvidia-toml`.
    pub kind: String,
    /// Registries the file's `.moat.toml` trusts (`[images] trusted-registries`).
    pub trusted_registries: Vec<String>,
}

/// An image reference as written and as read.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImageRefFacts {
    /// The reference as written, before interpolation.
    pub raw: String,
    /// After `${VAR:-default}` interpolation where defaults exist.
    pub text: String,
    /// The registry host; `null` is Docker Hub.
    pub registry: Option<String>,
    /// The repository, with Docker Hub's implied `library/` removed (`redis`, `ollama/ollama`).
    pub repository: String,
    /// The tag (`7.4-alpine`), or `null` when the reference has none.
    pub tag: Option<String>,
    /// `sha256:…` when pinned by digest.
    pub digest: Option<String>,
    /// A variable without a default remains: registry, repository or tag are not known.
    pub unresolved: bool,
    /// No digest, and the tag moves (`latest`, none, a major-only or branch-like tag).
    pub floating: bool,
}

/// `image`: an image a file pulls (a service's `image:`, a Dockerfile `FROM`, `COPY --from=`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImageFacts {
    #[serde(flatten)]
    pub reference: ImageRefFacts,
    /// The service or stage that names it.
    pub context: String,
    /// `service`, `base` (a `FROM`), `copy-source` (`COPY --from=`) or `mount-source`
    /// (`RUN --mount=from=`).
    pub role: String,
    /// A Compose service's `image:` that names what its `build:` makes: nothing is pulled.
    pub built: bool,
    /// Where the image is pulled from, as one path (`docker.io/library/redis`); `null` when
    /// nothing is pulled (`scratch`) or the reference holds a variable.
    pub location: Option<String>,
    /// Whether the registry is one the configuration trusts; `null` when not judged (built
    /// images, or no trusted registries configured).
    pub trusted: Option<bool>,
}

/// `port`: one port a service publishes or exposes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PortFacts {
    /// The entry as written (`127.0.0.1:8080:80/tcp`).
    pub text: String,
    /// The host address it is published on, as written; `null` is every interface.
    pub host_ip: Option<String>,
    /// The host port or range; `null` when Docker picks one (or nothing is published).
    pub host_port: Option<String>,
    /// The container port, or a range (`8000-8010`).
    pub container_port: String,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// Published on the host (Compose `ports:`); false for `EXPOSE` and Compose `expose:`.
    pub published: bool,
    /// Published on every interface of the host (no address, `0.0.0.0`, `::`).
    pub all_interfaces: bool,
    /// The host address's scope.
    pub host_scope: HostScope,
    /// Published so that other hosts can connect (every interface, a private or public address).
    pub reachable: bool,
    /// "all interfaces", "the private address 10.0.0.5", ... for messages.
    pub published_on: String,
    /// The entry is a short-syntax string a fix may rewrite.
    pub editable: bool,
    /// The entry bound to loopback (`127.0.0.1:8080:80`), for fixes.
    pub loopback_text: String,
}

/// `env`: one environment variable a service, stage or file sets.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnvFacts {
    /// The variable's name, as written.
    pub name: String,
    /// `null` when the entry passes the variable through from the host (`- KEY`).
    pub value: Option<String>,
    /// Where it is written: `compose` (`environment:`), `env` (Dockerfile `ENV`), `arg`
    /// (Dockerfile `ARG` default).
    pub source: EnvSource,
    /// The name says it holds a secret (`*_PASSWORD`, `*_TOKEN`, `API_KEY`, ...).
    pub secret_name: bool,
    /// The value is written out, not a reference (`${VAR}`, a file path) or empty.
    pub literal: bool,
    /// The value is a placeholder (`changeme`, `<your-key>`, `xxx`), not a real secret.
    pub placeholder: bool,
    /// Brought in by a YAML merge (`<<: *common-env`) from an anchor elsewhere.
    pub merged: bool,
    /// Why a secret-named variable's value can be guessed (a well-known default, the
    /// service's own name), or `''`.
    pub weak_password: String,
    /// The kind of credential the value looks like (`GitHub token`, ...), or `''`.
    pub token_kind: String,
    /// Setting this variable turns TLS verification off for a tool (`NODE_TLS_REJECT_UNAUTHORIZED=0`).
    pub disables_tls: bool,
    /// In effect in the final image (always, for Compose); false for an `ENV`/`ARG` of an
    /// earlier build stage or one redefined later.
    pub effective: bool,
}

/// `mount`: one volume or bind mount of a service.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MountFacts {
    /// What is mounted.
    pub kind: MountKind,
    /// Host path (binds, as written), volume name, or `null`.
    pub source: Option<String>,
    /// The path inside the container.
    pub target: String,
    /// Mounted read-only (`:ro`, `readOnly: true`).
    pub read_only: bool,
    /// `rshared`, `shared`, `slave`, ... when set.
    pub propagation: Option<String>,
    /// A bind's host path, normalized (`/var/run//docker.sock/` is `/var/run/docker.sock`);
    /// `null` for other kinds.
    pub host_path: Option<String>,
    /// The container runtime whose socket this mounts (`Docker`, `containerd`, ...), or `''`.
    pub runtime_socket: String,
    /// The mount is a folder holding the socket (`/var/run`), not the socket itself.
    pub socket_folder: bool,
    /// A volume holding another service's runtime socket: that service's name.
    pub daemon_of: Option<String>,
    /// Why the host path is sensitive (`the host's root filesystem`, ...), or `''`.
    pub sensitive: String,
}

/// `service`: a Compose service, a Kubernetes container, a Helm values workload block, a
/// Dockerfile's final stage, or a settings file standing for the service it configures.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ServiceFacts {
    /// The service, container, block or stage name.
    pub name: String,
    /// The format it was read from; `file` for a standalone settings file.
    pub origin: Option<Origin>,
    /// What messages call it in its format: `service` (Compose), `container` (Kubernetes,
    /// Helm values), `image` (a Dockerfile), `configuration` (a settings file).
    pub noun: String,
    /// The image it runs; `null` when none is named (a Compose service with `build:` only).
    pub image: Option<ImageRefFacts>,
    /// Compose `build:` context, when present.
    pub build: Option<String>,
    /// `user:` / `runAsUser` / Dockerfile `USER` as written.
    pub user: Option<String>,
    /// `user` names root (`root`, `0`, with or without a group).
    pub user_is_root: bool,
    /// Ports published (Compose `ports:`, `hostPort`) and exposed (`EXPOSE`, `expose:`,
    /// `containerPort`).
    pub ports: Vec<PortFacts>,
    /// Reachable from other hosts: a port published beyond loopback, the host's network, or
    /// an exposure path (LoadBalancer, NodePort, Ingress).
    pub exposed: bool,
    /// The AI-stack component the service runs, recognised from its image and command.
    pub component: Option<Component>,
    /// How the service is reachable from outside a cluster, for messages (`NodePort Service
    /// \`x\``, `Ingress \`y\``, `hostNetwork`).
    pub exposures: Vec<String>,
    /// Kubernetes `securityContext.allowPrivilegeEscalation` in effect.
    pub allow_privilege_escalation: Option<bool>,
    /// Kubernetes `securityContext.runAsNonRoot` in effect.
    pub run_as_non_root: Option<bool>,
    /// `privileged: true` (Compose, `securityContext`).
    pub privileged: bool,
    /// Capabilities added, upper case without `CAP_`.
    pub cap_add: Vec<String>,
    /// Capabilities dropped, upper case without `CAP_` (`ALL`).
    pub cap_drop: Vec<String>,
    /// Security options, `key=value` (`seccomp=unconfined`).
    pub security_opt: Vec<String>,
    /// `no-new-privileges` is set (`security_opt: [no-new-privileges:true]`).
    pub no_new_privileges: bool,
    /// `seccomp=unconfined` (or its Kubernetes `seccompProfile: Unconfined`).
    pub seccomp_unconfined: bool,
    /// `apparmor=unconfined`.
    pub apparmor_unconfined: bool,
    /// `network_mode` (`host`, `service:x`), or `hostNetwork` read as `host`.
    pub network_mode: Option<String>,
    /// `pid` (`host`), or `hostPID` read as `host`.
    pub pid: Option<String>,
    /// `ipc` (`host`, `shareable`), or `hostIPC` read as `host`.
    pub ipc: Option<String>,
    /// `uts` (`host`).
    pub uts: Option<String>,
    /// `userns_mode` (`host`).
    pub userns_mode: Option<String>,
    /// The root filesystem is read-only (`read_only`, `readOnlyRootFilesystem`).
    pub read_only: bool,
    /// The memory limit as written (`mem_limit`, `deploy.resources.limits.memory`,
    /// `resources.limits.memory`).
    pub mem_limit: Option<String>,
    /// `pids_limit` as written.
    pub pids_limit: Option<String>,
    /// A health check is defined and not disabled.
    pub healthcheck: bool,
    /// The health check is turned off (`disable: true`, `test: ["NONE"]`, `HEALTHCHECK NONE`).
    pub healthcheck_disabled: bool,
    /// A command or entrypoint is set here, not inherited from the image.
    pub runs_command: bool,
    /// Compose `secrets:` the service is given, by name.
    pub secrets: Vec<String>,
    /// Names of the environment variables the service sets.
    pub env_names: Vec<String>,
    /// Compose `profiles:` (the service starts only when one is active).
    pub profiles: Vec<String>,
    /// Compose `extends:` (the service it builds on), as written.
    pub extends: Option<String>,
    /// Added capabilities that give power over the host in this service's setting.
    pub dangerous_caps: Vec<String>,
    /// Host namespaces joined: `network`, `PID`, `IPC`, `UTS`, `user`.
    pub host_namespaces: Vec<String>,
    /// Confinement turned off, for messages (`seccomp`, `AppArmor`, ...).
    pub unconfined: Vec<String>,
    /// The image is a Docker socket proxy (it exists to hold the socket).
    pub socket_proxy: bool,
    /// The image is known to run as a non-root user by default.
    pub image_runs_as_non_root: bool,
    /// A partial declaration something else completes (a Kustomize patch): what it leaves
    /// out says nothing.
    pub fragment: bool,
    /// What the image runs as without a `user`.
    pub image_user: ImageUser,
}

/// `instruction`: one Dockerfile instruction.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InstructionFacts {
    /// Upper case: `RUN`, `COPY`, `ENV`, ...
    pub keyword: String,
    /// The arguments, split as Docker splits them.
    pub args: Vec<String>,
    /// The arguments as one text (line continuations joined).
    pub text: String,
    /// JSON (exec) form: `["cmd", "arg"]`.
    pub exec_form: bool,
    /// Flags (`--chmod=0777`), name to value (`''` for a flag without one).
    pub flags: std::collections::BTreeMap<String, String>,
    /// `ADD`'s remote URL source, when it has one.
    pub remote_source: Option<String>,
    /// `ARG`s with a secret's name and no default: secrets expected from `--build-arg`.
    pub secret_build_args: Vec<String>,
    /// The instruction has a heredoc (`RUN <<EOF`).
    pub heredoc: bool,
    /// Writes a sudoers rule granting every command without a password (`NOPASSWD: ALL`).
    pub grants_passwordless_sudo: bool,
}

/// `instruction` of a `command` node: the `RUN` it belongs to, without its text (a `RUN` of
/// many commands must not copy its whole line into each).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunFacts {
    /// `RUN`.
    pub keyword: String,
    /// JSON (exec) form.
    pub exec_form: bool,
    /// Flags (`--mount=…`, `--network=host`), name to value.
    pub flags: std::collections::BTreeMap<String, String>,
    /// The instruction has a heredoc.
    pub heredoc: bool,
}

/// `command`: one simple command of a `RUN` script (shell form, `sh -c`, or a heredoc).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommandFacts {
    /// The program, as written (`curl`, `/usr/bin/wget`).
    pub name: String,
    /// The words after the program, as the shell splits them.
    pub args: Vec<String>,
    /// Variable assignments before the program (`DEBIAN_FRONTEND=noninteractive apt-get`).
    pub assignments: Vec<String>,
    /// The command's text in the script.
    pub text: String,
    /// The next command of a pipe this one writes to.
    pub piped_to: Option<String>,
    /// The interpreter the pipe feeds a script to (`sh`, `python3`), or `''`.
    pub piped_to_interpreter: String,
    /// Downloads to standard output (`curl -fsSL URL`, `wget -qO-`).
    pub fetches_to_stdout: bool,
    /// Runs a script it fetches (`sh -c "$(curl …)"`, `bash <(wget …)`): how, or `''`.
    pub runs_fetched_script: String,
    /// How it turns TLS verification off (`curl -k`), or `''`.
    pub disables_tls: String,
    /// How it turns package signature checks off (`--allow-unauthenticated`), or `''`.
    pub disables_signatures: String,
    /// How it makes files world-writable (`chmod 777`), or `''`.
    pub world_writable: String,
}
