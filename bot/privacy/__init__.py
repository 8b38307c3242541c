"""Privacy and data rights: what copbot keeps (the registry), the notice, export, erasure, retention,
and the personal-detail guard for anonymous questions. No Discord imports here."""
