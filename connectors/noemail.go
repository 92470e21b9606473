package connectors

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoEmails marks a read that found people but not one email address.
// LMSes hide emails from a token whose user lacks a permission rather than
// refuse the call, so such a token makes every person come back without
// one; the planner would then skip everyone, and with them every seat the
// source held. Connectors fail the read with an error that wraps this one
// (through their vendor's EmailsHidden) so that callers can errors.Is on
// it whatever the vendor.
var ErrNoEmails = errors.New("the source showed nobody's email address")

// EmailsHidden is one vendor's reason for ErrNoEmails: which permission,
// role or scope the connector's user needs before the vendor shows
// emails. A vendor package keeps one as its sentinel, e.g.
//
//	var ErrNoEmails = connectors.HiddenEmails("the token's user needs moodle/site:viewuseridentity")
//
// so that its own errors.Is keeps working and its text gives the hint.
type EmailsHidden struct {
	Need string // e.g. "the service user's role needs the permission to see email addresses"
}

// HiddenEmails returns a vendor's sentinel for ErrNoEmails, saying what
// the connector's user needs.
func HiddenEmails(need string) *EmailsHidden { return &EmailsHidden{Need: need} }

func (e *EmailsHidden) Error() string { return e.Need }

// Unwrap makes every vendor's sentinel an ErrNoEmails.
func (e *EmailsHidden) Unwrap() error { return ErrNoEmails }

// EmailCount counts, over one Fetch, the people a connector read and how
// many of them came with an email; Err applies the one rule every
// connector shares. The zero value is ready to use; it is not safe for
// concurrent use (a connector reading pages side by side keeps one per
// goroutine and Adds them, or guards it).
//
// The rule: a read of at least one person in which not one has an email
// fails. Why one and not a sample of some size: a read without a single
// email can add nobody, and the planner's empty-source guard already
// keeps it from removing anyone, so failing it loses no seat change at
// all; what it gains is a run that says which permission is missing
// instead of a "success" that skipped everyone (on a first link) or a
// guarded run that does not say why. A small course whose people truly
// have no email fails too, which costs nothing it could have synced; a
// larger minimum (two connectors once waited for 20 people) would only
// let a hidden-email token pass silently on every course smaller than it.
//
// Canvas is the one exception: it leaves the email key out when the
// token may not see emails and sends null for a person who has none, so
// its connector fails on the first missing key instead, and counts only
// for its message; a Canvas course where everyone's email is null is
// people without one, not a hidden permission.
type EmailCount struct {
	people, withEmail int
}

// Count records one person read, with the email as the vendor gave it.
func (c *EmailCount) Count(email string) {
	c.people++
	if strings.TrimSpace(email) != "" {
		c.withEmail++
	}
}

// CountPage records a page of people about to be emitted.
func (c *EmailCount) CountPage(page []Person) {
	for i := range page {
		c.Count(page[i].Email)
	}
}

// Add folds another count (one goroutine's) into c.
func (c *EmailCount) Add(o EmailCount) {
	c.people += o.people
	c.withEmail += o.withEmail
}

// People is how many people were counted.
func (c *EmailCount) People() int { return c.people }

// WithEmail is how many of them came with an email.
func (c *EmailCount) WithEmail() int { return c.withEmail }

// Hidden says whether the rule holds: at least one person, and not one
// with an email.
func (c *EmailCount) Hidden() bool { return c.people > 0 && c.withEmail == 0 }

// Err is nil unless Hidden; then it is an error naming the connector (its
// prefix, e.g. `moodle "lms"`), how many people were read (noun: what the
// vendor calls them, e.g. "participants") and wrapping the vendor's hint,
// which wraps ErrNoEmails. A nil hint wraps ErrNoEmails directly.
func (c *EmailCount) Err(prefix, noun string, hint error) error {
	if !c.Hidden() {
		return nil
	}
	if hint == nil {
		hint = ErrNoEmails
	}
	return fmt.Errorf("%s: %d %s read and not one came with an email address, so the sync stops rather than plan to skip them all: %w",
		prefix, c.people, noun, hint)
}
