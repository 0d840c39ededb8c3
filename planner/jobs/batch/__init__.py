"""Plan many sites into one results folder: resumable, on local worker processes or a Dask cluster.

Modules: ``records`` (options, tasks, results), ``hashing``, ``reading`` (the input), ``storage`` (the
results folder's files), ``worker`` (one site), ``local_pool`` and ``executors`` (where sites run), ``run``
(one batch run) and ``command`` (``planner batch``).

Input (``docs/batch.md`` has the full description):

- a **folder of scenario TOML files** (searched recursively; the site id is the path without ``.toml``), or
- one **site table** (``.csv`` or ``.parquet``), one row per site, whose column names are scenario TOML key
  paths (``horizon.start``, ``tariff.scheme``, ``load.csv``, ``battery.capacity_kwh``,
  ``vehicle.session.arrive``; ``battery[1].name`` for a second asset). An empty cell leaves the key out.
  Column ``site`` is the site id (else ``name``); columns starting with ``meta.`` are carried along and
  ignored. Relative file paths resolve against the table's folder, so thousands of rows can share a few
  series files.

Results folder::

    RESULTS/schedules/<site>.parquet   one file per planned site (schedule + its summary row as metadata);
                                       without pyarrow <site>.csv (schedule) + <site>.json (summary row)
    RESULTS/failed/<site>.json         one file per site that could not be planned (its error)
    RESULTS/summary.parquet, .csv      one row per input site
    RESULTS/manifest.json              input, options and their hashes, counts of the last finished run

Every file is written to ``RESULTS/.staging/<run>/`` and moved into place with :func:`os.replace`, so a
reader (or a resumed run) only ever sees complete files. A site's *input hash* covers its scenario text or
table row, the contents of every file it references (series CSVs, tariff scheme, catalogue entries), the
plan options and the planner version; ``resume=True`` skips a site whose schedule file carries the same hash.
Concurrent runs on one folder each use their own staging directory and replace whole files, so the folder
always holds complete results; the summary and manifest are written under an exclusive lock.
"""

from planner.jobs.batch.hashing import site_key
from planner.jobs.batch.reading import read_tasks, row_to_scenario_dict
from planner.jobs.batch.records import (
    BatchOptions,
    BatchProgress,
    BatchResult,
    SiteResult,
    SiteTask,
)
from planner.jobs.batch.run import run_batch, summary_frame
from planner.jobs.batch.storage import load_site_plan, read_schedules, read_site_result

__all__ = [
    "BatchOptions",
    "BatchProgress",
    "BatchResult",
    "SiteResult",
    "SiteTask",
    "load_site_plan",
    "read_schedules",
    "read_site_result",
    "read_tasks",
    "row_to_scenario_dict",
    "run_batch",
    "site_key",
    "summary_frame",
]
