from . import module_auto_update_wizard
