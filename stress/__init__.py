"""stress: stress-test portfolios against AI-demand shocks.

Importing the package is cheap: no pandas, numpy or matplotlib at import time, so that
``stress --help`` starts fast. Import the submodules you need.
"""

__version__ = "0.1.0"
