"""PDF rendering shared by forms, signature pages, certificates and letters (no models, no database).

Documents are printed in Chinese whatever the reader's UI language: they go to the registration authority, and
identical data must give identical bytes.
"""
