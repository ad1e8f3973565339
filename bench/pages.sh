#!/usr/bin/env bash
# The dashboard and a run's page under load, next to a trivial JSON view (/livez) of the same gunicorn server,
# on PostgreSQL, in one run: the demo runner (`manage.py seed_demo`: a year of runs with GPS, elevation and
# heart-rate streams), signed in with a session cookie as a browser is; the run page is their latest long run
# (14 to 22 km, 5 s samples). gunicorn as deployed (project/gunicorn_conf.py: access log included),
# 4 workers, one thread each unless THREADS says otherwise. Tools: wrk (Debian) and gunicorn.
#   bash bench/pages.sh                # needs PostgreSQL on 127.0.0.1:5432, Redis, and `make test` run once (.venv)
#   DAYS=30 DURATION=1s WARMUP=1s ROUNDS=1 bash bench/pages.sh   # the CI smoke run
#   KEEP_DB=1 PORT=8230 DB_NAME=runnerly_pages_bench CACHE_URL=redis://127.0.0.1:6379/4 THREADS=4 bash bench/pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

PORT="${PORT:-8098}"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-8}"
WORKERS="${WORKERS:-4}"
THREADS="${THREADS:-1}"
ROUNDS="${ROUNDS:-4}"
db="${DB_NAME:-runnerly_bench_pages}"
# KEEP_DB=1 keeps the seeded database after the run and uses it again next time (seeding takes minutes).
if [ "${KEEP_DB:-}" = 1 ] && psql -h 127.0.0.1 -U postgres -lqt | cut -d'|' -f1 | grep -qw "${db}"; then
  seed=no
else
  seed=yes
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db}" -c "CREATE DATABASE ${db}"
fi

server=""
cleanup() {
  if [ -n "${server}" ]; then kill "${server}" 2>/dev/null || true; wait "${server}" 2>/dev/null || true; fi
  [ "${KEEP_DB:-}" = 1 ] || psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db}" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=project.settings.production
export DJANGO_SECRET_KEY="bench-only-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${db}"
export DJANGO_CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/3}"  # shared by the workers, as in production
export RPC_SIGNING_KEYS=bench
export RUNNERLY_SITE_URL="http://127.0.0.1:${PORT}"  # links in emails; required by the production settings
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_LOG_LEVEL=WARNING
export CELERY_TASK_ALWAYS_EAGER=true
export RUNNERLY_BIND="127.0.0.1:${PORT}" RUNNERLY_WEB_WORKERS="${WORKERS}" RUNNERLY_WEB_THREADS="${THREADS}"
.venv/bin/python manage.py collectstatic --noinput -v0  # the pages need the manifest in production

if [ "${seed}" = yes ]; then
  .venv/bin/python manage.py migrate -v0
  if [ -z "${DAYS:-}" ]; then
    .venv/bin/python manage.py seed_demo >/dev/null
  else  # seed_demo's steps with fewer days of runs (CI's smoke run): DAYS=30 seeds in seconds, not minutes
    email=demo@runnerly.example
    .venv/bin/python manage.py seed_demo_user >/dev/null
    .venv/bin/python manage.py seed_demo_runs --user "${email}" --days "${DAYS}" >/dev/null
    .venv/bin/python manage.py seed_demo_races --user "${email}" >/dev/null
    .venv/bin/python manage.py seed_demo_plan --user "${email}" >/dev/null
  fi
fi
# "<session key> <run id>": a session as logging in makes one (in the database, as configured), and the run.
seeded=$(.venv/bin/python manage.py shell -v0 -c "
from django.contrib.auth import get_user_model
from django.test import Client
from apps.runs.models import Run
user = get_user_model().objects.get(email='demo@runnerly.example')
client = Client()
client.force_login(user)
runs = Run.objects.filter(user_id=user.pk, streams__isnull=False).order_by('-start')
run = runs.filter(name='Long run').first() or runs.first()
print(client.cookies['sessionid'].value, run.pk)")
read -r session run_id <<<"${seeded}"
cookie="Cookie: sessionid=${session}"

.venv/bin/gunicorn -c python:project.gunicorn_conf project.wsgi --log-level warning >/dev/null &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:${PORT}/livez" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:${PORT}"
for page in /dashboard/ "/runs/${run_id}/"; do  # signed in and whole: a redirect to the login page would be fast
  status=$(curl -s -o /tmp/runnerly_bench_page.$$ -w '%{http_code}' -H "${cookie}" "${base}${page}")
  if [ "${status}" != 200 ] || ! grep -q 'Log out' /tmp/runnerly_bench_page.$$; then
    echo "${page}: ${status}, not a signed-in page"
    exit 1
  fi
  echo "${page}: ${status}, $(wc -c </tmp/runnerly_bench_page.$$) bytes"
done
rm -f /tmp/runnerly_bench_page.$$

# One wrk run: "<req/s> <CPU ms a request>", the CPU that of the server and its database (bench/pages_figures.py).
measure() {
  local before output after
  before=$(python3 bench/pages_figures.py ticks "${server}" "${db}")
  output=$(wrk -t2 -c"${CONNECTIONS}" -d"$1" --timeout 10s "${@:2}")
  after=$(python3 bench/pages_figures.py ticks "${server}" "${db}")
  python3 bench/pages_figures.py run $((after - before)) <<<"${output}"
}
echo "== ${WORKERS} workers x ${THREADS} thread(s), ${CONNECTIONS} connections, ${DURATION} each; warm-up"
for page in /livez /dashboard/ "/runs/${run_id}/"; do
  measure "${WARMUP:-3s}" -H "${cookie}" "${base}${page}" >/dev/null
done
# Alternate the three, several rounds; each round and the medians: the machine's noise moves a round's figures
# together, so the ratios to /livez vary less than the rates.
figures=()
for _ in $(seq 1 "${ROUNDS}"); do
  for page in /livez /dashboard/ "/runs/${run_id}/"; do
    read -r rate cpu <<<"$(measure "${DURATION}" -H "${cookie}" "${base}${page}")"
    figures+=("${rate}" "${cpu}")
  done
done
python3 bench/pages_figures.py summary "${figures[@]}"
