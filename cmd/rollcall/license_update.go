package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

func (a *app) licenseUpdateCmd() *cobra.Command {
	var (
		name, expires, lmsVendor, lmsURL string
		seats                            int
		noExpiry                         bool
		addDomains, removeDomains        []string
		addAdmins, removeAdmins          []string
		features                         []string
	)
	c := &cobra.Command{
		Use:   "update ID [flags]",
		Short: "Change a license's name, seats, expiry, domains, admins, features or LMS",
		Example: `  rollcall license update lincoln-hs --seats 1500 --add-domain staff.lincoln.example.us
  rollcall license update lincoln-hs --feature chat=off --no-expiry`,
		Args: exactArgs("ID"),
		RunE: func(c *cobra.Command, args []string) error {
			f := c.Flags()
			if !anyChanged(c, "name", "seats", "expires", "no-expiry", "add-domain", "remove-domain",
				"add-admin", "remove-admin", "feature", "lms-vendor", "lms-url") {
				return usageErr(c, "nothing to update: give at least one flag")
			}
			if f.Changed("expires") && noExpiry {
				return usageErr(c, "--expires and --no-expiry contradict each other")
			}
			var edits []func(*license.License) error
			if f.Changed("name") {
				edits = append(edits, func(l *license.License) error { l.Name = name; return nil })
			}
			if f.Changed("seats") {
				edits = append(edits, func(l *license.License) error { l.Seats = seats; return nil })
			}
			if f.Changed("expires") {
				t, err := parseDate("expires", expires)
				if err != nil {
					return err
				}
				edits = append(edits, func(l *license.License) error { l.Expires = t; return nil })
			}
			if noExpiry {
				edits = append(edits, func(l *license.License) error { l.Expires = time.Time{}; return nil })
			}
			for _, d := range addDomains {
				n, err := license.NormalizeDomain(d)
				if err != nil {
					return fmt.Errorf("--add-domain: %w", err)
				}
				edits = append(edits, func(l *license.License) error { l.Domains = append(l.Domains, n); return nil })
			}
			for _, d := range removeDomains {
				n, err := license.NormalizeDomain(d)
				if err != nil {
					return fmt.Errorf("--remove-domain: %w", err)
				}
				edits = append(edits, func(l *license.License) error {
					return removeItem(&l.Domains, n, "domain", l.ID)
				})
			}
			for _, e := range addAdmins {
				n, err := license.NormalizeEmail(e)
				if err != nil {
					return fmt.Errorf("--add-admin: %w", err)
				}
				edits = append(edits, func(l *license.License) error { l.Admins = append(l.Admins, n); return nil })
			}
			for _, e := range removeAdmins {
				n, err := license.NormalizeEmail(e)
				if err != nil {
					return fmt.Errorf("--remove-admin: %w", err)
				}
				edits = append(edits, func(l *license.License) error {
					return removeItem(&l.Admins, n, "admin", l.ID)
				})
			}
			feats, err := parseFeatures(features)
			if err != nil {
				return err
			}
			if len(feats) > 0 {
				edits = append(edits, func(l *license.License) error {
					if l.Features == nil {
						l.Features = map[string]bool{}
					}
					for k, v := range feats {
						l.Features[k] = v
					}
					return nil
				})
			}
			if f.Changed("lms-vendor") {
				v := strings.ToLower(strings.TrimSpace(lmsVendor))
				edits = append(edits, func(l *license.License) error { l.LMS.Vendor = v; return nil })
			}
			if f.Changed("lms-url") {
				u, err := checkLMSURL(lmsURL)
				if err != nil {
					return err
				}
				edits = append(edits, func(l *license.License) error { l.LMS.BaseURL = u; return nil })
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				l, err := s.UpdateLicense(ctx, args[0], a.actor, func(l *license.License) error {
					for _, edit := range edits {
						if err := edit(l); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return fmt.Errorf("update license %s: %w", args[0], err)
				}
				if a.jsonOut {
					return a.printJSON(viewLicense(l, a.now()))
				}
				fmt.Fprintf(a.stdout, "Updated license %s.\n", l.ID)
				return writeLicense(a.stdout, l, a.now())
			})
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "new name")
	f.IntVar(&seats, "seats", 0, "licensed seats (not below the members it has)")
	f.StringVar(&expires, "expires", "", "expiry date, YYYY-MM-DD")
	f.BoolVar(&noExpiry, "no-expiry", false, "make the license never expire")
	f.StringArrayVar(&addDomains, "add-domain", nil, "add an email domain (repeatable)")
	f.StringArrayVar(&removeDomains, "remove-domain", nil, "remove an email domain (repeatable)")
	f.StringArrayVar(&addAdmins, "add-admin", nil, "add a license admin (repeatable)")
	f.StringArrayVar(&removeAdmins, "remove-admin", nil, "remove a license admin (repeatable)")
	f.StringArrayVar(&features, "feature", nil, "set a feature permission NAME=on|off (repeatable)")
	f.StringVar(&lmsVendor, "lms-vendor", "", "primary LMS vendor, e.g. canvas, schoology, moodle")
	f.StringVar(&lmsURL, "lms-url", "", "primary LMS base URL (https://...)")
	return c
}

func anyChanged(c *cobra.Command, names ...string) bool {
	for _, n := range names {
		if c.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// removeItem deletes v from *list, or says it was not there: a typo in a
// --remove flag should not look like success.
func removeItem(list *[]string, v, what, id string) error {
	i := slices.Index(*list, v)
	if i < 0 {
		return fmt.Errorf("%s %s is not on license %s: %w", what, v, id, license.ErrNotFound)
	}
	*list = slices.Delete(*list, i, i+1)
	return nil
}

// parseFeatures reads NAME=on|off flags.
func parseFeatures(flags []string) (map[string]bool, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	out := make(map[string]bool, len(flags))
	for _, f := range flags {
		name, val, ok := strings.Cut(f, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return nil, fmt.Errorf("--feature %q: want NAME=on or NAME=off", f)
		}
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "on", "true", "yes", "1":
			out[name] = true
		case "off", "false", "no", "0":
			out[name] = false
		default:
			return nil, fmt.Errorf("--feature %q: value must be on or off", f)
		}
	}
	return out, nil
}

// checkLMSURL accepts an absolute http(s) URL, or empty to unset.
func checkLMSURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("--lms-url %q: want an absolute http(s) URL", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
