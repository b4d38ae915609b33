import sys
from pathlib import Path

# The pure core is imported as a plain package from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
