package fake

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Login does what a browser does between a click on the course page's
// launch link and the platform's post back to the tool: it starts the
// tool's login (third-party initiated) for user in course, follows the
// tool's redirect to the platform's authorization endpoint, and returns
// the form the platform would post to the tool, without posting it, so a
// test can post it, replay it or tamper with it. client must not follow
// redirects to other hosts on its own; Login follows the one it expects.
func (p *Platform) Login(ctx context.Context, client *http.Client, course, user, clientID string) (LaunchForm, error) {
	p.mu.Lock()
	t := p.tools[clientID]
	p.mu.Unlock()
	if t == nil {
		return LaunchForm{}, fmt.Errorf("no tool %q registered", clientID)
	}
	noFollow := *client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form := url.Values{"iss": {p.Issuer()}, "login_hint": {user}, "target_link_uri": {t.target()},
		"lti_message_hint": {course}, "client_id": {clientID}, "lti_deployment_id": {t.DeploymentID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.LoginURL, strings.NewReader(form.Encode()))
	if err != nil {
		return LaunchForm{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noFollow.Do(req)
	if err != nil {
		return LaunchForm{}, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, p.AuthURL()) {
		return LaunchForm{}, fmt.Errorf("the tool's login answered %d (Location %q): %s", resp.StatusCode, loc, strings.TrimSpace(string(body)))
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return LaunchForm{}, err
	}
	resp, err = noFollow.Do(req)
	if err != nil {
		return LaunchForm{}, err
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return LaunchForm{}, fmt.Errorf("the platform's authorization answered %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return parsePostBack(string(body))
}

var (
	actionRe = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	fieldRe  = regexp.MustCompile(`name="(id_token|state)" value="([^"]*)"`)
)

func parsePostBack(page string) (LaunchForm, error) {
	var f LaunchForm
	m := actionRe.FindStringSubmatch(page)
	if m == nil {
		return f, fmt.Errorf("the platform's answer has no form")
	}
	f.Action = html.UnescapeString(m[1])
	for _, m := range fieldRe.FindAllStringSubmatch(page, -1) {
		switch m[1] {
		case "id_token":
			f.IDToken = html.UnescapeString(m[2])
		case "state":
			f.State = html.UnescapeString(m[2])
		}
	}
	if f.IDToken == "" {
		return f, fmt.Errorf("the platform's form has no id_token")
	}
	return f, nil
}
