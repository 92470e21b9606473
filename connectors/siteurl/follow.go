package siteurl

import (
	"fmt"
	"net/url"
	"strings"
)

// Follow resolves link, a next-page link on the page read from from (a
// path, or an absolute URL), and returns it absolute. It refuses a link
// to another scheme or host than base's: the request would carry the
// connector's token or signature there.
func Follow(base *url.URL, from, link string) (string, error) {
	f, err := url.Parse(from)
	if err != nil {
		return "", err
	}
	l, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", link)
	}
	r := f.ResolveReference(l)
	if !strings.EqualFold(r.Scheme, base.Scheme) || !strings.EqualFold(r.Host, base.Host) {
		return "", fmt.Errorf("points to %s://%s, not to base_url %s://%s: refusing to send the token there", r.Scheme, r.Host, base.Scheme, base.Host)
	}
	return r.String(), nil
}
