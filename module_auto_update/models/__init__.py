# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import module
from . import module_auto_update_checksum
from . import module_auto_update_migration
from . import module_auto_update_run
from . import ir_module_module
