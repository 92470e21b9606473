package config

// IsSet reports whether the file itself sets field, a path such as
// "store.path", rather than leaving it to the default. Callers whose
// default depends on more than the file (the data directory of the
// command line) ask before trusting a filled-in default.
func (c *Config) IsSet(field string) bool {
	if c == nil {
		return false
	}
	_, ok := c.lines[field]
	return ok
}
