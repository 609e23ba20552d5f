#!/usr/bin/env bash
# The production topology on loopback, from a checkout (after `make deps`), for end-to-end, load and fault tests:
#
#   nginx (HTTPS, HTTP/2, deploy/nginx/ruanzhu.conf)  ->  gunicorn web1, web2 (deploy/gunicorn.conf.py)
#   Celery worker1, worker2 and beat; a Redis of its own; moto's S3 server with a bucket; a fake SMS provider
#   (scripts/sms_sink.py); a fresh PostgreSQL database on the shared server; RUANZHU_ENVIRONMENT=production.
#
#   scripts/topology.sh up                  start everything, wait until /readyz answers through nginx
#   scripts/topology.sh down                stop everything (after a partial up too) and drop the database
#   scripts/topology.sh status              each process alive or dead (exit 3 if any is dead)
#   scripts/topology.sh stop|start|restart NAME     one process: nginx web1 web2 worker1 worker2 beat redis s3 sms
#
# Each process runs under a small supervisor that does what systemd's Restart=on-failure does in production: a
# process killed (kill -9 "$(cat $TOPOLOGY_DIR/pids/web1.pid)") or failing is started again a second later, and
# what it left in its process group is killed first. A process that exits cleanly (SIGTERM) stays down, as does
# one that fails five times in a row within seconds of starting; `start NAME` brings it back.
#
# Everything lives under $TOPOLOGY_DIR (default var/topology): config/, logs/<name>.log, pids/<name>.pid (and
# <name>.supervisor.pid), secrets/, tls/, and topology.env, the KEY=value lines that tests and benchmarks source
# (BASE_URL, BARE_URL, DATABASE_URL, REDIS_URL, AWS_*, SMS_SINK_FILE, TLS_CA_FILE and the processes' env).
# Ports: TOPOLOGY_HTTPS_PORT (8443), TOPOLOGY_HTTP_PORT (8180), TOPOLOGY_WEB1_PORT (8101), TOPOLOGY_WEB2_PORT
# (8102), TOPOLOGY_REDIS_PORT (6390), TOPOLOGY_S3_PORT (8110), TOPOLOGY_SMS_PORT (8111), the workers' metrics
# TOPOLOGY_WORKER1_METRICS_PORT (8121) and TOPOLOGY_WORKER2_METRICS_PORT (8122); the PostgreSQL server
# is TOPOLOGY_POSTGRES_URL (postgres://postgres@127.0.0.1:5432), the database TOPOLOGY_DATABASE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv/bin"
TOPOLOGY_DIR=$(realpath -m "${TOPOLOGY_DIR:-var/topology}")
PIDS="$TOPOLOGY_DIR/pids"
LOGS="$TOPOLOGY_DIR/logs"
ENV_FILE="$TOPOLOGY_DIR/topology.env"

