"""Race dates for the race tests, relative to the day they run, so that the races service (a year back to five
ahead) takes them in any year."""

import datetime

TODAY = datetime.datetime.now(datetime.UTC).date()


def _berlin_marathon_day(year: int) -> datetime.date:
    """The last Sunday of September (Berlin's marathon): summer time there, always ahead of today here."""
    day = datetime.date(year, 9, 30)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


BERLIN = _berlin_marathon_day(TODAY.year + 1)


def shown(day: datetime.date) -> str:
    """A date as the pages write it: "Sun 26 Sep 2027"."""
    return f"{day:%a} {day.day} {day:%b %Y}"
