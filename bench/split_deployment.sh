#!/usr/bin/env bash
# Every app lifted out, against the monolith alone, in one run (PostgreSQL, Redis, gunicorn, wrk):
#   1. one interface call (ReportsService.get_month_report), in-process and over HTTP (keep-alive, JWT), alternated
#      call by call in one process so that both see the same machine: p50 and p99, and the difference;
#   2. the dashboard's request rate: every app in-process, and with runs, imports, races, plans, reports and
#      strava each its own service (its own gunicorn and database, data copied with copy_app_data);
#   3. load on the split deployment: LOAD_CONNECTIONS clients for LOAD_DURATION on the dashboard and on the runs
#      API, counting the answers that are not 2xx (a 5xx is a failure of this bench).
#   bash bench/split_deployment.sh      # needs PostgreSQL on 127.0.0.1:5432, Redis, and `make test` run once (.venv)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-8}"
CALLS="${CALLS:-1000}"
LOAD_DURATION="${LOAD_DURATION:-30s}"
LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-16}"
SERVICES=(runs imports races plans reports strava)
main_db=runnerly_bench_split
databases=("${main_db}")
for app in "${SERVICES[@]}"; do databases+=("${main_db}_${app}"); done
for db in "${databases[@]}"; do psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db}" -c "CREATE DATABASE ${db}"; done

export DJANGO_SETTINGS_MODULE=project.settings.production
export DJANGO_SECRET_KEY="bench-only-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,testserver
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${main_db}"
export DJANGO_CACHE_URL="redis://127.0.0.1:6379/4"
export RPC_SIGNING_KEYS=bench
export RUNNERLY_SITE_URL=http://127.0.0.1:8097
# Services reach the monolith (accounts, the token dealer, its keys) on a pool of its own, not on the one serving
# pages: a service checking a token may have to ask the dealer while every page worker waits on that service.
export RUNNERLY_MONOLITH_URL=http://127.0.0.1:8098
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_LOG_LEVEL=WARNING
export CELERY_TASK_ALWAYS_EAGER=true
export RPC_AUTH=project.rpc.jwt_auth.JwtRequestAuth
export RPC_TOKEN_URL=http://127.0.0.1:8098/oauth/token
export RPC_JWKS_URL=http://127.0.0.1:8098/.well-known/jwks.json
redis-cli -n 4 flushdb >/dev/null
py() { .venv/bin/python manage.py shell -v0 -c "$1"; }

