from . import module
from . import module_auto_update_checksum
from . import module_auto_update_run
from . import ir_module_module
