# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_checksums
from . import test_plan
from . import test_run
from . import test_scoped
from . import test_ui