HTTPS_PORT=${TOPOLOGY_HTTPS_PORT:-8443}
HTTP_PORT=${TOPOLOGY_HTTP_PORT:-8180}
WEB1_PORT=${TOPOLOGY_WEB1_PORT:-8101}
WEB2_PORT=${TOPOLOGY_WEB2_PORT:-8102}
REDIS_PORT=${TOPOLOGY_REDIS_PORT:-6390}
S3_PORT=${TOPOLOGY_S3_PORT:-8110}
SMS_PORT=${TOPOLOGY_SMS_PORT:-8111}
WORKER1_METRICS_PORT=${TOPOLOGY_WORKER1_METRICS_PORT:-8121}
WORKER2_METRICS_PORT=${TOPOLOGY_WORKER2_METRICS_PORT:-8122}
POSTGRES_URL=${TOPOLOGY_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
DATABASE=${TOPOLOGY_DATABASE:-ruanzhu_topology}
BUCKET=ruanzhu-private

# Start order; stopped in reverse.
NAMES=(redis s3 sms web1 web2 worker1 worker2 beat nginx)

# moto's S3 server, with the bucket created at every start: it keeps everything in memory.
S3_SERVER='
import signal, sys
import boto3
from moto.server import ThreadedMotoServer
port, bucket = int(sys.argv[1]), sys.argv[2]
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}").create_bucket(Bucket=bucket)
print(f"S3 on http://127.0.0.1:{port}/ with bucket {bucket}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: (server.stop(), sys.exit(0)))
signal.pause()
'

say() { printf '%s\n' "$*" >&2; }
die() { say "topology: $*"; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local name=$1 port=$2 seconds=${3:-30} deadline=$((SECONDS + ${3:-30}))
  until port_open "$port"; do
    [ $SECONDS -lt $deadline ] || die "$name did not open port $port within ${seconds}s; see $LOGS/$name.log"
    alive "$PIDS/$name.supervisor.pid" || die "$name stopped; see $LOGS/$name.log"
    sleep 0.2
  done
}

load_env() {
  [ -f "$ENV_FILE" ] || die "no $ENV_FILE: the topology is not up (scripts/topology.sh up)"
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
}

# The command line of each process, in CMD.
command_for() {
  case "$1" in
    redis) CMD=(redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$TOPOLOGY_DIR/redis" --daemonize no
                --appendonly yes --save "" --logfile "") ;;
    s3) CMD=("$VENV/python" -c "$S3_SERVER" "$S3_PORT" "$BUCKET") ;;
    sms) CMD=("$VENV/python" scripts/sms_sink.py --port "$SMS_PORT" --file "$TOPOLOGY_DIR/sms/messages.jsonl"
              --key-id "$SMS_HTTP_KEY_ID" --secret-file "$SMS_HTTP_SECRET_FILE") ;;
    # Each web instance and worker keeps its Prometheus files apart (gunicorn empties its own at start).
    web1 | web2)
      local port=$WEB1_PORT
      [ "$1" = web2 ] && port=$WEB2_PORT
      CMD=(env "PROMETHEUS_MULTIPROC_DIR=$TOPOLOGY_DIR/metrics/$1" "$VENV/gunicorn" --config deploy/gunicorn.conf.py
           --bind "127.0.0.1:$port" config.wsgi) ;;
    worker1 | worker2)
      local port=$WORKER1_METRICS_PORT
      [ "$1" = worker2 ] && port=$WORKER2_METRICS_PORT
      # The worker's files of an earlier run go first (gunicorn does this itself for the web instances).
      # shellcheck disable=SC2016 # expanded by that sh
      CMD=(sh -c 'mkdir -p "$0" && rm -f "$0"/*.db && exec "$@"' "$TOPOLOGY_DIR/metrics/$1"
           env "PROMETHEUS_MULTIPROC_DIR=$TOPOLOGY_DIR/metrics/$1" "CELERY_METRICS_PORT=$port"
           "$VENV/celery" -A config worker --loglevel INFO --hostname "$1@%h" --concurrency 2) ;;
    beat) CMD=("$VENV/celery" -A config beat --loglevel INFO --schedule "$TOPOLOGY_DIR/data/celerybeat-schedule") ;;
    nginx) CMD=(nginx -p "$TOPOLOGY_DIR/nginx" -c "$TOPOLOGY_DIR/nginx/nginx.conf" -e "$LOGS/nginx-error.log"
                -g "daemon off;") ;;
  esac
}

known() {
  local name
  for name in "${NAMES[@]}"; do [ "$name" = "$1" ] && return 0; done
  die "unknown process '$1' (one of: ${NAMES[*]})"
}

# Run as `topology.sh _supervise NAME CMD...`, detached, its output in logs/NAME.log.
supervise() {
  local name=$1 child="" stopping=0 status started failures=0
  shift
  trap 'stopping=1; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true' TERM INT
  while :; do
    started=$SECONDS
    # Its own session and process group (setsid does not fork here: a background job is no group leader).
    setsid "$@" </dev/null &
    child=$!
    echo "$child" >"$PIDS/$name.pid"
    while :; do
      status=0
      wait "$child" || status=$?
      kill -0 "$child" 2>/dev/null || break
    done
    # What the process left behind (workers of a killed master) goes with it, as systemd's KillMode does.
    kill -KILL -- "-$child" 2>/dev/null || true
    if [ "$stopping" = 1 ] || [ "$status" = 0 ]; then
      echo "[supervise] $name exited with status $status; not restarting" >&2
      break
    fi
    if [ $((SECONDS - started)) -lt 10 ]; then failures=$((failures + 1)); else failures=1; fi
    if [ "$failures" -ge 5 ]; then
      echo "[supervise] $name failed $failures times in a row; giving up" >&2
      break
    fi
    echo "[supervise] $name exited with status $status; restarting in 1s" >&2
    sleep 1
    [ "$stopping" = 0 ] || break
  done
  rm -f "$PIDS/$name.pid" "$PIDS/$name.supervisor.pid"
}

