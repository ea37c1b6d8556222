"""Schema migrations, one module each (``mNNN_name.py`` with ``migrate(db)``)."""
