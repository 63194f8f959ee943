"""Makes the engine tests' helper modules (photos, reference) importable from subfolders."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