start_one() {
  local name=$1
  alive "$PIDS/$name.supervisor.pid" && { say "$name is already running"; return 0; }
  command_for "$name"
  setsid "$ROOT/scripts/topology.sh" _supervise "$name" "${CMD[@]}" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.supervisor.pid"
  # The supervisor writes the process's own pid at once; wait for it so that callers can read it.
  local deadline=$((SECONDS + 5))
  until [ -f "$PIDS/$name.pid" ] || [ $SECONDS -ge $deadline ]; do sleep 0.05; done
}

# Stop the named processes together: SIGTERM through their supervisors, SIGKILL to what is left after 45 s.
stop_many() {
  local name pid deadline=$((SECONDS + 45)) waiting
  for name in "$@"; do
    if alive "$PIDS/$name.supervisor.pid"; then
      kill -TERM "$(cat "$PIDS/$name.supervisor.pid")" 2>/dev/null || true
    elif alive "$PIDS/$name.pid"; then
      kill -TERM "$(cat "$PIDS/$name.pid")" 2>/dev/null || true
    fi
  done
  while :; do
    waiting=0
    for name in "$@"; do
      if alive "$PIDS/$name.supervisor.pid" || alive "$PIDS/$name.pid"; then waiting=1; fi
    done
    if [ "$waiting" = 0 ] || [ $SECONDS -ge $deadline ]; then break; fi
    sleep 0.2
  done
  for name in "$@"; do
    for pid in "$PIDS/$name.supervisor.pid" "$PIDS/$name.pid"; do
      if alive "$pid"; then
        say "$name did not stop in time: killing it"
        kill -KILL -- "-$(cat "$pid")" 2>/dev/null || kill -KILL "$(cat "$pid")" 2>/dev/null || true
      fi
    done
    rm -f "$PIDS/$name.pid" "$PIDS/$name.supervisor.pid"
  done
}

any_running() {
  local name
  for name in "${NAMES[@]}"; do
    alive "$PIDS/$name.supervisor.pid" || alive "$PIDS/$name.pid" && return 0
  done
  return 1
}

urls() {
  say "  site:    $BASE_URL/  (certificate: $TLS_CA_FILE)"
  say "  http:    $HTTP_URL/  (redirects, except /healthz and /readyz)"
  say "  bare:    $BARE_URL"
  say "  web:     $WEB1_URL  $WEB2_URL  (metrics: /metrics on each, and $WORKER1_METRICS_URL, $WORKER2_METRICS_URL)"
  say "  env:     $ENV_FILE"
}

psql_admin() { psql -v ON_ERROR_STOP=1 -q -d "$POSTGRES_URL/postgres" "$@"; }

manage() { "$VENV/python" manage.py "$@" >>"$LOGS/manage.log" 2>&1 || die "manage.py $1 failed; see $LOGS/manage.log"; }

