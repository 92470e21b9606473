package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parseSpec reads a 5-field cron spec or a descriptor (@hourly, @every 10m)
// in the given IANA time zone. The zone may instead be given in the spec
// as a CRON_TZ= or TZ= prefix; giving two different zones is an error.
// Without any zone the spec is read in UTC, not the host's local zone, so a
// schedule means the same on every server.
func parseSpec(spec, zone string) (cron.Schedule, error) {
	body := strings.TrimSpace(spec)
	if body == "" {
		return nil, fmt.Errorf("empty spec")
	}
	specZone := ""
	if strings.HasPrefix(body, "CRON_TZ=") || strings.HasPrefix(body, "TZ=") {
		prefix, rest, ok := strings.Cut(body, " ")
		if !ok || strings.TrimSpace(rest) == "" {
			return nil, fmt.Errorf("time zone prefix %q without a schedule after it", prefix)
		}
		_, specZone, _ = strings.Cut(prefix, "=")
		body = strings.TrimSpace(rest)
	}
	switch {
	case specZone != "" && zone != "" && specZone != zone:
		return nil, fmt.Errorf("time zone %q in the spec differs from time zone %q", specZone, zone)
	case specZone == "" && zone != "":
		specZone = zone
	case specZone == "":
		specZone = "UTC"
	}
	if _, err := time.LoadLocation(specZone); err != nil {
		return nil, fmt.Errorf("unknown time zone %q: %w", specZone, err)
	}
	if after, ok := strings.CutPrefix(body, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(after))
		if err != nil {
			return nil, fmt.Errorf("@every: %w", err)
		}
		// robfig/cron rounds what it cannot do instead of refusing it; a
		// schedule must run when it says.
		if d < time.Second || d%time.Second != 0 {
			return nil, fmt.Errorf("@every %s: must be a whole number of seconds, at least 1s", d)
		}
	}
	s, err := cron.ParseStandard("CRON_TZ=" + specZone + " " + body)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// interval is how far apart runs are: the delay of @every, else the gap
// between the next two firings after now.
func interval(s cron.Schedule, now time.Time) time.Duration {
	if c, ok := s.(cron.ConstantDelaySchedule); ok {
		return c.Delay
	}
	next := s.Next(now)
	if next.IsZero() {
		return 0
	}
	after := s.Next(next)
	if after.IsZero() {
		return 0
	}
	return after.Sub(next)
}
