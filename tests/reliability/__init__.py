"""Fault injection (issue 5): crashes, network faults, hostile answers, a full disk, a wrong
clock, and a convergence property — against the real portal, bounded in time for CI
(about 3 minutes on 2 cores). Longer runs live in ``bench/soak.py`` (300 kills) and
``bench/slow_link.py`` (rural link in network namespaces; root)."""
