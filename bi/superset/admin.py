"""Create Superset's admin user, or set its password when it exists, from the environment:
``SUPERSET_ADMIN_USERNAME`` (default ``admin``) and ``SUPERSET_ADMIN_PASSWORD``.

    python -m bi.superset.admin      # in Superset's environment, after `superset init`

What ``superset fab create-admin --password …`` and ``fab reset-password`` do, without putting the
password on a command line, where every user of the machine can read it (``ps``, ``/proc``).
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    username = os.environ.get("SUPERSET_ADMIN_USERNAME", "admin")
    password = os.environ.pop("SUPERSET_ADMIN_PASSWORD", "")
    if not password:
        print("error: set SUPERSET_ADMIN_PASSWORD to the admin's password", file=sys.stderr)
        return 2
    from superset.app import create_app  # Superset's environment only

    app = create_app()
    with app.app_context():
        security = app.appbuilder.sm
        user = security.find_user(username=username)
        if user is not None:
            security.reset_password(user.id, password)
            print(f"admin {username!r}: password set")
            return 0
        role = security.find_role(security.auth_role_admin)
        if role is None:
            print("error: no Admin role yet; run `superset init` first", file=sys.stderr)
            return 1
        added = security.add_user(
            username, "Warehouse", "Admin", f"{username}@localhost", [role], password=password
        )
        if not added:
            print(f"error: Superset did not create the admin {username!r} (see its log)", file=sys.stderr)
            return 1
        print(f"admin {username!r}: created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
