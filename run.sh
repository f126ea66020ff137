#!/usr/bin/env bash
# backproplab's two entry points, each doing its own set-up on a fresh Debian/Ubuntu machine:
#   ./run.sh demo   — the demo (the lecture's worked examples with their gradients)
#   ./run.sh test   — ruff and mypy, then the test suite (browser tests included)
# Both create .venv if missing, install the package with its dev extra, and install Graphviz's
# `dot` when it is missing; `test` also installs Chromium and chromedriver when missing.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'run.sh: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
    else return 1
    fi
}

apt_install() {  # apt_install PACKAGE...: install Debian packages, or say which to install
    if command -v apt-get >/dev/null 2>&1 && as_root true; then
        if [ ! -f /tmp/.backproplab-apt-updated ]; then
            as_root apt-get update -qq >/dev/null && touch /tmp/.backproplab-apt-updated
        fi
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        say "please install the Debian/Ubuntu package(s): $* (e.g. sudo apt-get install $*)"
        return 1
    fi
}

ensure_venv() {
    if [ ! -x .venv/bin/python ]; then
        if ! python3 -m venv .venv 2>/dev/null; then
            rm -rf .venv
            py=$(python3 -c 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")')
            apt_install "$py-venv" || apt_install python3-venv
            python3 -m venv .venv
        fi
    fi
    # reinstall only when pyproject.toml changed since the last install
    stamp=.venv/.backproplab-installed
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "installing backproplab and its dev tools into .venv"
        .venv/bin/python -m pip install -q --upgrade pip >/dev/null
        .venv/bin/python -m pip install -q -e '.[dev]'
        touch "$stamp"
    fi
}

ensure_dot() {
    command -v dot >/dev/null 2>&1 || { say "installing Graphviz (dot)"; apt_install graphviz; }
}

ensure_browser() {  # the step-through page's test runs in the system's headless Chromium
    if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
        say "installing Chromium and its driver (for the browser test)"
        apt_install chromium chromium-driver
    fi
}

ensure_venv
ensure_dot
export PATH="$PWD/.venv/bin:$PATH"

case "${1:-}" in
    demo)
        shift
        exec backproplab demo "$@"
        ;;
    test)
        shift
        ensure_browser
        ruff check .
        mypy
        exec python -m pytest "$@"
        ;;
    *)
        say "usage: ./run.sh demo | ./run.sh test"
        exit 2
        ;;
esac
