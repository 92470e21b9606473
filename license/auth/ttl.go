package auth

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTTL reads a lifetime such as "90d", "12h", "1h30m" or "0" (no
// expiry). Days are 24 hours; Go duration units are accepted too.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "0":
		return 0, nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("ttl %q: days must be a whole number from 0 to 3650: %w", s, ErrInvalid)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("ttl %q: must be like 90d, 12h or 0 for no expiry: %w", s, ErrInvalid)
	}
	return d, nil
}