# Copy deploy/nginx/ruanzhu.conf with its production values replaced by the topology's; each must be found.
render_site_config() {
  # shellcheck disable=SC2016 # nginx variables, not the shell's
  "$VENV/python" - "$ROOT/deploy/nginx/ruanzhu.conf" "$TOPOLOGY_DIR/nginx/ruanzhu.conf" \
    "listen 80;" "listen 127.0.0.1:$HTTP_PORT;" \
    "listen [::]:80;" "" \
    "listen 443 ssl http2;" "listen 127.0.0.1:$HTTPS_PORT ssl http2;" \
    "listen [::]:443 ssl http2;" "" \
    'https://$host$request_uri' "https://\$host:$HTTPS_PORT\$request_uri" \
    "server_name ruanzhu.example.org;" "server_name 127.0.0.1 localhost;" \
    "server 127.0.0.1:8001 " "server 127.0.0.1:$WEB1_PORT " \
    "server 127.0.0.1:8002 " "server 127.0.0.1:$WEB2_PORT " \
    "/var/log/nginx/ruanzhu-access.log" "$LOGS/nginx-access.log" \
    "/etc/ruanzhu/tls/fullchain.pem" "$TOPOLOGY_DIR/tls/cert.pem" \
    "/etc/ruanzhu/tls/privkey.pem" "$TOPOLOGY_DIR/tls/key.pem" \
    "root /srv/ruanzhu;" "root $TOPOLOGY_DIR;" <<'EOF'
import sys
source, target, *pairs = sys.argv[1:]
text = open(source, encoding="utf-8").read()
for old, new in zip(pairs[::2], pairs[1::2]):
    if old not in text:
        sys.exit(f"deploy/nginx/ruanzhu.conf no longer contains {old!r}: update scripts/topology.sh")
    text = text.replace(old, new)
open(target, "w", encoding="utf-8").write(text)
EOF
  local user_line=""
  # Started as root, nginx would run its workers as nobody: keep them the current user, like the rest.
  [ "$(id -u)" -ne 0 ] || user_line="user $(id -un) $(id -gn);"
  cat >"$TOPOLOGY_DIR/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $TOPOLOGY_DIR/nginx/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    client_body_temp_path $TOPOLOGY_DIR/nginx/tmp/body;
    proxy_temp_path $TOPOLOGY_DIR/nginx/tmp/proxy;
    fastcgi_temp_path $TOPOLOGY_DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $TOPOLOGY_DIR/nginx/tmp/uwsgi;
    scgi_temp_path $TOPOLOGY_DIR/nginx/tmp/scgi;
    include $TOPOLOGY_DIR/nginx/ruanzhu.conf;
}
EOF
}

write_secrets() {
  local secrets=$TOPOLOGY_DIR/secrets
  "$VENV/python" - "$secrets" "$TOPOLOGY_DIR/signing" <<'EOF'
import secrets, sys
from pathlib import Path
from cryptography.fernet import Fernet
from ruanzhu.documents.certificate import generate_signing_identity
folder, signing = Path(sys.argv[1]), Path(sys.argv[2])
for name, value in {
    "django_secret_key": secrets.token_urlsafe(50),
    "field_encryption_keys": Fernet.generate_key().decode(),
    "blind_index_key": secrets.token_urlsafe(32),
    "otp_hmac_key": secrets.token_urlsafe(32),
    "sms_http_secret": secrets.token_urlsafe(32),
    "s3_secret_access_key": secrets.token_urlsafe(32),
}.items():
    (folder / name).write_text(value + "\n")
    (folder / name).chmod(0o600)
key_pem, cert_pem = generate_signing_identity(common_name="软著登记服务平台 拓扑测试证书签名")
(signing / "key.pem").write_bytes(key_pem)
(signing / "key.pem").chmod(0o600)
(signing / "cert.pem").write_bytes(cert_pem)
EOF
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$TOPOLOGY_DIR/tls/key.pem" -out "$TOPOLOGY_DIR/tls/cert.pem" 2>/dev/null
}

