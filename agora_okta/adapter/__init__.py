"""The Okta adapter: the okta SDK's request executor, paged reads, batched
lookups, writes, the rate-limit budget and retries.

Import from the submodules: ``transport`` and ``org`` load the okta SDK,
which takes about a second, and ``models`` and ``budget`` do not.
"""
