#!/usr/bin/env python
import os
import sys

# Developer commands that read the code and never serve, sign or hash anything: on a fresh clone
# they run without DEBUG or SECRET_KEY set (the settings require a SECRET_KEY when DEBUG is off).
CODE_ONLY_COMMANDS = {"check", "makemigrations", "makemessages", "compilemessages", "spectacular", "help"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
