# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Not installed in the template: tests make a changed addon depend on it, so
# that an upgrade installs it, and break it to see the upgrade fail.
