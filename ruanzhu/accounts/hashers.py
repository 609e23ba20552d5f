"""Password hashing: Argon2id with the parameters OWASP recommends (m = 19 MiB, t = 2, p = 1).

Django's own defaults (100 MiB, p = 8) cost about 100 ms of one core per hash on a small server, which caps
logins and sign-ups at a few per second per core and lets a flood of wrong passwords exhaust the CPU. OWASP's
parameters keep Argon2id's resistance to GPU cracking at a fifth of that cost. The algorithm name stays
``argon2``, so hashes made with other parameters still verify and Django rewrites them with these at the next
successful login (``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