write_env() {
  local base="https://127.0.0.1:$HTTPS_PORT"
  cat >"$ENV_FILE" <<EOF
# Written by scripts/topology.sh up: what tests and benchmarks need, and the processes' environment.
TOPOLOGY_DIR=$TOPOLOGY_DIR
BASE_URL=$base
BARE_URL=$base/bench/bare/
HTTP_URL=http://127.0.0.1:$HTTP_PORT
WEB1_URL=http://127.0.0.1:$WEB1_PORT
WEB2_URL=http://127.0.0.1:$WEB2_PORT
TLS_CA_FILE=$TOPOLOGY_DIR/tls/cert.pem
SMS_SINK_FILE=$TOPOLOGY_DIR/sms/messages.jsonl
WORKER1_METRICS_URL=http://127.0.0.1:$WORKER1_METRICS_PORT/metrics
WORKER2_METRICS_URL=http://127.0.0.1:$WORKER2_METRICS_PORT/metrics
RUANZHU_ENVIRONMENT=production
RUANZHU_SITE_URL=$base
RUANZHU_DATA_DIR=$TOPOLOGY_DIR/data
RUANZHU_BENCH_VIEWS=1
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
DJANGO_SECRET_KEY_FILE=$TOPOLOGY_DIR/secrets/django_secret_key
FIELD_ENCRYPTION_KEYS_FILE=$TOPOLOGY_DIR/secrets/field_encryption_keys
BLIND_INDEX_KEY_FILE=$TOPOLOGY_DIR/secrets/blind_index_key
OTP_HMAC_KEY_FILE=$TOPOLOGY_DIR/secrets/otp_hmac_key
PROXY_COUNT=1
DATABASE_URL=$POSTGRES_URL/$DATABASE
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
SMS_BACKEND=ruanzhu.otp.backends.HttpProviderBackend
SMS_HTTP_URL=http://127.0.0.1:$SMS_PORT/send
SMS_HTTP_KEY_ID=topology
SMS_HTTP_SECRET_FILE=$TOPOLOGY_DIR/secrets/sms_http_secret
EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
EMAIL_FILE_PATH=$TOPOLOGY_DIR/mail
CERTIFICATE_SIGNING_KEY_FILE=$TOPOLOGY_DIR/signing/key.pem
CERTIFICATE_SIGNING_CERT_FILE=$TOPOLOGY_DIR/signing/cert.pem
STATIC_ROOT=$TOPOLOGY_DIR/static
AWS_STORAGE_BUCKET_NAME=$BUCKET
AWS_S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
AWS_S3_REGION_NAME=us-east-1
AWS_DEFAULT_REGION=us-east-1
AWS_S3_ADDRESSING_STYLE=path
AWS_S3_ACCESS_KEY_ID=topology
AWS_S3_SECRET_ACCESS_KEY_FILE=$TOPOLOGY_DIR/secrets/s3_secret_access_key
# For boto3 clients of tests and benchmarks (moto takes any key).
AWS_ACCESS_KEY_ID=topology
AWS_SECRET_ACCESS_KEY=topology-moto-takes-any-key
GUNICORN_WORKERS=2
GUNICORN_THREADS=4
LOG_LEVEL=INFO
LOG_FORMAT=json
METRICS_ALLOWED_IPS=127.0.0.1,::1
EOF
}

