#!/usr/bin/env python
"""Django's command line, with the portal's settings unless told otherwise: the embedded helpdesk's
commands (seed_demo) run with --settings=portal.settings.helpdesk. Both migrate every app."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.portal")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
