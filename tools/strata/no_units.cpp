// The units of a migrator whose directory has none yet (strata_add_migrator): an empty start,
// from which `new` writes the first unit.
