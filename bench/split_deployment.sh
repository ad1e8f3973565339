#!/usr/bin/env bash
# The reports service lifted out, against the monolith alone, in one run (PostgreSQL, Redis, gunicorn, wrk):
#   1. one interface call (ReportsService.month_report): in-process, and over HTTP (keep-alive, JWT) — p50 and p99;
#   2. the dashboard's request rate: every app in-process, and with reports as its own service.
#   bash bench/split_deployment.sh      # needs PostgreSQL on 127.0.0.1:5432, Redis, and `make test` run once (.venv)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-8}"
CALLS="${CALLS:-1000}"
main_db=runnerly_bench_split
reports_db=runnerly_bench_split_reports
for db in ${main_db} ${reports_db}; do psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db}" -c "CREATE DATABASE ${db}"; done

export DJANGO_SETTINGS_MODULE=project.settings.production
export DJANGO_SECRET_KEY="bench-only-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,testserver
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${main_db}"
export DJANGO_CACHE_URL="redis://127.0.0.1:6379/4"
export RPC_SIGNING_KEYS=bench
export RUNNERLY_SITE_URL=http://127.0.0.1:8097
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_LOG_LEVEL=WARNING
export CELERY_TASK_ALWAYS_EAGER=true
redis-cli -n 4 flushdb >/dev/null
py() { .venv/bin/python manage.py shell -v0 -c "$1"; }

.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0  # the pages need the manifest in production
.venv/bin/python manage.py seed_demo >/dev/null
secrets=$(py "
from apps.tokendealer import dealing
print(dealing.client_create(client_id='monolith', audiences=['reports']), dealing.client_create(client_id='reports-service', audiences=['accounts', 'runs']))")
monolith_secret=${secrets% *}; reports_secret=${secrets#* }
cookie=$(py "
from django.test import Client
from apps.accounts.models import User
c = Client(); c.force_login(User.objects.get(email='demo@runnerly.example')); print(c.cookies['sessionid'].value)")
user_id=$(py "from apps.accounts.models import User; print(User.objects.get(email='demo@runnerly.example').pk)")

jwt=(RPC_AUTH=project.rpc.jwt_auth.JwtRequestAuth RPC_TOKEN_URL=http://127.0.0.1:8097/oauth/token RPC_JWKS_URL=http://127.0.0.1:8097/.well-known/jwks.json)
service=(DJANGO_SETTINGS_MODULE=extracted.reports.settings "DATABASE_URL=postgres://postgres@127.0.0.1:5432/${reports_db}"
  RUNNERLY_MONOLITH_URL=http://127.0.0.1:8097 RPC_CLIENT_ID=reports-service "RPC_CLIENT_SECRET=${reports_secret}" "${jwt[@]}")
env "${service[@]}" .venv/bin/python manage.py migrate -v0
env "${service[@]}" "RUNNERLY_COPY_FROM_DATABASE_URL=${DATABASE_URL}" .venv/bin/python manage.py copy_app_data reports | tail -1

pids=()
trap 'kill ${pids[*]} 2>/dev/null || true' EXIT
.venv/bin/gunicorn project.wsgi --bind 127.0.0.1:8096 --workers 4 --log-level warning & pids+=($!)
env "${service[@]}" .venv/bin/gunicorn -c extracted/reports/gunicorn.conf.py extracted.reports.wsgi \
  --bind 127.0.0.1:8098 --workers 4 --log-level warning --access-logfile /dev/null & pids+=($!)
split=(RUNNERLY_EXTRACTED_APPS=reports SERVICE_ROUTING=reports=http://127.0.0.1:8098 RPC_CLIENT_ID=monolith
  "RPC_CLIENT_SECRET=${monolith_secret}" "${jwt[@]}")
env "${split[@]}" .venv/bin/gunicorn project.wsgi --bind 127.0.0.1:8097 --workers 4 --log-level warning & pids+=($!)
for port in 8096 8097 8098; do
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:${port}/livez" >/dev/null && break; sleep 0.2; done
done

latency='
import statistics, time
from apps.reports.interface.service import reports_service
def once(): reports_service.month_report(user_id=USER, year=2026, month=10)
once()
times = []
for _ in range(CALLS):
    t = time.perf_counter(); once(); times.append(time.perf_counter() - t)
times.sort()
print(f"{statistics.median(times) * 1000:.3f} {times[int(len(times) * 0.99)] * 1000:.3f}")'
latency=${latency//USER/${user_id}}; latency=${latency//CALLS/${CALLS}}
local=$(py "${latency}")
remote=$(env "${split[@]}" .venv/bin/python manage.py shell -v0 -c "${latency}")

rate() { wrk -t2 -c"${CONNECTIONS}" -d"${DURATION}" -H "Cookie: sessionid=${cookie}" "$1" | sed -n 's/^Requests\/sec: *//p'; }
curl -sf -o /dev/null -H "Cookie: sessionid=${cookie}" http://127.0.0.1:8097/dashboard/
monolith_rate=$(rate http://127.0.0.1:8096/dashboard/)
split_rate=$(rate http://127.0.0.1:8097/dashboard/)

echo "ReportsService.month_report, ${CALLS} calls each (ms):   p50      p99"
printf "  in-process                                     %8s %8s\n" ${local}
printf "  over HTTP (keep-alive, JWT)                    %8s %8s\n" ${remote}
echo "dashboard, wrk -t2 -c${CONNECTIONS} -d${DURATION} (req/s):"
echo "  every app in-process                           ${monolith_rate}"
echo "  reports as its own service                     ${split_rate}"
python3 -c "print(f'  ratio split / monolith                         {${split_rate} / ${monolith_rate}:.2f}')"
