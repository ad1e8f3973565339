"""On SQLite (the quick local path), two processes that write at once wait for each other; neither fails."""

import threading

from django.db.utils import ConnectionHandler

from project.settings.base import database_settings


def test_a_writer_that_read_first_waits_for_the_other_instead_of_failing(tmp_path, django_db_blocker):
    django_db_blocker.unblock()  # its own database file, not the test database
    try:
        _two_writers(tmp_path)
    finally:
        django_db_blocker.restore()


def _two_writers(tmp_path):
    databases = ConnectionHandler({"default": database_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}")})
    setup = databases.create_connection("default")
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE runs (name TEXT)")
    setup.close()
    first_wrote, errors = threading.Event(), []

    def write(name: str, hold: bool) -> None:
        connection = databases.create_connection("default")
        try:
            # What transaction.atomic() does on SQLite: BEGIN (of the configured kind), then the statements.
            connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            with connection.cursor() as cursor:
                if not hold:
                    first_wrote.wait(5)
                cursor.execute("SELECT count(*) FROM runs")  # a read first, as an operation does
                cursor.execute("INSERT INTO runs VALUES (%s)", [name])
                if hold:
                    first_wrote.set()
                    threading.Event().wait(0.3)  # still in its transaction when the other one writes
            connection.commit()
        except Exception as error:
            errors.append(f"{name}: {error}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=("first", True)),
        threading.Thread(target=write, args=("second", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    check = databases.create_connection("default")
    with check.cursor() as cursor:
        cursor.execute("SELECT name FROM runs ORDER BY name")
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    check.close()
    assert errors == []
    assert names == ["first", "second"]
    assert mode == "wal"
