"""bench/pages.sh's arithmetic, in the standard library only.

  ticks SERVER_PID DATABASE   CPU clock ticks so far of the gunicorn server (master and workers) and of the
                              database's PostgreSQL backends (/proc/<pid>/stat: user and system time)
  run TICKS                   from wrk's output on stdin and the ticks spent during it: "<req/s> <CPU ms a request>"
  summary FIGURES...          each round and the medians, from "<rate> <CPU ms>" for /livez, the dashboard and the
                              run page, round after round

The CPU a request costs the server and its database is what a page costs the machine whatever else runs on it:
on 2 cores, 2000 / (CPU ms a request) is about the rate it could reach with nothing else running (wrk and the
kernel's share of the loopback left out).
"""

from __future__ import annotations

import os
import re
import statistics
import sys

PAGES = ("/livez", "dashboard", "run page")


def ticks(server: str, database: str) -> int:
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                fields = stat.read().rsplit(")", 1)[1].split()
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if server in (pid, fields[1]) or (command.startswith("postgres: ") and f" {database} " in command):
            total += int(fields[11]) + int(fields[12])
    return total


def run(output: str, spent: int) -> str:
    requests = int(re.search(r"(\d+) requests in", output)[1])
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", output)[1])
    return f"{rate} {spent * 1000 / os.sysconf('SC_CLK_TCK') / max(requests, 1):.3f}"


def summary(figures: list[float]) -> None:
    rounds = [figures[k : k + 6] for k in range(0, len(figures), 6)]  # per page: rate, CPU ms
    for number, (t, tc, d, dc, r, rc) in enumerate(rounds, start=1):
        print(
            f"round {number}: /livez {t:.0f} req/s ({tc:.2f} ms CPU), dashboard {d:.0f} req/s ({d / t:.3f},"
            f" {dc:.1f} ms CPU), run page {r:.0f} req/s ({r / t:.3f}, {rc:.1f} ms CPU)"
        )
    median = statistics.median
    for k, name in enumerate(PAGES):
        rate, cpu = median(row[2 * k] for row in rounds), median(row[2 * k + 1] for row in rounds)
        ratio = f", ratio {median(row[2 * k] / row[0] for row in rounds):.3f}" if k else ""
        idle = f"{2000 / cpu:.0f}" if cpu else "?"
        print(f"median {name}: {rate:.0f} req/s{ratio}, {cpu:.2f} ms CPU a request (2 idle cores: ~{idle} req/s)")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "ticks":
        print(ticks(*arguments))
    elif command == "run":
        print(run(sys.stdin.read(), int(arguments[0])))
    else:
        summary([float(value) for value in arguments])
