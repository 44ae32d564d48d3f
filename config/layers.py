"""The project's own apps, bottom layer first: the one place that says which app sits above which.

An app may import from apps on lower layers only; apps that share a layer do not import each
other. Where a lower app needs something from a higher one, the higher app registers a hook at
start-up (see docs/architecture.md). `config` is the composition root above them all.

Read by settings (INSTALLED_APPS), the URL confs, `seed_demo` (through the app registry's order),
and tools/check_layers.py, which parses this file without importing it: keep LAYERS a literal.
"""

LAYERS = (
    ("governance",),
    ("residents",),
    ("projects",),
    ("surveys", "funding"),
    ("dashboards",),
)

APPS = tuple(app for layer in LAYERS for app in layer)
