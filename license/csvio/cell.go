package csvio

// dangerous reports whether a spreadsheet would read a cell starting with
// c as a formula (or strip it and then do so, for tab and CR).
func dangerous(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// neutralise makes a cell safe to open in a spreadsheet by prefixing a
// single quote when it starts with a formula character. A cell that already
// starts with quotes before such a character gets one more, so that
// unneutralise can always undo exactly what was done.
func neutralise(s string) string {
	if needsNeutralising(s) {
		return "'" + s
	}
	return s
}

// unneutralise undoes neutralise: it drops one leading quote from a cell
// whose leading quotes are followed by a formula character.
func unneutralise(s string) string {
	if len(s) > 0 && s[0] == '\'' && needsNeutralising(s) {
		return s[1:]
	}
	return s
}

func needsNeutralising(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	return i < len(s) && dangerous(s[i])
}
