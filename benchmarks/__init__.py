"""crisis-fca's benchmark suite (issue 9): every engine side by side, in the same run.

Run it with ``.venv/bin/python -m benchmarks.run`` (``make bench``); ``--quick`` is the
CI-sized run. Each measured engine runs in a fresh subprocess (``benchmarks._worker``) so
that its peak RSS is its own and a runaway baseline can be killed at its cap. Families:

- :mod:`benchmarks.lattice` -- daily concept lattices: crisis-fca vs ``concepts``
  (transposed) vs pyfim's closed itemsets;
- :mod:`benchmarks.mining` -- lead-time rules: crisis-fca vs mlxtend vs pyfim;
- :mod:`benchmarks.null` -- the circular-shift null's cost per rule set;
- :mod:`benchmarks.endtoend` -- the ``uae-covid`` case through the library, by stage, and
  through the Prefect flow;
- :mod:`benchmarks.regions` -- the regions flow on the 8 UAE regions and 1,000 synthetic
  regions, on Dask with 1 and 2 workers.

Times and memory live in the benchmark output only; ``tests/test_benchmarks.py`` checks
that the engines agree on small inputs.
"""

from __future__ import annotations

__all__: list[str] = []
