// Package settingscheck owns how a connector reports what is wrong with
// its `settings:` block, the same for every connector type: each problem
// names its field as settings.<field>, all of them are reported at once
// rather than the first, and the whole is prefixed with the connector
// type. What counts as a problem is each connector's own.
package settingscheck

import (
	"errors"
	"fmt"
)

// Problems collects the problems of one settings block. Its zero value is
// ready to use.
type Problems struct {
	errs []error
}

// Add records that field is wrong, in format's words: settings.<field>:
// <message>.
func (p *Problems) Add(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("settings.%s: %s", field, fmt.Sprintf(format, args...)))
}

// Include records problems found by a shared block's own check, such as
// httpretry.Retry.Validate; they already name their fields.
func (p *Problems) Include(errs ...error) {
	for _, err := range errs {
		if err != nil {
			p.errs = append(p.errs, err)
		}
	}
}

// Err is nil when nothing was recorded, else every problem joined under
// "<connectorType> connector: ".
func (p *Problems) Err(connectorType string) error {
	if len(p.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s connector: %w", connectorType, errors.Join(p.errs...))
}
