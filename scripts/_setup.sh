# Shared by scripts/run and scripts/test: a virtualenv with pinned requirements, made once and
# refreshed only when a requirements file changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ensure_venv() {
  local requirements="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating .venv"
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> Installing $requirements"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$digest" > "$stamp"
  fi
}

apt_install() {
  # Installs Debian packages when missing and apt can be used (root); returns 1 otherwise.
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n" || return 1
  fi
  echo "==> Installing ${missing[*]} with apt"
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

compile_translations() {
  # locale/*/LC_MESSAGES/django.po is the source; the .mo files the pages read are built from it
  # here, every time (a second), so that they can never be older than their .po. msgfmt comes
  # from Debian's gettext. Without it the site still runs, in English.
  if ! command -v msgfmt >/dev/null 2>&1; then
    apt_install gettext || { echo "!! gettext is not installed and apt is not usable: the site stays in English"; return 0; }
  fi
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var -v0
}

prepare_project() {
  mkdir -p var/mail var/media
  compile_translations
  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py collectstatic --noinput -v0
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A throwaway PostgreSQL cluster on a free loopback port, installed with apt when missing: sets
# PG_CLUSTER, PG_PORT and PG_URL (its database portal is the caller's to create; Django's test runner makes its own);
# stop_throwaway_postgres removes it.
start_throwaway_postgres() {
  apt_install postgresql || { echo "!! PostgreSQL is not installed and apt is not usable"; return 1; }
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  PG_CLUSTER="$(mktemp -d /tmp/portal-pg.XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_CLUSTER"
  PG_PORT="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  echo "==> Starting a throwaway PostgreSQL on port $PG_PORT"
  as_postgres "$PG_BIN/initdb" -D "$PG_CLUSTER/data" -A trust -U postgres --no-sync >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -w -l "$PG_CLUSTER/log" \
    -o "-p $PG_PORT -k $PG_CLUSTER -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/portal"
}

stop_throwaway_postgres() {
  if [ -n "${PG_CLUSTER:-}" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_CLUSTER"
    PG_CLUSTER=""
  fi
}