cmd_up() {
  local started=$SECONDS
  if any_running; then
    if [ -f "$ENV_FILE" ] && cmd_status >/dev/null; then
      load_env
      say "The topology is already running (scripts/topology.sh status; down to stop it)."
      urls
      return 0
    fi
    die "a topology is partly running in $TOPOLOGY_DIR (scripts/topology.sh status): scripts/topology.sh down first"
  fi
  trap 'status=$?; [ "$status" = 0 ] || say "topology: up failed; logs in $LOGS/; scripts/topology.sh down cleans up"' EXIT
  if [ ! -x "$VENV/gunicorn" ] || [ ! -x "$VENV/celery" ]; then
    die "no virtualenv with gunicorn and celery: run make deps"
  fi
  "$VENV/python" -c "import moto.server" 2>/dev/null || die "moto's server is missing: run make deps"
  "$ROOT/scripts/system-deps.sh" --topology
  command -v redis-server >/dev/null || die "redis-server is missing (apt-get install redis-server)"
  command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"
  local port
  for port in "$HTTPS_PORT" "$HTTP_PORT" "$WEB1_PORT" "$WEB2_PORT" "$REDIS_PORT" "$S3_PORT" "$SMS_PORT" \
    "$WORKER1_METRICS_PORT" "$WORKER2_METRICS_PORT"; do
    port_open "$port" && die "port $port is in use"
  done
  if [ -d "$TOPOLOGY_DIR" ] && [ -n "$(ls -A "$TOPOLOGY_DIR")" ] && [ ! -f "$TOPOLOGY_DIR/.topology" ]; then
    die "$TOPOLOGY_DIR is not empty and was not made by this script: choose another TOPOLOGY_DIR"
  fi
  rm -rf "$TOPOLOGY_DIR"
  mkdir -p "$TOPOLOGY_DIR"/{pids,logs,secrets,tls,signing,data,static,sms,mail,redis,metrics} \
    "$TOPOLOGY_DIR"/nginx/tmp
  touch "$TOPOLOGY_DIR/.topology"
  chmod 700 "$TOPOLOGY_DIR/secrets" "$TOPOLOGY_DIR/signing"

  say "Generating secrets and certificates ..."
  write_secrets
  write_env
  load_env

  say "Starting Redis, S3 and the SMS sink ..."
  start_one redis
  start_one s3
  start_one sms
  wait_port redis "$REDIS_PORT"
  wait_port s3 "$S3_PORT" 60
  wait_port sms "$SMS_PORT"

  say "Creating database $DATABASE, migrating, collecting static files ..."
  psql_admin -c "DROP DATABASE IF EXISTS \"$DATABASE\" WITH (FORCE)" -c "CREATE DATABASE \"$DATABASE\"" ||
    die "could not create database $DATABASE on $POSTGRES_URL"
  manage migrate --noinput
  if command -v msgfmt >/dev/null; then manage compilemessages --ignore=.venv; fi
  manage collectstatic --noinput
  manage check --deploy

  say "Starting gunicorn, Celery and nginx ..."
  render_site_config
  nginx -t -q -p "$TOPOLOGY_DIR/nginx" -c "$TOPOLOGY_DIR/nginx/nginx.conf" -e "$LOGS/nginx-error.log" \
    >>"$LOGS/nginx.log" 2>&1 || die "nginx -t refused the configuration; see $LOGS/nginx.log"
  local name
  for name in web1 web2 worker1 worker2 beat nginx; do start_one "$name"; done
  wait_port web1 "$WEB1_PORT" 60
  wait_port web2 "$WEB2_PORT" 60
  wait_port nginx "$HTTPS_PORT"

  local deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null --cacert "$TLS_CA_FILE" "$BASE_URL/readyz"; do
    [ $SECONDS -lt $deadline ] || die "$BASE_URL/readyz did not answer 200 within 60s; see $LOGS/"
    sleep 0.5
  done
  say "The topology is up ($((SECONDS - started))s):"
  urls
}

cmd_down() {
  local started=$SECONDS reversed=() i
  for ((i = ${#NAMES[@]} - 1; i >= 0; i--)); do reversed+=("${NAMES[i]}"); done
  if [ -d "$PIDS" ]; then
    # nginx first, so that nothing new comes in; then the rest together.
    stop_many nginx
    stop_many "${reversed[@]:1}"
  fi
  if command -v psql >/dev/null; then
    psql_admin -c "DROP DATABASE IF EXISTS \"$DATABASE\" WITH (FORCE)" 2>/dev/null ||
      say "could not drop database $DATABASE"
  fi
  # The keys of a topology whose database is gone protect nothing: only the logs stay.
  rm -rf "$ENV_FILE" "$TOPOLOGY_DIR/secrets" "$TOPOLOGY_DIR/signing" "$TOPOLOGY_DIR/tls"
  say "The topology is down ($((SECONDS - started))s); logs stay in $LOGS."
}

cmd_status() {
  local name dead=0 pid
  for name in "${NAMES[@]}"; do
    if alive "$PIDS/$name.pid"; then
      pid=$(cat "$PIDS/$name.pid")
      printf '%-8s alive  pid %s\n' "$name" "$pid"
    else
      printf '%-8s dead\n' "$name"
      dead=1
    fi
  done
  [ "$dead" = 0 ] || return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  start) known "${2:?name}"; load_env; start_one "$2" ;;
  stop) known "${2:?name}"; stop_many "$2" ;;
  restart) known "${2:?name}"; load_env; stop_many "$2"; start_one "$2" ;;
  _supervise) shift; supervise "$@" ;;
  *) say "usage: $0 up|down|status|start NAME|stop NAME|restart NAME"; exit 2 ;;
esac
