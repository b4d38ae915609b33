from . import test_checksums
from . import test_run
from . import test_ui
