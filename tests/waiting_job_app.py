"""The real app for worker-process tests, plus a job kind that waits while a flag file exists.

Run as `flask --app tests.waiting_job_app jobs worker`; the test decides when the job may finish
by deleting the file named in TWOFOLD_TEST_FLAG.
"""

import os
import time
from pathlib import Path

from practice import create_app  # noqa: F401  (what `flask --app` finds)
from practice.jobs.services import JobFile, job_kind


@job_kind("test_waits")
def waits(job) -> JobFile:
    flag = Path(os.environ.get("TWOFOLD_TEST_FLAG", "/nonexistent"))
    while flag.exists():
        time.sleep(0.05)
    return JobFile("waited.txt", "text/plain", b"waited")
