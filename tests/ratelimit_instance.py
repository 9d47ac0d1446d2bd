"""One Twofold process for the shared rate-limit test (run by test_sign_in_defences).

It builds the app against the rate-limit store named on the command line,
then for each number read on stdin makes that many failed sign-ins and
prints their status codes on one line.
"""

import sys

from config import TestConfig
from practice import create_app


class Instance(TestConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # the sign-ins are refused by the form, before any query
    RATELIMIT_STORAGE_URI = sys.argv[1]
    RATELIMIT_KEY_PREFIX = sys.argv[2]
    WTF_CSRF_ENABLED = False


client = create_app(Instance).test_client()
for line in sys.stdin:
    codes = [client.post("/login", data={"email": "someone@example.com"}).status_code for _ in range(int(line))]
    print(" ".join(map(str, codes)), flush=True)
