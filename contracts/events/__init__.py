"""Event contracts: one module per publishing service.

Importing this package registers every event type with its data schema.
Which services consume a type is said by each consuming service, in
``services/<svc>/subscriptions.py``.
"""
import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
