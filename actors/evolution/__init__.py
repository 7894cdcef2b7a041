"""Recipe evolution: island NSGA-II over recipes (and any box-bounded real vector), plain Python engines."""
