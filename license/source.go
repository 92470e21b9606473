package license

import "strings"

// Source names who claims a member. See ARCHITECTURE.md, "the one idea: claims".
//
//	manual                      an admin typed the email
//	csv:<upload id>             a CSV import
//	key                         the member redeemed the license key
//	domain:<domain>             a domain-wide deployment
//	<connector>/<deployment>    a connector deployment, e.g. google-directory/hs
type Source string

// Fixed sources.
const (
	SourceManual Source = "manual"
	SourceKey    Source = "key"
)

// CSVSource is the source of one CSV import.
func CSVSource(id string) Source { return Source("csv:" + id) }

// DomainSource is the source of a domain-wide deployment.
func DomainSource(domain string) Source { return Source("domain:" + domain) }

// DeploymentSource is the source of a connector deployment.
func DeploymentSource(connector, deployment string) Source {
	return Source(connector + "/" + deployment)
}

// Kind is the family of a source: manual, key, csv, domain or deployment.
func (s Source) Kind() string {
	str := string(s)
	switch {
	case s == SourceManual:
		return "manual"
	case s == SourceKey:
		return "key"
	case strings.HasPrefix(str, "csv:"):
		return "csv"
	case strings.HasPrefix(str, "domain:"):
		return "domain"
	case strings.Contains(str, "/"):
		return "deployment"
	}
	return ""
}

// Validate checks the source is well formed.
func (s Source) Validate() error {
	str := string(s)
	if len(str) > 200 {
		return invalid("source", str[:40]+"…", "is longer than 200 characters")
	}
	for _, r := range str {
		if r < 0x21 || r == 0x7f {
			return invalid("source", str, "contains a space or control character")
		}
	}
	switch s.Kind() {
	case "manual", "key":
		return nil
	case "csv":
		if len(str) > len("csv:") {
			return nil
		}
	case "domain":
		if _, err := NormalizeDomain(str[len("domain:"):]); err == nil {
			return nil
		}
	case "deployment":
		i := strings.IndexByte(str, '/')
		if i > 0 && i < len(str)-1 {
			return nil
		}
	}
	return invalid("source", str, "must be manual, key, csv:<id>, domain:<domain> or <connector>/<deployment>")
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
