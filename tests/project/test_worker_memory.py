"""Each worker process pins glibc's mmap threshold, so an import's large arrays are given back when freed
(docs/performance.md, "A worker's memory"; measured by bench/import_memory.py)."""

import weakref

from celery import signals

from project import celery


def _receivers(signal) -> list:
    return [ref() if isinstance(ref, weakref.ReferenceType) else ref for _, ref in signal.receivers]


def test_the_worker_and_each_of_its_processes_pin_the_threshold_when_they_start():
    assert celery.keep_large_buffers_mapped in _receivers(signals.worker_init)
    assert celery.keep_large_buffers_mapped in _receivers(signals.worker_process_init)


def test_glibc_takes_the_setting():
    assert celery.keep_large_buffers_mapped() is True  # Linux with glibc, as every deployment of ours
