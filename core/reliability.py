"""The options every task of the project runs with.

Retries: database errors (a deadlock, a dropped connection) retry with exponential
backoff capped at five minutes, far below the Redis visibility timeout (an hour), so a
retried task is never also redelivered as unacknowledged.
"""

from django.db import DatabaseError

RELIABLE = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 240,
    "time_limit": 300,
}
