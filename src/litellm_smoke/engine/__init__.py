"""Running the selected checks: the dependency graph (:mod:`.graph`) and the per-check jobs run
concurrently on one event loop (:mod:`.checks`). pytest glue, below the fixtures."""
