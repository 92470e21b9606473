package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// remoteClient talks to the admin API of a running "rollcall serve" for
// "rollcall --server URL": one bearer token, JSON in and out, and the
// API's error answers turned back into the errors the local command gives.
// The token is sent only in the Authorization header; it is never part
// of an error, a log line or a URL.
type remoteClient struct {
	base  *url.URL // scheme and host of the server, path prefix kept
	token string
	http  *http.Client
}

// remoteTimeout bounds one API request; a sync that runs longer is
// followed by polling, each poll its own request.
const remoteTimeout = 60 * time.Second

// newRemoteClient checks --server and builds the client. Plain http is
// refused to any host but a loopback one: the token would cross the
// network readable.
func newRemoteClient(server, token string) (*remoteClient, error) {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &usageError{msg: fmt.Sprintf("--server %q: want the server's base URL, such as https://rollcall.example.org", server)}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &usageError{msg: "--server: give the base URL alone, without credentials, query or fragment"}
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, &usageError{msg: fmt.Sprintf("--server %s: plain http would send the token readable over the network; use https (http is accepted for loopback addresses only)", u.Redacted())}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return &remoteClient{base: u, token: token, http: &http.Client{Timeout: remoteTimeout}}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenSource says where a remote command's token comes from: --token-file
// wins over $ROLLCALL_TOKEN. There is deliberately no --token flag: a
// token on the command line is in the shell history and in ps.
func loadToken(tokenFile string) (string, error) {
	if tokenFile != "" {
		return readTokenFile(tokenFile)
	}
	if t := strings.TrimSpace(os.Getenv("ROLLCALL_TOKEN")); t != "" {
		return t, nil
	}
	return "", &usageError{msg: "--server needs an API token: set ROLLCALL_TOKEN, or give --token-file PATH (a file only you can read); 'rollcall token create' makes one"}
}

// readTokenFile reads a token from a file that only its owner may read:
// a token file others can read is refused, as ssh refuses such a key.
func readTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("--token-file %s: not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("--token-file %s: its mode %04o lets others read it; run chmod 600 %s", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("--token-file %s: %w", path, err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" || strings.ContainsAny(t, " \t\r\n") {
		return "", fmt.Errorf("--token-file %s: want one token on one line", path)
	}
	return t, nil
}

// remoteError is an error answer of the API. It unwraps to the sentinel
// the local command would have met, so callers branch the same way.
type remoteError struct {
	Status  int             `json:"-"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Field   string          `json:"field,omitempty"`
	Items   json.RawMessage `json:"details,omitempty"`
}

func (e *remoteError) Error() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "the server refused the token: " + e.Message + " (check ROLLCALL_TOKEN or --token-file)"
	case http.StatusForbidden:
		return "the server refused (403): " + strings.TrimSuffix(e.Message, ": forbidden") + "; this token's role or licenses do not allow it"
	case http.StatusBadRequest:
		// A refusal wrapped in license.ErrInvalid ends in its text, which
		// the local command's message does not have.
		return strings.TrimSuffix(e.Message, ": "+license.ErrInvalid.Error())
	}
	return e.Message
}

func (e *remoteError) Unwrap() error {
	switch e.Code {
	case "not_found":
		return license.ErrNotFound
	case "exists":
		return license.ErrExists
	case "seat_limit":
		return license.ErrSeatLimit
	case "license_expired":
		return license.ErrExpired
	case "invalid", "invalid_emails", "invalid_csv", "invalid_query", "invalid_json":
		return license.ErrInvalid
	case "forbidden":
		return auth.ErrForbidden
	case "unauthenticated":
		return auth.ErrUnauthenticated
	}
	return nil
}

// Details lists each bad item the API named (each email of an add, each
// row of a CSV upload), one line each, for reportError.
func (e *remoteError) Details() []string {
	if len(e.Items) == 0 {
		return nil
	}
	var items []map[string]any
	if json.Unmarshal(e.Items, &items) != nil {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var parts []string
		for _, k := range []string{"line", "index", "field", "value", "reason"} {
			if v, ok := it[k]; ok && v != "" {
				parts = append(parts, fmt.Sprintf("%s %v", k, v))
			}
		}
		out = append(out, strings.Join(parts, ", "))
	}
	return out
}

// flagOf names the command-line flag for an API field, so that a refused
// field reads as the flag the user typed.
var flagOf = map[string]string{
	"name": "--name", "seats": "--seats", "expires": "--expires", "type": "--type", "id": "--id",
	"domains": "--domain", "admins": "--admin", "features": "--feature", "q": "--filter",
	"sort": "--sort", "limit": "--limit", "cursor": "--cursor", "role": "--role", "ttl": "--ttl",
	"email": "--email", "emails": "EMAIL", "lms": "--lms-vendor/--lms-url",
}

// asUsage turns a 400 naming a field into a usage error naming the flag:
// the command line asked for something the server will not take.
func asUsage(err error, path string) error {
	var re *remoteError
	if !errors.As(err, &re) || re.Status != http.StatusBadRequest || re.Field == "" {
		return err
	}
	name := re.Field
	if f, ok := flagOf[name]; ok {
		name = f
	}
	msg := re.Message
	if !strings.Contains(msg, name) {
		msg = name + ": " + msg
	}
	return &usageError{msg: msg, path: path}
}

// request is one API call: method, path under /api/v1, optional query and
// body (JSON unless raw is set), decoded into out unless out is nil.
type request struct {
	method, path string
	query        url.Values
	body         any
	raw          io.Reader
	rawType      string
	out          any
	// accept lists extra success statuses besides 2xx whose body is
	// decoded into out (409 of a run already going on).
	accept []int
}

// do sends req and returns the answer's status.
func (rc *remoteClient) do(ctx context.Context, req request) (int, error) {
	resp, err := rc.send(ctx, req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if req.out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, nil
	}
	if resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(req.out); err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: the server's answer is not the JSON expected: %w", req.method, req.path, err)
	}
	return resp.StatusCode, nil
}

// stream sends req and copies a successful answer's body to w.
func (rc *remoteClient) stream(ctx context.Context, req request, w io.Writer) error {
	resp, err := rc.send(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", req.method, req.path, err)
	}
	return nil
}

// send makes the request and turns a non-success answer into a
// remoteError; on success the caller reads and closes the body.
func (rc *remoteClient) send(ctx context.Context, req request) (*http.Response, error) {
	// Paths come with their segments escaped (seg), so the URL is built
	// as text: url.URL.Path would escape the escapes again.
	target := rc.base.String() + "/api/v1" + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	var body io.Reader
	ctype := ""
	switch {
	case req.raw != nil:
		body, ctype = req.raw, req.rawType
	case req.body != nil:
		b, err := json.Marshal(req.body)
		if err != nil {
			return nil, err
		}
		body, ctype = bytes.NewReader(b), "application/json"
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Authorization", "Bearer "+rc.token)
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", "rollcall-cli")
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	resp, err := rc.http.Do(hr)
	if err != nil {
		// The *url.Error names the URL, which holds no secret.
		return nil, fmt.Errorf("reach the server at %s: %w", rc.base.Redacted(), unwrapURLError(err))
	}
	if resp.StatusCode < 300 || acceptable(resp.StatusCode, req.accept) {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var wrapped struct {
		Error *remoteError `json:"error"`
	}
	if json.Unmarshal(raw, &wrapped) != nil || wrapped.Error == nil || wrapped.Error.Message == "" {
		return nil, fmt.Errorf("%s %s: the server answered %s, not an API error: is %s a rollcall server?", req.method, req.path, resp.Status, rc.base.Redacted())
	}
	wrapped.Error.Status = resp.StatusCode
	return nil, wrapped.Error
}

func acceptable(status int, extra []int) bool {
	for _, s := range extra {
		if s == status {
			return true
		}
	}
	return false
}

// unwrapURLError drops net/http's "Get "URL": " prefix, which repeats
// what the caller's message already says.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// seg escapes one path segment (an email, a deployment name).
func seg(s string) string { return url.PathEscape(s) }
