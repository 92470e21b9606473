// Package bench holds the google-directory benchmarks that need the whole
// sync (engine, planner, bbolt store) and a Directory fake out of process,
// apart from package googledirectory so that its unit tests do not depend
// on the engine. It has no code outside its tests; scripts/bench-directory.sh
// drives it.
package bench