.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0  # the pages need the manifest in production
.venv/bin/python manage.py seed_demo >/dev/null
all="'accounts', 'runs', 'imports', 'races', 'plans', 'reports', 'strava'"
secrets=$(py "
from apps.tokendealer import dealing
apps = [${all}]
print(dealing.client_create(client_id='monolith', audiences=apps[1:]), end='')
for app in apps[1:]:
    print('', dealing.client_create(client_id=app + '-service', audiences=[a for a in apps if a != app]), end='')")
read -r monolith_secret runs_secret imports_secret races_secret plans_secret reports_secret strava_secret <<<"${secrets}"
cookie=$(py "
from django.test import Client
from apps.accounts.models import User
c = Client(); c.force_login(User.objects.get(email='demo@runnerly.example')); print(c.cookies['sessionid'].value)")
token=$(py "
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
print(Token.objects.get_or_create(user=get_user_model().objects.get(email='demo@runnerly.example'))[0].key)")
user_id=$(py "from apps.accounts.models import User; print(User.objects.get(email='demo@runnerly.example').pk)")

port=8100
routing=()
for app in "${SERVICES[@]}"; do port=$((port + 1)); routing+=("${app}=http://127.0.0.1:${port}"); done
topology=(RUNNERLY_EXTRACTED_APPS="$(IFS=,; echo "${SERVICES[*]}")" SERVICE_ROUTING="$(IFS=,; echo "${routing[*]}")")
service_env() {  # the environment of one service: its settings, database, client and the topology
  local app=$1 secret_var="${1}_secret"
  echo DJANGO_SETTINGS_MODULE="extracted.${app}.settings" DATABASE_URL="postgres://postgres@127.0.0.1:5432/${main_db}_${app}" \
    RPC_CLIENT_ID="${app}-service" RPC_CLIENT_SECRET="${!secret_var}" "${topology[@]}"
}
started=$(date +%s.%N)
for app in "${SERVICES[@]}"; do
  # shellcheck disable=SC2046
  env $(service_env "${app}") .venv/bin/python manage.py migrate -v0
  # shellcheck disable=SC2046
  env $(service_env "${app}") "RUNNERLY_COPY_FROM_DATABASE_URL=${DATABASE_URL}" \
    .venv/bin/python manage.py copy_app_data "${app}" | tail -1
done
echo "the six apps' data migrated and copied in $(python3 -c "print(f'{$(date +%s.%N) - ${started}:.1f}')") s"

pids=()
cleanup() {  # the servers, then the databases this run made
  kill "${pids[@]}" 2>/dev/null || true
  sleep 1
  for db in "${databases[@]}"; do psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
# The monoliths serve CPU-heavy pages: one thread a worker, more workers (threads of one process queue for its
# GIL, and a page's remote sections wait behind another request's template: docs/performance.md).
RUNNERLY_WEB_THREADS=1 .venv/bin/gunicorn -c python:project.gunicorn_conf project.wsgi --bind 127.0.0.1:8096 --workers 8 \
  --log-level warning --access-logfile /dev/null & pids+=($!)
port=8100
for app in "${SERVICES[@]}"; do
  port=$((port + 1))
  # shellcheck disable=SC2046
  env $(service_env "${app}") .venv/bin/gunicorn -c "extracted/${app}/gunicorn.conf.py" "extracted.${app}.wsgi" \
    --bind "127.0.0.1:${port}" --workers 2 --log-level warning --access-logfile /dev/null & pids+=($!)
done
split=("${topology[@]}" RPC_CLIENT_ID=monolith "RPC_CLIENT_SECRET=${monolith_secret}")
env "${split[@]}" RUNNERLY_WEB_THREADS=1 .venv/bin/gunicorn -c python:project.gunicorn_conf project.wsgi --bind 127.0.0.1:8097 --workers 8 \
  --log-level warning --access-logfile /dev/null & pids+=($!)
env "${split[@]}" .venv/bin/gunicorn -c python:project.gunicorn_conf project.wsgi --bind 127.0.0.1:8098 --workers 2 \
  --log-level warning --access-logfile /dev/null & pids+=($!)  # the monolith's internal pool (see RPC_TOKEN_URL)
for port in 8096 8097 8098 $(seq 8101 8106); do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:${port}/livez" >/dev/null && break; sleep 0.2; done
done

latency='
import statistics, time
from django.test.utils import override_settings
from apps.reports.interface.service import ReportsService
from project.rpc import routing
def local():  # the call itself each time, in-process and remote: not an answer the caller keeps (decision 0019)
    with override_settings(EXTRACTED_APPS=[], SERVICE_ROUTING={}):  # the same rows, in the monolith database
        routing.implementation(ReportsService).get_month_report(user_id=USER, year=2026, month=10)
def remote():
    routing.implementation(ReportsService).get_month_report(user_id=USER, year=2026, month=10)
local(); remote()
times = {local: [], remote: []}
for _ in range(CALLS):
    for call in (local, remote):
        t = time.perf_counter(); call(); times[call].append(time.perf_counter() - t)
for call in (local, remote):
    times[call].sort()
    print(f"{statistics.median(times[call]) * 1000:.3f} {times[call][int(len(times[call]) * 0.99)] * 1000:.3f}")'
latency=${latency//USER/${user_id}}; latency=${latency//CALLS/${CALLS}}
mapfile -t figures < <(env "${split[@]}" .venv/bin/python manage.py shell -v0 -c "${latency}")

rate() { wrk -t2 -c"${CONNECTIONS}" -d"${DURATION}" -H "Cookie: sessionid=${cookie}" "$1" | sed -n 's/^Requests\/sec: *//p'; }
# Warm-up: each process's first calls fetch tokens (a client secret's hash costs the dealer ~0.5 s), keys and
# client checks; the rates below are the steady state. The cold start shows in the first load figures' tail.
for port in 8096 8097; do
  wrk -t2 -c"${CONNECTIONS}" -d"${WARMUP:-5s}" -H "Cookie: sessionid=${cookie}" "http://127.0.0.1:${port}/dashboard/" >/dev/null
done
monolith_rate=$(rate http://127.0.0.1:8096/dashboard/)
split_rate=$(rate http://127.0.0.1:8097/dashboard/)

load() {  # wrk's summary of one URL under load on the split deployment, and its non-2xx count
  local out
  out=$(wrk -t4 -c"${LOAD_CONNECTIONS}" -d"${LOAD_DURATION}" "$@")
  echo "$(echo "${out}" | sed -n 's/^Requests\/sec: *//p') req/s, $(echo "${out}" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p') requests, non-2xx: $(echo "${out}" | sed -n 's/^ *Non-2xx or 3xx responses: *//p' | grep . || echo 0)"
}
dashboard_load=$(load -H "Cookie: sessionid=${cookie}" http://127.0.0.1:8097/dashboard/)
api_load=$(load -H "Authorization: Token ${token}" "http://127.0.0.1:8097/api/v1/runs/?limit=50")

echo "ReportsService.get_month_report, ${CALLS} calls each, alternated (ms):   p50      p99"
printf "  in-process                                     %8s %8s\n" ${figures[0]}
printf "  over HTTP (keep-alive, JWT)                    %8s %8s\n" ${figures[1]}
python3 -c "print(f'  a remote call adds (p50)                       {${figures[1]%% *} - ${figures[0]%% *}:8.3f}')"
echo "dashboard, wrk -t2 -c${CONNECTIONS} -d${DURATION} (req/s):"
echo "  every app in-process                           ${monolith_rate}"
echo "  every other app its own service                ${split_rate}"
python3 -c "print(f'  ratio split / monolith                         {${split_rate} / ${monolith_rate}:.2f}')"
echo "split deployment under load, wrk -t4 -c${LOAD_CONNECTIONS} -d${LOAD_DURATION}:"
echo "  /dashboard/                                    ${dashboard_load}"
echo "  /api/v1/runs/?limit=50                         ${api_load}"
case "${dashboard_load}${api_load}" in
  *"non-2xx: 0"*"non-2xx: 0"*) ;;
  *) echo "FAILED: answers other than 2xx under load (see the services' logs)"; exit 1 ;;
esac
