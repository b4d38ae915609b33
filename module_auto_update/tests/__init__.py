from . import test_checksums
