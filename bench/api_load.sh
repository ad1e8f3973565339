#!/usr/bin/env bash
# The runs list API (pages of 50) of a runner with ten years of daily runs, on PostgreSQL, in one run:
# warm under load next to a trivial JSON view (/livez) of the same gunicorn server (wrk), then cold and
# warm request by request (bench/api_cold.py). Tools: wrk (Debian) and gunicorn.
#   bash bench/api_load.sh            # needs PostgreSQL on 127.0.0.1:5432, Redis, and `make test` run once (.venv)
# Settings: ROUNDS, DURATION (of each wrk figure), SAMPLES (request by request), PORT, DB_NAME, CACHE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

PORT="${PORT:-8099}"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-16}"
WORKERS="${WORKERS:-4}"
SAMPLES="${SAMPLES:-200}"
db="${DB_NAME:-runnerly_bench_api}"
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db}" -c "CREATE DATABASE ${db}"

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

.venv/bin/python manage.py migrate -v0
seeded=$(.venv/bin/python bench/api_cold.py seed)  # "<token> <runs>"
read -r token runs <<<"${seeded}"

.venv/bin/gunicorn project.wsgi --bind "127.0.0.1:${PORT}" --workers "${WORKERS}" --log-level warning &
server=$!
trap 'kill ${server} 2>/dev/null || true; psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db}" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:${PORT}/livez" >/dev/null && break; sleep 0.2; done
first_page=$(curl -sf -H "Authorization: Token ${token}" "http://127.0.0.1:${PORT}/api/v1/runs/?limit=50")
echo "${first_page:0:200}"  # (not `| head -c`: curl fails when head closes the pipe early, and pipefail stops us)

rate() { sed -n 's/^Requests\/sec: *//p'; }
echo "== warm-up"
wrk -t2 -c"${CONNECTIONS}" -d"${WARMUP:-3s}" "http://127.0.0.1:${PORT}/livez" >/dev/null
wrk -t2 -c"${CONNECTIONS}" -d"${WARMUP:-3s}" -H "Authorization: Token ${token}" "http://127.0.0.1:${PORT}/api/v1/runs/?limit=50" >/dev/null
# Alternate the two, several rounds, and report each ratio and the median: the machine's noise moves
# figures measured close together alike. Each runs-list figure sits between two /livez figures and is
# compared with their mean, so that a drift of the load within a round cancels out.
trivial_rate() { wrk -t2 -c"${CONNECTIONS}" -d"${DURATION}" "http://127.0.0.1:${PORT}/livez" | rate; }
ratios=()
before=$(trivial_rate)
for round in $(seq 1 "${ROUNDS:-5}"); do
  runs_rate=$(wrk -t2 -c"${CONNECTIONS}" -d"${DURATION}" -H "Authorization: Token ${token}" \
    "http://127.0.0.1:${PORT}/api/v1/runs/?limit=50" | rate)
  after=$(trivial_rate)
  trivial=$(python3 -c "print(f'{(${before} + ${after}) / 2:.2f}')")
  ratio=$(python3 -c "print(f'{${runs_rate}/${trivial}:.2f}')")
  ratios+=("${ratio}")
  echo "round ${round}: trivial /livez ${before} and ${after} req/s (mean ${trivial}), runs list (pages of 50, ${runs} runs) ${runs_rate} req/s, ratio ${ratio}"
  before=${after}
done
python3 -c "import statistics, sys; print('median ratio', statistics.median(float(r) for r in sys.argv[1:]))" "${ratios[@]}"
echo "== request by request (a new connection each, as wrk makes against gunicorn's sync workers)"
.venv/bin/python bench/api_cold.py measure "${PORT}" "${token}" "${SAMPLES}"
