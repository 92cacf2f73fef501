"""pytest settings for the chapters, which nbval re-executes and compares.

nbval compares the text of every output exactly, a figure's included:
``<Figure size 900x500 with 1 Axes>`` gives the size in pixels, which
depends on ``figure.dpi``. A reader's own matplotlibrc (``figure.dpi: 144``,
say) would change every one of them and fail the chapters for no fault of
theirs. So the kernels nbval starts read matplotlib's own defaults, the
settings the stored outputs were made with: MATPLOTLIBRC names the single
file matplotlib reads, and the kernels inherit it from this process.

The alternatives were worse: a sanitizer that blanks figure sizes stops
checking them, and resetting rcParams in each chapter's first cell would
override readers' settings in the notebooks they run.
"""

import os
from pathlib import Path

import matplotlib

os.environ["MATPLOTLIBRC"] = str(
    Path(matplotlib.get_data_path()) / "matplotlibrc"
)
